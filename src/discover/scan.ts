// Targets -> open ports: a concurrent TCP connect scan of the catalog's ports, bounded, with per-connection timeouts.
import { allPorts } from '../catalog/index.ts';
import { connectMany } from '../clients/transport/connect.ts';
import type { OpenPort, Target } from '../model/index.ts';

export interface ScanOptions {
  /** Ports to try; default the catalog's (removed ones included: they are findings when open). */
  ports?: readonly number[];
  /** Attempts in flight at most (default 2048; a quick network needs far fewer, silent hosts hold theirs). */
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
  // Port by port across the hosts, as nmap spreads its attempts: no host sees a burst of a dozen connects at once, and
  // each listening process hears its port's attempts one after another (a host's ports are often different processes).
  const jobs = ports.flatMap((port) => targets.map((target) => ({ address: target.address, port })));
  let done = 0;
  const results = await connectMany(jobs, {
    timeoutMs: options.timeoutMs ?? 1500,
    ...(options.concurrency !== undefined ? { maxInFlight: options.concurrency } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onResult: () => options.onProgress?.(++done, jobs.length),
  });
  // Open ports host by host, in the targets' order and each host's in the ports' order.
  return targets.flatMap((target, t) =>
    ports.flatMap((port, p) => {
      const result = results[p * targets.length + t];
      return result?.open ? [{ target, address: target.address, port, connectMs: Math.round(result.ms * 10) / 10 }] : [];
    }),
  );
}
