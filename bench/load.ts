// `npm run bench load`: the lab's stand-ins and `kia serve` under wrk from another process (one wrk thread, 20
// connections, 60 s each unless --seconds): requests/s, p50/p99 latency, errors and non-2xx, and the serving
// process's RSS before, at its peak (sampled from /proc every 250 ms) and after. Numbers only; no test asserts them.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, kill, run } from './lib.ts';
import { readLabFile } from '../src/targets/lab-file.ts';

const WRK = '/usr/bin/wrk';
const CONNECTIONS = 20;

interface WrkResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connect, read, write and timeout errors. */
  errors: number;
  non2xx: number;
}

interface Rss {
  before: number;
  peak: number;
  after: number;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

/** wrk's latency figure (`812.00us`, `2.57ms`, `1.02s`) in milliseconds. */
function millis(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  if (!m) return Number.NaN;
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
  return Number(m[1]) * (scale[m[2] ?? 'ms'] ?? 1);
}

function parseWrk(out: string): WrkResult {
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    perSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50Ms: millis(/^\s+50%\s+(\S+)\s*$/m.exec(out)?.[1]),
    p99Ms: millis(/^\s+99%\s+(\S+)\s*$/m.exec(out)?.[1]),
    errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

/** wrk against one URL while the serving process's RSS is sampled. */
async function load(url: string, pid: number, seconds: number, headers: string[] = []): Promise<{ wrk: WrkResult; rss: Rss }> {
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
  const res = await run(WRK, ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url]);
  clearInterval(sampler);
  if (res.code !== 0) throw new Error(`wrk ${url}: ${res.stderr.trim()}`);
  const after = rssMb(pid);
  return { wrk: parseWrk(res.stdout), rss: { before, peak: Math.max(peak, after), after } };
}

function line(what: string, r: { wrk: WrkResult; rss: Rss }): string {
  const w = r.wrk;
  return `  ${what}: ${fmt(w.perSecond, 0)} req/s (${w.requests} requests), p50 ${fmt(w.p50Ms, 2)} ms, p99 ${fmt(w.p99Ms, 2)} ms, ${w.errors} errors, ${w.non2xx} non-2xx; RSS ${fmt(r.rss.before)} -> peak ${fmt(r.rss.peak)} -> ${fmt(r.rss.after)} MB`;
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function benchLoad(options: { seconds?: number } = {}): Promise<string[]> {
  const seconds = options.seconds ?? 60;
  if (!existsSync(WRK)) return ['load: skipped (apt-get install wrk)'];
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-load-'));
  const lines = [`load: wrk -t1 -c${CONNECTIONS} -d${seconds}s --latency from its own process (2 cores shared with the server; keep-alive connections); RSS of the serving process`];
  try {
    const up = await run(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', '3', '--network', '57', '--detach']);
    if (up.code !== 0) throw new Error(`lab up: ${up.stderr}`);
    const plan = readLabFile(dir);
    const cp = 'kia-control-plane';
    for (const [component, port] of [['kubelet', 'healthz'], ['kube-controller-manager', 'secure']] as const) {
      const e = plan.endpoints.find((x) => x.node === cp && x.component === component && x.port === port);
      const pid = plan.processes.find((p) => p.nodes.includes(cp) && p.components.includes(component))?.pid;
      if (!e || !pid) throw new Error(`the lab has no ${component} ${port} on ${cp}`);
      lines.push(line(`lab ${component} ${e.scheme}://${e.address}:${e.number}/healthz (pid ${pid})`, await load(`${e.scheme}://${e.address}:${e.number}/healthz`, pid, seconds)));
    }

    // kia serve probing that lab every 5 s while it is loaded.
    const port = 19475;
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['bin/kia.js', 'serve', '--lab', dir, '--listen', `127.0.0.1:${port}`, '--interval', '5', '--audit-interval', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const pid = child.pid as number;
      await waitFor(async () => /^kia_probe_cycles_total [1-9]/m.test(await (await fetch(`${base}/metrics`)).text()), `kia serve (${stderr.trim()})`);
      const start = rssMb(pid);
      for (const path of ['/metrics', '/api/state', '/']) lines.push(line(`kia serve ${path} while probing 3 nodes every 5 s (pid ${pid})`, await load(`${base}${path}`, pid, seconds)));
      lines.push(`  kia serve RSS: ${fmt(start)} MB after its first cycle, ${fmt(rssMb(pid))} MB after ${3 * seconds} s of load`);
    } finally {
      await kill(child);
    }
  } finally {
    await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
