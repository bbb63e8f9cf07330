// `kia serve` as a watched child process: it listens on a free loopback port (read from its first line on stderr),
// its pages are fetched over real HTTP, its resident memory is sampled, and it is stopped with Ctrl-C (SIGINT) and a
// kill timer behind it.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { peakRss } from './rss.ts';

const KIA_BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'kia.js');

export interface Page {
  status: number;
  type: string;
  body: string;
}

export interface ServeRun {
  url: string;
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<Page>;
  /** Polls `/metrics` until `kia_probe_cycles_total` reaches `cycles` (or rejects after `timeoutMs`). */
  cycles(cycles: number, timeoutMs: number): Promise<void>;
  /** Ctrl-C, then SIGKILL after `graceMs`: how it ended. */
  stop(graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stoppedByCtrlC: boolean; peakRssMiB: number; stderr: string }>;
  stderr(): string;
  peakRssMiB(): number;
}

function fetchPage(url: string, headers: Record<string, string>): Promise<Page> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from kia serve: ${url}`)));
    req.on('error', reject);
  });
}

/** Starts `kia serve <args> --listen 127.0.0.1:0` and resolves once it says where it listens. */
export async function startServe(args: readonly string[], options: { env?: NodeJS.ProcessEnv; readyMs?: number } = {}): Promise<ServeRun> {
  const child = spawn(process.execPath, [KIA_BIN, 'serve', ...args, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => (stderr += c.length + stderr.length < 1 << 20 ? c : ''));
  const rss = peakRss(child.pid ?? 0);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kia serve did not say where it listens: ${stderr}`)), options.readyMs ?? 30_000);
    const look = () => {
      const found = /dashboard (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1];
      if (found) {
        clearTimeout(timer);
        child.stderr.off('data', look);
        resolve(found);
      }
    };
    child.stderr.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`kia serve exited: ${stderr}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    rss.stop();
    throw err;
  });
  const get = (p: string, headers: Record<string, string> = {}) => fetchPage(new URL(p.replace(/^\//, ''), url).toString(), headers);
  return {
    url,
    get,
    async cycles(n, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const page = await get('/metrics').catch(() => undefined);
        const done = Number(/^kia_probe_cycles_total (\d+)/m.exec(page?.body ?? '')?.[1] ?? 0);
        if (done >= n) return;
        if (Date.now() > until) throw new Error(`kia serve finished ${done} of ${n} probe cycles in ${timeoutMs} ms: ${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop(graceMs) {
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const end = await exited;
      clearTimeout(killer);
      rss.stop();
      return { ...end, stoppedByCtrlC: end.signal === null, peakRssMiB: rss.peak(), stderr };
    },
    stderr: () => stderr,
    peakRssMiB: () => rss.peak(),
  };
}
