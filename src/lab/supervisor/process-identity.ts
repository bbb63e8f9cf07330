// Which process a recorded pid is: a pid with its start time (and first argument) names one process for good, so a
// pid the kernel has since given to someone else is never signalled.
import { readFileSync } from 'node:fs';

/** A process as a pid file records it. */
export interface ProcessStamp {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); absent where there is no /proc. */
  startTime?: string;
  /** argv[0] as /proc/<pid>/cmdline shows it (`kube-apiserver`, `etcd`, `node`). */
  argv0?: string;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The stamp of a live process, or undefined when it is gone. */
export function stampOf(pid: number): ProcessStamp | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const stat = readProc(pid, 'stat');
  if (stat === undefined) return alive(pid) ? { pid } : undefined;
  // The name in parentheses may hold spaces and parentheses: the fields start after the last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie has exited; only its parent's wait is left. But a multi-threaded process (Go's etcd) exits thread by
  // thread: its leader may show `Z` while the other threads still hold its files, listening sockets included.
  if (fields[0] === 'Z' && threads(pid) <= 1) return undefined;
  const argv0 = readProc(pid, 'cmdline')?.split('\0')[0];
  return { pid, ...(fields[19] ? { startTime: fields[19] } : {}), ...(argv0 ? { argv0 } : {}) };
}

/** The process's live threads (`Threads:` in /proc/<pid>/status); 0 when it cannot be read. */
function threads(pid: number): number {
  return Number(/^Threads:\s+(\d+)$/m.exec(readProc(pid, 'status') ?? '')?.[1] ?? 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the recorded process still runs: same pid, same start time, same argv[0] where they were recorded. */
export function isRunning(recorded: ProcessStamp): boolean {
  const now = stampOf(recorded.pid);
  if (!now) return false;
  if (recorded.startTime !== undefined && now.startTime !== undefined && recorded.startTime !== now.startTime) return false;
  if (recorded.argv0 !== undefined && now.argv0 !== undefined && recorded.argv0 !== now.argv0) return false;
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops a recorded process if it still is the one recorded: SIGTERM (and SIGCONT, so a stopped one can act on it),
 * SIGKILL after `graceMs`; resolves once it is gone (or 5 s after SIGKILL), true when there was something to stop.
 */
export async function stopRecorded(recorded: ProcessStamp, graceMs = 3000): Promise<boolean> {
  if (!isRunning(recorded)) return false;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(recorded.pid, name);
    } catch {
      // Gone meanwhile.
    }
  };
  signal('SIGTERM');
  signal('SIGCONT');
  const killAt = Date.now() + graceMs;
  // A process stuck in the kernel (state D) outlives even SIGKILL for a while: give up rather than wait forever.
  const giveUpAt = killAt + 5000;
  let killed = false;
  while (isRunning(recorded)) {
    if (Date.now() > giveUpAt) return true;
    if (!killed && Date.now() > killAt) {
      signal('SIGKILL');
      killed = true;
    }
    await sleep(25);
  }
  return true;
}
