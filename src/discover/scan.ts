// Targets -> open ports: a concurrent TCP connect scan of the catalog's ports, bounded, with per-connection timeouts.
import net from 'node:net';
import { allPorts } from '../catalog/index.ts';
import type { OpenPort, Target } from '../model/index.ts';

export interface ScanOptions {
  /** Ports to try; default the catalog's (removed ones included: they are findings when open). */
  ports?: readonly number[];
  concurrency?: number;
  timeoutMs?: number;
  /** Called after each connection attempt (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

export function catalogPorts(): number[] {
  return [...new Set(allPorts({ includeRemoved: true }).map((p) => p.port).filter((p) => p > 0))].sort((a, b) => a - b);
}

export type ConnectOutcome = 'open' | 'closed' | 'timeout' | 'error' | 'no-descriptors';

export function connect(address: string, port: number, timeoutMs: number): Promise<{ open: boolean; ms: number; outcome: ConnectOutcome }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    socket.setTimeout(timeoutMs);
    const done = (outcome: ConnectOutcome) => {
      socket.destroy();
      resolve({ open: outcome === 'open', ms: performance.now() - started, outcome });
    };
    socket.once('connect', () => done('open'));
    socket.once('timeout', () => done('timeout'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' ? 'closed' : error.code === 'EMFILE' || error.code === 'ENFILE' ? 'no-descriptors' : 'error'),
    );
  });
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

export async function scan(targets: readonly Target[], options: ScanOptions = {}): Promise<OpenPort[]> {
  const ports = options.ports ?? catalogPorts();
  const jobs = targets.flatMap((target) => ports.map((port) => ({ target, port })));
  let done = 0;
  const results = await pool(jobs, options.concurrency ?? 2048, async ({ target, port }): Promise<OpenPort | undefined> => {
    let result = await connect(target.address, port, options.timeoutMs ?? 1500);
    // Out of file descriptors is our limit, not the port's answer: wait for others to finish and try again.
    for (let tries = 0; result.outcome === 'no-descriptors' && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 20));
      result = await connect(target.address, port, options.timeoutMs ?? 1500);
    }
    options.onProgress?.(++done, jobs.length);
    return result.open ? { target, address: target.address, port, connectMs: Math.round(result.ms * 10) / 10 } : undefined;
  });
  return results.filter((r): r is OpenPort => r !== undefined);
}
