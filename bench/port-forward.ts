// Port-forward throughput straight to a lab kubelet (kia's client -> WebSocket -> kubelet -> pod's echo port) beside a
// plain Node TCP relay laid out the same way: the first relay in this process where kia's forwarder runs, the second
// in a process of its own, echoing in memory as the lab kubelet's pod does (client -> relay -> relay+echo). For
// continuity the first layout of this bench is measured too: both relays and a TCP echo server in this one process.
// Every path gets a warm-up round trip, then they take turns, and the figures are medians. Beside the throughput, the
// CPU each path costs per round trip (this process plus the lab process or the relay process), which holds its value
// on a machine busy with other work where wall-clock ratios wander.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { built, fmt, kill, run } from './lib.ts';
import { readLabFile } from '../src/targets/lab-file.ts';

const { portForward } = await built<typeof import('../src/clients/port-forward.ts')>('clients/port-forward.js');
const { certificateIdentity } = await built<typeof import('../src/clients/identity.ts')>('clients/identity.js');

const SIZE = 50 << 20;
const ROUNDS = 7;

/** utime + stime of a process, in ms (10 ms ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The CPU of this process and `others` spent while `work` runs, in ms. */
async function cpuOf(others: readonly number[], work: () => Promise<void>): Promise<number> {
  const self = process.cpuUsage();
  const before = others.map(cpuMs);
  await work();
  const used = process.cpuUsage(self);
  return (used.user + used.system) / 1000 + others.reduce((sum, pid, i) => sum + cpuMs(pid) - (before[i] ?? 0), 0);
}

/** Sends SIZE bytes to a port and reads them back; returns MB/s of the round trip, connecting included. */
function roundTrip(port: number, payload: Buffer, want: string): Promise<{ mbps: number; ok: boolean }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const hash = createHash('sha256');
    let got = 0;
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      got += chunk.length;
      if (got >= payload.length) {
        const s = (performance.now() - start) / 1000;
        socket.destroy();
        resolve({ mbps: (2 * payload.length) / (1 << 20) / s, ok: hash.digest('hex') === want });
      }
    });
    socket.on('error', reject);
  });
}

function relay(target: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

// The second relay with the pod's echo behind it, as the lab has it: a PassThrough with a 1 MiB high-water mark.
const RELAY_AND_ECHO = `
const net = require('node:net');
const { PassThrough } = require('node:stream');
const server = net.createServer((client) => {
  client.on('error', () => client.destroy());
  client.pipe(new PassThrough({ highWaterMark: 1 << 20 })).pipe(client);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

function relayAndEcho(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', RELAY_AND_ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve({ child, port: Number(d.toString().trim()) }));
    child.once('exit', (code) => reject(new Error(`relay process exited: ${code}`)));
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function benchPortForward(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-pf-'));
  const payload = Buffer.alloc(SIZE, 7);
  const want = createHash('sha256').update(payload).digest('hex');
  const closers: (() => unknown)[] = [];
  try {
    const up = await run(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', '2', '--network', '60', '--detach']);
    if (up.code !== 0) throw new Error(`lab up: ${up.stderr}`);
    const plan = readLabFile(dir);
    const node = plan.nodes[1]!;
    const kubelet = plan.processes.find((p) => p.components.includes('kubelet') && p.nodes.includes(node.name))!.pid;
    const pod = node.pods.find((p) => p.name.startsWith('web-'))!;
    const forwarder = await portForward({
      transport: { kind: 'kubelet', host: node.ip, insecureSkipVerify: true },
      identity: certificateIdentity(join(dir, 'admin.crt'), join(dir, 'admin.key'), 'admin'),
      ns: pod.namespace,
      pod: pod.name,
      ports: [[0, 7]],
    });
    closers.push(() => forwarder.close());
    const far = await relayAndEcho();
    closers.push(() => kill(far.child));
    const near = await relay(far.port);
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const inner = await relay((echo.address() as net.AddressInfo).port);
    const outer = await relay((inner.address() as net.AddressInfo).port);
    closers.push(...[near, outer, inner, echo].map((s) => () => s.close()));
    const ports = { kia: forwarder.bound[0]!.local, relay: (near.address() as net.AddressInfo).port, oneProcess: (outer.address() as net.AddressInfo).port };
    const rates = { kia: [] as number[], relay: [] as number[], oneProcess: [] as number[] };
    const cpu = { kia: [] as number[], relay: [] as number[], oneProcess: [] as number[] };
    const helpers = { kia: [kubelet], relay: [far.child.pid!], oneProcess: [] };
    let ok = true;
    for (let round = 0; round <= ROUNDS; round++) {
      for (const path of ['kia', 'relay', 'oneProcess'] as const) {
        let result = { mbps: 0, ok: false };
        const used = await cpuOf(helpers[path], async () => void (result = await roundTrip(ports[path], payload, want)));
        ok &&= result.ok;
        if (round > 0) {
          rates[path].push(result.mbps);
          cpu[path].push(used);
        }
      }
    }
    const kia = median(rates.kia);
    const plain = median(rates.relay);
    const spread = (values: number[]) => `${fmt(Math.min(...values), 0)}-${fmt(Math.max(...values), 0)}`;
    return [
      `port-forward, 50 MB round trip (sha256 ${ok ? 'ok' : 'MISMATCH'}; medians of ${ROUNDS} after a warm-up): kia -> lab kubelet ${fmt(kia)} MB/s (${spread(rates.kia)}), plain Node TCP relay, same layout (relay here, relay+echo in its own process) ${fmt(plain)} MB/s (${spread(rates.relay)}) -> ${fmt((100 * kia) / plain, 1)}% (target >= 50%)`,
      `port-forward, earlier layout (both relays and a TCP echo server in this one process) ${fmt(median(rates.oneProcess))} MB/s (${spread(rates.oneProcess)}) -> kia ${fmt((100 * kia) / median(rates.oneProcess), 0)}% of it`,
      `port-forward, CPU per 50 MB round trip (medians; this process + the lab's kubelet process, or + the relay process): kia ${fmt(median(cpu.kia), 0)} ms, plain relay ${fmt(median(cpu.relay), 0)} ms -> kia costs ${fmt(median(cpu.kia) / median(cpu.relay))}x`,
    ];
  } finally {
    for (const close of closers.reverse()) await close();
    await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}
