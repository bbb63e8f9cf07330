// Targets -> open ports: a concurrent TCP connect scan of the catalog's ports, bounded, with per-connection timeouts.
import { allPorts } from '../catalog/index.ts';
import { tcpConnect } from '../clients/transport/connect.ts';
import { pool } from '../concurrency.ts';
import type { OpenPort, Target } from '../model/index.ts';

export interface ScanOptions {
  /** Ports to try; default the catalog's (removed ones included: they are findings when open). */
  ports?: readonly number[];
  concurrency?: number;
  timeoutMs?: number;
  /** Stops starting connections once it aborts. */
  signal?: AbortSignal;
  /** Called after each connection attempt (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

export function catalogPorts(): number[] {
  return [...new Set(allPorts({ includeRemoved: true }).map((p) => p.port).filter((p) => p > 0))].sort((a, b) => a - b);
}

export async function scan(targets: readonly Target[], options: ScanOptions = {}): Promise<OpenPort[]> {
  const ports = options.ports ?? catalogPorts();
  const jobs = targets.flatMap((target) => ports.map((port) => ({ target, port })));
  const timeoutMs = options.timeoutMs ?? 1500;
  let done = 0;
  const results = await pool(
    jobs,
    options.concurrency ?? 2048,
    async ({ target, port }): Promise<OpenPort | undefined> => {
      let result = await tcpConnect(target.address, port, timeoutMs);
      // Out of file descriptors is our limit, not the port's answer: wait for others to finish and try again.
      for (let tries = 0; result.noDescriptors && tries < 50; tries++) {
        await new Promise((r) => setTimeout(r, 20));
        result = await tcpConnect(target.address, port, timeoutMs);
      }
      options.onProgress?.(++done, jobs.length);
      return result.open ? { target, address: target.address, port, connectMs: Math.round(result.ms * 10) / 10 } : undefined;
    },
    options.signal,
  );
  return results.filter((r): r is OpenPort => r !== undefined);
}
