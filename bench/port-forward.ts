// Port-forward throughput straight to a lab kubelet (kia's client -> WebSocket -> kubelet -> pod's echo port) beside a
// plain Node TCP relay with the same number of hops (client -> relay -> relay -> echo server), in one run.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portForward } from '../src/clients/port-forward.ts';
import { certificateIdentity } from '../src/clients/identity.ts';
import { fmt, run } from './lib.ts';

const SIZE = 50 << 20;

/** Sends SIZE bytes to a port and reads them back; returns MB/s of the round trip. */
function roundTrip(port: number, payload: Buffer): Promise<{ mbps: number; ok: boolean }> {
  const want = createHash('sha256').update(payload).digest('hex');
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

export async function benchPortForward(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-pf-'));
  const payload = Buffer.alloc(SIZE, 7);
  try {
    const up = await run(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', '2', '--network', '60', '--detach']);
    if (up.code !== 0) throw new Error(`lab up: ${up.stderr}`);
    const plan = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as { nodes: { ip: string; pods: { namespace: string; name: string }[] }[] };
    const node = plan.nodes[1]!;
    const pod = node.pods.find((p) => p.name.startsWith('web-'))!;
    const forwarder = await portForward({
      transport: { kind: 'kubelet', host: node.ip, insecureSkipVerify: true },
      identity: certificateIdentity(join(dir, 'admin.crt'), join(dir, 'admin.key'), 'admin'),
      ns: pod.namespace,
      pod: pod.name,
      ports: [[0, 7]],
    });
    const kia = await roundTrip(forwarder.bound[0]!.local, payload);
    await forwarder.close();
    // The same hops with plain TCP: an echo server behind two relays.
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const inner = await relay((echo.address() as net.AddressInfo).port);
    const outer = await relay((inner.address() as net.AddressInfo).port);
    const plain = await roundTrip((outer.address() as net.AddressInfo).port, payload);
    for (const s of [outer, inner, echo]) s.close();
    return [`port-forward, 50 MB round trip (sha256 ${kia.ok && plain.ok ? 'ok' : 'MISMATCH'}): kia -> lab kubelet ${fmt(kia.mbps)} MB/s, plain Node TCP relay (2 hops) ${fmt(plain.mbps)} MB/s -> ${fmt((100 * kia.mbps) / plain.mbps, 0)}% (target >= 50%)`];
  } finally {
    await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}
