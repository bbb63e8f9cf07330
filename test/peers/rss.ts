// The peak resident memory of a child process, sampled from /proc/<pid>/status every 50 ms.
import fs from 'node:fs';

function rssMiB(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Starts sampling; `peak()` is the highest VmRSS seen so far, in whole MiB. */
export function peakRss(pid: number): { peak(): number; stop(): void } {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, rssMiB(pid));
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    peak: () => Math.round(peak),
    stop: () => {
      sample();
      clearInterval(timer);
    },
  };
}
