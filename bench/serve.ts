// kia serve against Prometheus' blackbox_exporter (Debian) in one run: both probe every health endpoint of a
// 200-node lab (running in its own processes) with the same credentials, key type and concurrency; CPU per probe cycle
// from /proc/<pid>/stat, both in the same minutes (blackbox's cycles in kia's waits), kia's /metrics scrape latency,
// RSS. kia's target figure opens a new connection per probe (TLS session resumption allowed), like blackbox; its
// keep-alive figure is printed beside.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, fmt, kill, rssMb, run } from './lib.ts';
import type { HealthReport } from '../src/model/index.ts';
import { readLabFile } from '../src/targets/lab-file.ts';

function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { ...(agent ? { agent } : {}) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
      })
      .on('error', reject);
  });
}

// Polling reads kia's whole /metrics (600 KB, about 1 ms of kia's CPU): only while waiting, never inside a window
// whose CPU is counted.
const POLL_MS = 250;

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

interface KiaRun {
  cpuPerCycle: number;
  wallPerCycle: number;
  rss: number;
  /** blackbox_exporter's CPU per cycle over the same minutes, its cycles run in kia's idle gaps. */
  blackboxPerCycle: number;
  blackboxWall: number;
  /** Each round's kia / blackbox ratio: how far the machine moved during the run. */
  ratios: number[];
  scrape?: { p50: number; p99: number; kb: number; series: number; cycles: number; rss: number; peak: number };
}

/** The CPU counter once it has not moved for `quietMs` (the process is between cycles). */
async function quiet(pid: number, quietMs: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = cpuMs(pid);
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    const now = cpuMs(pid);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return now;
  }
  throw new Error('kia serve never went quiet between cycles');
}

/** Waits for kia's next cycle: its CPU counter moves by at least `minMs`, then stops (read from /proc: no scrape). */
async function nextBurst(pid: number, from: number, minMs: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (cpuMs(pid) < from + minMs) {
    if (Date.now() > deadline) throw new Error('kia serve ran no cycle');
    await new Promise((r) => setTimeout(r, 20));
  }
  return quiet(pid, QUIET_MS, timeoutMs);
}

// A probe cycle keeps kia busy without a 300 ms pause (64 probes in flight) and costs it more than 100 ms of CPU;
// its 3 s wait costs a few ms (timers, a collection).
const QUIET_MS = 300;
const MIN_CYCLE_MS = 100;

/**
 * CPU per cycle, kia serve and blackbox_exporter in the same minutes: the machine's speed moves by a quarter within
 * the hour, and a ratio of figures taken minutes apart moved with it. kia cycles every 3 s (end to start); in each
 * wait, after its cycle has ended, the bench runs one blackbox cycle (under a second), so neither runs while the
 * other does. Both CPU counters are read from /proc over the same window and divided by the cycles each ran in it:
 * each figure counts its process's idle time too (timers, collections), and no scrape of kia falls inside (one
 * costs it about 1 ms: the cycle count is read before and after).
 */
async function kiaServe(dir: string, port: number, concurrency: number, keepAlive: boolean, rounds: number, blackbox: { pid: number; cycle: () => Promise<void> }): Promise<KiaRun> {
  const child = spawn(process.execPath, ['bin/kia.js', 'serve', '--lab', dir, '--listen', `127.0.0.1:${port}`, '--interval', '3', '--jitter', '0', '--audit-interval', '0', '--concurrency', String(concurrency), ...(keepAlive ? ['--keep-alive'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const cyclesDone = async () => Number(/^kia_probe_cycles_total (\d+)/m.exec((await get(`${base}/metrics`)).body)?.[1] ?? 0);
  try {
    const pid = child.pid as number;
    // Warm-up: two cycles, and the bench in the wait after the second.
    await waitFor(async () => (await cyclesDone()) >= 2, 120_000, `kia serve warm-up (${stderr.trim()})`);
    const first = await cyclesDone();
    const kia0 = await quiet(pid, QUIET_MS, 10_000);
    const bb0 = cpuMs(blackbox.pid);
    const ratios: number[] = [];
    let kiaAt = kia0;
    let bbWall = 0;
    for (let round = 0; round < rounds; round++) {
      const bbAt = cpuMs(blackbox.pid);
      const started = performance.now();
      await blackbox.cycle();
      bbWall += performance.now() - started;
      const bbCycle = cpuMs(blackbox.pid) - bbAt;
      const kiaNext = await nextBurst(pid, kiaAt, MIN_CYCLE_MS, 20_000);
      ratios.push((kiaNext - kiaAt) / bbCycle);
      kiaAt = kiaNext;
    }
    const bb1 = cpuMs(blackbox.pid);
    const last = await cyclesDone();
    if (last - first !== rounds) throw new Error(`kia serve ran ${last - first} cycles where the bench saw ${rounds}`);
    // The cycle's own duration, as kia reports it (the time between cycles is the interval).
    const seconds = Number(/^kia_probe_cycle_duration_seconds (\S+)/m.exec((await get(`${base}/metrics`)).body)?.[1] ?? 0);
    return { cpuPerCycle: (kiaAt - kia0) / rounds, blackboxPerCycle: (bb1 - bb0) / rounds, blackboxWall: bbWall / rounds, ratios, wallPerCycle: seconds * 1000, rss: rssMb(pid).rss };
  } finally {
    await kill(child);
  }
}

/** `kia serve`'s default history: the last 60 checks of each cell. */
const HISTORY_SIZE = 60;

/** Scrape latency while kia probes back to back (the worst case for a scrape), then RSS once the history is full. */
async function kiaScrapes(dir: string, port: number, concurrency: number, scrapes: number): Promise<NonNullable<KiaRun['scrape']>> {
  const child = spawn(process.execPath, ['bin/kia.js', 'serve', '--lab', dir, '--listen', `127.0.0.1:${port}`, '--interval', '0.05', '--jitter', '0', '--audit-interval', '0', '--concurrency', String(concurrency)], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => Number(/^kia_probe_cycles_total (\d+)/m.exec((await get(`${base}/metrics`)).body)?.[1] ?? 0) >= 2, 120_000, 'kia serve');
    const agent = new http.Agent({ keepAlive: false });
    const latencies: number[] = [];
    let last = '';
    for (let i = 0; i < scrapes; i++) {
      const res = await get(`${base}/metrics`, agent);
      latencies.push(res.ms);
      last = res.body;
    }
    // RSS once the dashboard's history is full (60 checks per cell, `historySize`), cycles back to back: the figure a
    // long-running exporter stays at, which the CPU runs above (a few cycles each) do not reach.
    let cycles = 0;
    await waitFor(async () => (cycles = Number(/^kia_probe_cycles_total (\d+)/m.exec((await get(`${base}/metrics`, agent)).body)?.[1] ?? 0)) > HISTORY_SIZE + 2, 300_000, 'kia serve history');
    const { rss, peak } = rssMb(child.pid as number);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), kb: Buffer.byteLength(last) / 1024, series: last.split('\n').filter((l) => l && !l.startsWith('#')).length, cycles, rss, peak };
  } finally {
    await kill(child);
  }
}

export async function benchServe(nodes = 200, concurrency = 64, cycles = 5): Promise<string[]> {
  const bb = ['/usr/bin/prometheus-blackbox-exporter', '/usr/bin/blackbox_exporter'].find((p) => existsSync(p));
  if (!bb) return ['kia serve vs blackbox_exporter: skipped (apt-get install prometheus-blackbox-exporter)'];
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-serve-'));
  const lines: string[] = [];
  let blackbox: ChildProcess | undefined;
  try {
    const up = await run(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', String(nodes), '--network', '63', '--key-type', 'ecdsa', '--detach']);
    if (up.code !== 0) throw new Error(`lab up: ${up.stderr}`);
    // The probes kia asks, read from kia health itself: the same URLs and identities go to blackbox.
    const health = await run(process.execPath, ['bin/kia.js', 'health', '--lab', dir, '-o', 'json']);
    const report = JSON.parse(health.stdout) as HealthReport;
    const probes = report.nodes.flatMap((n) => n.components.flatMap((c) => c.endpoints.flatMap((e) => e.probes.filter((p) => p.state !== 'skipped').map((p) => ({ url: `${e.scheme}://${e.address}:${e.port}${p.path}`, identity: p.identity, scheme: e.scheme })))));
    const plan = readLabFile(dir);
    const f = plan.files;
    const tlsModule = (cert?: string, key?: string) =>
      `    prober: http\n    timeout: 5s\n    http:\n      valid_status_codes: [200]\n      preferred_ip_protocol: ip4\n      tls_config:\n        insecure_skip_verify: true\n${cert ? `        cert_file: ${cert}\n        key_file: ${key}\n` : ''}`;
    writeFileSync(
      join(dir, 'bb.yml'),
      `modules:\n  plain:\n    prober: http\n    timeout: 5s\n    http:\n      valid_status_codes: [200]\n      preferred_ip_protocol: ip4\n` +
        `  anonymous:\n${tlsModule()}  admin:\n${tlsModule(f.adminCert, f.adminKey)}  etcd:\n${tlsModule(f.etcdClientCert, f.etcdClientKey)}`,
    );
    const moduleOf = (p: { identity: string; scheme: string }) => (p.scheme === 'http' ? 'plain' : p.identity === 'lab-admin' ? 'admin' : p.identity === 'lab-etcd-healthcheck-client' ? 'etcd' : 'anonymous');
    blackbox = spawn(bb, [`--config.file=${join(dir, 'bb.yml')}`, '--web.listen-address=127.0.0.1:19115', '--log.level=error'], { stdio: 'ignore' });
    await waitFor(async () => (await get('http://127.0.0.1:19115/-/healthy')).status === 200, 10_000, 'blackbox_exporter');
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const urls = probes.map((p) => `http://127.0.0.1:19115/probe?module=${moduleOf(p)}&target=${encodeURIComponent(p.url)}`);
    let failures = 0;
    const exporter = {
      pid: blackbox.pid as number,
      cycle: () =>
        pool(urls, concurrency, async (url) => {
          const res = await get(url, agent);
          if (!/^probe_success 1$/m.test(res.body)) failures++;
        }),
    };
    await exporter.cycle(); // warm-up
    failures = 0;
    const fresh = await kiaServe(dir, 19472, concurrency, false, cycles, exporter);
    const kept = await kiaServe(dir, 19473, concurrency, true, cycles, exporter);
    const bbRss = rssMb(exporter.pid).rss;
    agent.destroy();
    await kill(blackbox);
    blackbox = undefined;
    fresh.scrape = await kiaScrapes(dir, 19474, concurrency, 200);
    const spread = (r: KiaRun) => `each cycle ${fmt(Math.min(...r.ratios), 2)}-${fmt(Math.max(...r.ratios), 2)}x`;
    lines.push(`kia serve vs blackbox_exporter, ${nodes}-node lab (ECDSA P-256 keys, client certificates), ${probes.length} probes per cycle, concurrency ${concurrency}, ${cycles} cycles each after a warm-up, blackbox's run in kia's 3 s waits:`);
    lines.push(`  blackbox_exporter: ${fmt(fresh.blackboxPerCycle, 0)} ms CPU per cycle (${fmt(fresh.blackboxPerCycle / probes.length, 2)} ms/probe), ${fmt(fresh.blackboxWall, 0)} ms wall, RSS ${fmt(bbRss)} MB${failures ? `, ${failures} probes not successful` : ''}`);
    lines.push(`  kia serve, new connection per probe (TLS sessions resumed): ${fmt(fresh.cpuPerCycle, 0)} ms CPU per cycle (${fmt(fresh.cpuPerCycle / probes.length, 2)} ms/probe), ${fmt(fresh.wallPerCycle, 0)} ms wall, RSS ${fmt(fresh.rss)} MB -> ${fmt(fresh.cpuPerCycle / fresh.blackboxPerCycle, 2)}x blackbox's CPU (${spread(fresh)}; target < 0.5)`);
    lines.push(`  kia serve, keep-alive: ${fmt(kept.cpuPerCycle, 0)} ms CPU per cycle (${fmt(kept.cpuPerCycle / probes.length, 2)} ms/probe), ${fmt(kept.wallPerCycle, 0)} ms wall -> ${fmt(kept.cpuPerCycle / kept.blackboxPerCycle, 2)}x blackbox's CPU (${fmt(kept.blackboxPerCycle, 0)} ms in those minutes; ${spread(kept)})`);
    if (fresh.scrape) lines.push(`  kia /metrics while probing: ${fresh.scrape.series} series, ${fmt(fresh.scrape.kb, 0)} KB; p50 ${fmt(fresh.scrape.p50, 1)} ms, p99 ${fmt(fresh.scrape.p99, 1)} ms over 200 scrapes (target p99 < 100 ms)`);
    if (fresh.scrape) lines.push(`  kia serve with its history full (${fresh.scrape.cycles} cycles back to back): RSS ${fmt(fresh.scrape.rss)} MB, peak ${fmt(fresh.scrape.peak)} MB (target < 100 MB)`);
  } finally {
    if (blackbox) await kill(blackbox);
    await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
