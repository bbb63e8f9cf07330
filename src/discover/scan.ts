// Targets -> open ports: a concurrent TCP connect scan of the catalog's ports, bounded, with per-connection timeouts.
import { allPorts } from '../catalog/index.ts';
import { connectMany, type ConnectJob } from '../clients/transport/connect.ts';
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
  /** Called with each open port as it is found (the hunt probes it while the scan goes on). */
  onOpen?: (open: OpenPort) => void;
}

export function catalogPorts(): number[] {
  return [...new Set(allPorts({ includeRemoved: true }).map((p) => p.port).filter((p) => p > 0))].sort((a, b) => a - b);
}

export async function scan(targets: readonly Target[], options: ScanOptions = {}): Promise<OpenPort[]> {
  const ports = options.ports ?? catalogPorts();
  // Port by port across the hosts, as nmap spreads its attempts: no host sees a burst of a dozen connects at once, and
  // each listening process hears its port's attempts one after another (a host's ports are often different processes).
  const jobs = ports.flatMap((port) => targets.map((target) => ({ address: target.address, port })));
  const found = new Array<OpenPort | undefined>(jobs.length);
  let done = 0;
  await connectMany(jobs, {
    timeoutMs: options.timeoutMs ?? 1500,
    ...(options.concurrency !== undefined ? { maxInFlight: options.concurrency } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onResult: (index, result) => {
      options.onProgress?.(++done, jobs.length);
      if (!result.open) return;
      const target = targets[index % targets.length] as Target;
      const open: OpenPort = { target, address: target.address, port: (jobs[index] as ConnectJob).port, connectMs: Math.round(result.ms * 10) / 10 };
      found[index] = open;
      options.onOpen?.(open);
    },
  });
  // Open ports host by host, in the targets' order and each host's in the ports' order.
  return targets.flatMap((_, t) => ports.flatMap((_port, p) => found[p * targets.length + t] ?? []));
}
