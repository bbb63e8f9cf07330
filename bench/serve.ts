// kia serve against Prometheus' blackbox_exporter (Debian) in one run: both probe every health endpoint of a
// 200-node lab (running in its own processes) with the same credentials, key type and concurrency; CPU per full probe
// cycle from /proc/<pid>/stat, kia's /metrics scrape latency, RSS. kia's target figure opens a new connection per
// probe (TLS session resumption allowed), like blackbox; its keep-alive figure is printed beside.
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

// Polling reads kia's whole /metrics (600 KB): each poll costs kia about 0.7 ms of CPU that the cycle's figure would
// count, so it polls four times a second (the gap after a 3 s cycle is over 2 s long).
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
  scrape?: { p50: number; p99: number; kb: number; series: number; cycles: number; rss: number; peak: number };
}

/**
 * CPU per cycle: cycles every 3 s, so each one ends in an idle gap; the CPU counter is read in the gap after a cycle
 * completes (polled every POLL_MS) and again in the gap after the last, so no partial cycle is counted.
 */
async function kiaServe(dir: string, port: number, concurrency: number, keepAlive: boolean, cycles: number): Promise<KiaRun> {
  const child = spawn(process.execPath, ['bin/kia.js', 'serve', '--lab', dir, '--listen', `127.0.0.1:${port}`, '--interval', '3', '--jitter', '0', '--audit-interval', '0', '--concurrency', String(concurrency), ...(keepAlive ? ['--keep-alive'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const cyclesDone = async () => Number(/^kia_probe_cycles_total (\d+)/m.exec((await get(`${base}/metrics`)).body)?.[1] ?? 0);
  const nextCycle = async (after: number) => {
    let seen = after;
    await waitFor(async () => (seen = await cyclesDone()) > after, 120_000, `kia serve cycle (${stderr.trim()})`);
    return seen;
  };
  try {
    const pid = child.pid as number;
    await waitFor(async () => (await cyclesDone()) >= 1, 120_000, `kia serve warm-up (${stderr.trim()})`);
    const first = await nextCycle(await cyclesDone());
    const cpu0 = cpuMs(pid);
    let last = first;
    while (last < first + cycles) last = await nextCycle(last);
    const cpu1 = cpuMs(pid);
    // The cycle's own duration, as kia reports it (the time between cycles is the interval).
    const seconds = Number(/^kia_probe_cycle_duration_seconds (\S+)/m.exec((await get(`${base}/metrics`)).body)?.[1] ?? 0);
    return { cpuPerCycle: (cpu1 - cpu0) / (last - first), wallPerCycle: seconds * 1000, rss: rssMb(pid).rss };
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
    const bbCycle = () =>
      pool(urls, concurrency, async (url) => {
        const res = await get(url, agent);
        if (!/^probe_success 1$/m.test(res.body)) failures++;
      });
    await bbCycle(); // warm-up
    failures = 0;
    const pid = blackbox.pid as number;
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    for (let i = 0; i < cycles; i++) await bbCycle();
    const bbCpu = (cpuMs(pid) - cpu0) / cycles;
    const bbWall = (performance.now() - t0) / cycles;
    const bbRss = rssMb(pid).rss;
    agent.destroy();
    await kill(blackbox);
    blackbox = undefined;

    const fresh = await kiaServe(dir, 19472, concurrency, false, cycles);
    const kept = await kiaServe(dir, 19473, concurrency, true, cycles);
    fresh.scrape = await kiaScrapes(dir, 19474, concurrency, 200);
    lines.push(`kia serve vs blackbox_exporter, ${nodes}-node lab (ECDSA P-256 keys, client certificates), ${probes.length} probes per cycle, concurrency ${concurrency}, ${cycles} cycles after a warm-up:`);
    lines.push(`  blackbox_exporter: ${fmt(bbCpu, 0)} ms CPU per cycle (${fmt(bbCpu / probes.length, 2)} ms/probe), ${fmt(bbWall, 0)} ms wall, RSS ${fmt(bbRss)} MB${failures ? `, ${failures} probes not successful` : ''}`);
    lines.push(`  kia serve, new connection per probe: ${fmt(fresh.cpuPerCycle, 0)} ms CPU per cycle (${fmt(fresh.cpuPerCycle / probes.length, 2)} ms/probe), ${fmt(fresh.wallPerCycle, 0)} ms wall, RSS ${fmt(fresh.rss)} MB -> ${fmt(fresh.cpuPerCycle / bbCpu, 2)}x blackbox's CPU (target < 0.5)`);
    lines.push(`  kia serve, keep-alive: ${fmt(kept.cpuPerCycle, 0)} ms CPU per cycle (${fmt(kept.cpuPerCycle / probes.length, 2)} ms/probe), ${fmt(kept.wallPerCycle, 0)} ms wall -> ${fmt(kept.cpuPerCycle / bbCpu, 2)}x blackbox's CPU`);
    if (fresh.scrape) lines.push(`  kia /metrics while probing: ${fresh.scrape.series} series, ${fmt(fresh.scrape.kb, 0)} KB; p50 ${fmt(fresh.scrape.p50, 1)} ms, p99 ${fmt(fresh.scrape.p99, 1)} ms over 200 scrapes (target p99 < 100 ms)`);
    if (fresh.scrape) lines.push(`  kia serve with its history full (${fresh.scrape.cycles} cycles back to back): RSS ${fmt(fresh.scrape.rss)} MB, peak ${fmt(fresh.scrape.peak)} MB (target < 100 MB)`);
  } finally {
    if (blackbox) await kill(blackbox);
    await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
