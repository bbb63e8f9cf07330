// The lab's start time: a 50-node lab, cold (new PKI) and warm (--dir reused), until every port listens; and stop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, run } from './lib.ts';

export async function benchLabStart(nodes = 50): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-lab-'));
  const lines: string[] = [];
  try {
    for (const kind of ['cold', 'warm']) {
      const up = await run(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', String(nodes), '--network', '60', '--detach']);
      if (up.code !== 0) throw new Error(`lab up failed: ${up.stderr}`);
      const down = await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
      lines.push(`lab start, ${nodes} nodes, ${kind}: ${fmt(up.ms / 1000, 2)} s until every port listens (target < 10 s); stop ${fmt(down.ms / 1000, 2)} s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
