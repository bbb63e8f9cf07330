// `kia kubelet container-logs --follow` beside curl on the same stream: a lab kubelet (its own process) writing
// container log lines as fast as the reader takes them; each client runs for the same window after its first byte,
// and the bench counts the bytes each writes to its stdout.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, run } from './lib.ts';
import { readLabFile } from '../src/targets/lab-file.ts';

interface Rate {
  bytes: number;
  seconds: number;
  mbPerSecond: number;
}

function measure(cmd: string, args: string[], windowMs: number): Promise<Rate> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let first = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (first === 0) {
        first = performance.now();
        setTimeout(() => child.kill('SIGINT'), windowMs);
      }
      bytes += d.length;
    });
    child.on('exit', () => {
      if (first === 0) return reject(new Error(`${cmd} wrote nothing: ${stderr.trim()}`));
      const seconds = (performance.now() - first) / 1000;
      resolve({ bytes, seconds, mbPerSecond: bytes / seconds / 1e6 });
    });
  });
}

export async function benchFollow(windowMs = 4000, rounds = 3): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-follow-'));
  try {
    const up = await run(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', '1', '--network', '60', '--log-lines-per-second', 'max', '--detach']);
    if (up.code !== 0) throw new Error(`lab up: ${up.stderr}`);
    const plan = readLabFile(dir);
    const node = plan.nodes[0];
    const pod = node?.pods.find((p) => p.name.startsWith('kube-proxy-'));
    if (!node || !pod) throw new Error('no kube-proxy pod in the lab');
    const target = `${pod.namespace}/${pod.name}/${pod.containers[0]}`;
    const f = plan.files;
    const auth = ['--cert', f.adminCert as string, '--key', f.adminKey as string];
    const kiaArgs = ['bin/kia.js', 'kubelet', node.ip, 'container-logs', target, '--follow', ...auth, '--insecure-skip-tls-verify'];
    const curlArgs = ['-sk', '-N', ...auth, `https://${node.ip}:10250/containerLogs/${target}?follow=true`];
    const kia: Rate[] = [];
    const curl: Rate[] = [];
    for (let i = 0; i < rounds; i++) {
      curl.push(await measure('curl', curlArgs, windowMs));
      kia.push(await measure(process.execPath, kiaArgs, windowMs));
    }
    const median = (rates: Rate[]) => [...rates].sort((a, b) => a.mbPerSecond - b.mbPerSecond)[Math.floor(rates.length / 2)] as Rate;
    const k = median(kia);
    const c = median(curl);
    return [
      `container-logs --follow, one lab kubelet writing as fast as the reader takes (${rounds} rounds of ${windowMs / 1000} s, medians): ` +
        `kia ${fmt(k.mbPerSecond)} MB/s, curl ${fmt(c.mbPerSecond)} MB/s -> kia ${fmt(k.mbPerSecond / c.mbPerSecond, 2)}x curl`,
    ];
  } finally {
    await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}
