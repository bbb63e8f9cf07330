// The agent's cost on a node: `kia agent --interval 30s` on the control-plane node of a 1-node lab (its own
// processes), scraped every interval as Prometheus would; RSS and CPU share of one core from /proc over several
// cycles, beside the floor of an idle Node process on this machine. Targets (issue 12): under 64 MB and under 1 %.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { cpuMs, fmt, kill, rssMb, run } from './lib.ts';
import { readLabFile } from '../src/targets/lab-file.ts';

/** The agent's NODE_OPTIONS as the DaemonSet sets them: the bench measures the agent as it is deployed. */
function deployedNodeOptions(): string {
  const manifest = YAML.parse(readFileSync('deploy/kustomize/base/daemonset.yaml', 'utf8')) as { spec: { template: { spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] } } } };
  const agent = manifest.spec.template.spec.containers.find((c) => c.name === 'agent');
  return agent?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
}

function scrape(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An idle Node process (a timer, nothing loaded): what any Node agent costs before it does anything. */
async function idleNodeFloor(): Promise<number> {
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  await sleep(1000);
  const { rss } = rssMb(idle.pid ?? 0);
  await kill(idle);
  return rss;
}

/** One agent process over `cycles` intervals: its RSS, peak and CPU share. */
async function measure(options: { node: string; interval: number; cycles: number; extra: readonly string[]; nodeOptions: string }): Promise<{ rss: number; peak: number; share: number }> {
  const { interval, cycles } = options;
  const agent = spawn(process.execPath, ['bin/kia.js', 'agent', '--listen', '127.0.0.1:0', '--interval', `${interval}s`, '--node-name', options.node, ...options.extra], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: options.nodeOptions } });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      agent.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const url = /(https:\/\/127\.0\.0\.1:\d+\/)metrics/.exec(stderr)?.[1];
        if (url && /kia agent: ready/.test(stderr)) resolve(url);
      });
      agent.on('exit', (code) => reject(new Error(`kia agent exited (${code}): ${stderr}`)));
    });
    const pid = agent.pid ?? 0;
    // From the end of the first cycle: steady state, a scrape per interval, `cycles` more cycles.
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    for (let i = 0; i < cycles; i++) {
      await sleep(interval * 1000);
      if ((await scrape(`${base}metrics`)) !== 200) throw new Error('agent /metrics did not answer 200');
    }
    const share = (cpuMs(pid) - cpu0) / (performance.now() - t0);
    return { ...rssMb(pid), share };
  } finally {
    await kill(agent);
  }
}

export async function benchAgent(options: { cycles?: number; intervalSeconds?: number } = {}): Promise<string[]> {
  const cycles = options.cycles ?? 4;
  const interval = options.intervalSeconds ?? 30;
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-agent-'));
  const up = await run(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', '1', '--detach']);
  if (up.code !== 0) throw new Error(`lab up: ${up.stderr}`);
  try {
    const plan = readLabFile(dir);
    const node = plan.nodes[0];
    const pki = join(node?.root ?? dir, 'etc/kubernetes/pki');
    const lines: string[] = [];
    // Self-signed at start (the base manifests), or given a certificate (the cert-manager overlay): the X.509 library
    // is loaded only for the first.
    const nodeOptions = deployedNodeOptions();
    for (const [label, extra] of [['self-signed', []], ['--tls-cert given', ['--tls-cert', join(pki, 'apiserver.crt'), '--tls-key', join(pki, 'apiserver.key')]]] as const) {
      const m = await measure({ node: node?.name ?? 'node', interval, cycles, extra, nodeOptions });
      lines.push(`agent (--interval ${interval}s, 1-node lab control plane, ${cycles} cycles and scrapes, ${label}, NODE_OPTIONS=${nodeOptions || '(none)'} as the DaemonSet): RSS ${fmt(m.rss)} MB (peak ${fmt(m.peak)} MB; target < 64), CPU ${fmt(m.share * 100, 2)} % of one core (target < 1)`);
    }
    const floor = await idleNodeFloor();
    lines.push(`agent: idle Node process floor here: RSS ${fmt(floor)} MB (the agents above add what their lines say minus this)`);
    return lines;
  } finally {
    await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}
