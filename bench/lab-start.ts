// The lab's start time: a 50-node lab, cold (new PKI) and warm (--dir reused), until every port listens; and stop.
// Beside the wall time, the CPU the lab's processes spent getting there, which a busy machine does not inflate.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, run } from './lib.ts';
import { readLabFile } from '../src/targets/lab-file.ts';

/** utime + stime of the lab's supervisor and processes so far, in seconds (clock ticks of 10 ms). */
function labCpuSeconds(dir: string): number {
  const plan = readLabFile(dir);
  let ticks = 0;
  for (const pid of [plan.supervisorPid ?? 0, ...plan.processes.map((p) => p.pid)]) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      // Gone: counted as nothing.
    }
  }
  return ticks / 100;
}

export async function benchLabStart(nodes = 50): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-lab-'));
  const lines: string[] = [];
  try {
    for (const kind of ['cold', 'warm']) {
      const up = await run(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', String(nodes), '--network', '60', '--detach']);
      if (up.code !== 0) throw new Error(`lab up failed: ${up.stderr}`);
      const cpu = labCpuSeconds(dir);
      const down = await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
      lines.push(`lab start, ${nodes} nodes, ${kind}: ${fmt(up.ms / 1000, 2)} s until every port listens (target < 10 s), ${fmt(cpu, 2)} s of the lab's CPU; stop ${fmt(down.ms / 1000, 2)} s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
