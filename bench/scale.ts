// Scale: labs of 100, 300 and 1,000 nodes on this machine hunted remotely with the full hunt (wall time, peak RSS,
// requests, growth per node between sizes), and `kia report --cluster` fanning out to 1,000 recorded agents behind the
// lab apiserver's pods proxy. The lab and every kia process run with the open-files limit raised (ulimit -n).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { startRecordedAgents } from '../src/lab/components/recorded-agents.ts';
import type { LabPlan } from '../src/model/lab-plan.ts';
import { fmt, run } from './lib.ts';
import { readLabFile } from '../src/targets/lab-file.ts';

const NETWORK = 62; // node IPs 127.124.x.y, node-local 127.125.x.y
const OPEN_FILES = 65536;
const RECORDINGS = 'fixtures/agent-reports';

/** Runs a command under a raised open-files limit: the hard limit too when allowed (root), else the current hard one. */
function raised(cmd: string, args: string[]) {
  const script = `ulimit -n ${OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
  return run('sh', ['-c', script, 'sh', cmd, ...args]);
}

/** CPU seconds (utime + stime) each lab process has used so far. */
function labCpu(lab: LabPlan): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const p of lab.processes) {
    try {
      const fields = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      cpu.set(p.pid, (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100);
    } catch {
      cpu.set(p.pid, 0);
    }
  }
  return cpu;
}

interface Row {
  nodes: number;
  workerProcesses: number;
  labStartMs: number;
  huntMs: number;
  /** The hunt process's own CPU (user + system), start-up included. */
  huntCpuS: number;
  rssMb: number;
  requests: number;
  endpoints: number;
  labCpuS: number;
  busiest: { name: string; cpuS: number };
}

async function huntSize(dir: string, nodes: number): Promise<Row> {
  const up = await raised(process.execPath, ['bin/kia.js', 'lab', 'up', '--dir', dir, '--nodes', String(nodes), '--network', String(NETWORK), '--profile', 'mixed', '--detach']);
  if (up.code !== 0) throw new Error(`lab up --nodes ${nodes}: ${up.stderr}`);
  const lab = readLabFile(dir);
  const before = labCpu(lab);
  const hunt = await raised(process.execPath, ['--import', 'tsx', 'bench/kia-phase.ts', 'hunt', dir, String(nodes)]);
  if (hunt.code !== 0) throw new Error(`hunt of ${nodes} nodes: ${hunt.stderr}`);
  const after = labCpu(lab);
  const phase = JSON.parse(hunt.stdout) as { ms: number; cpuMs: number; rssMb: number; requests: number; endpoints: number };
  const spent = lab.processes.map((p) => ({ name: `${p.name} (${p.nodes.length} node${p.nodes.length === 1 ? '' : 's'})`, cpuS: (after.get(p.pid) ?? 0) - (before.get(p.pid) ?? 0) }));
  const busiest = spent.reduce((a, b) => (b.cpuS > a.cpuS ? b : a));
  return {
    nodes,
    workerProcesses: lab.processes.filter((p) => p.name === 'kubelet' && p.nodes.length > 0 && !p.nodes.includes('kia-control-plane')).length,
    labStartMs: up.ms,
    huntMs: phase.ms,
    huntCpuS: phase.cpuMs / 1000,
    rssMb: phase.rssMb,
    requests: phase.requests,
    endpoints: phase.endpoints,
    labCpuS: spent.reduce((sum, p) => sum + p.cpuS, 0),
    busiest,
  };
}

/** `kia report --cluster` against one recorded agent per node of the running lab: wall time, peak RSS, nodes merged. */
async function clusterReport(dir: string): Promise<string> {
  const lab = readLabFile(dir);
  const token = readFileSync(lab.files.adminToken, 'utf8').trim().split(/[,\s]/)[0] ?? '';
  const agents = await startRecordedAgents({ plan: { dir, nodes: lab.nodes }, recordings: RECORDINGS, token });
  try {
    // The pods proxy passes a bearer token on (a client certificate it cannot): the admin with its token.
    const admin = YAML.parse(readFileSync(lab.files.adminConf, 'utf8')) as { users: { user: Record<string, unknown> }[] };
    for (const u of admin.users) u.user = { token };
    const kubeconfig = join(dir, 'kia-report.conf');
    writeFileSync(kubeconfig, YAML.stringify(admin), { mode: 0o600 });
    const out = join(dir, 'cluster-report.json');
    const res = await raised('/usr/bin/time', ['-f', 'peak-rss-kb %M', process.execPath, 'bin/kia.js', 'report', '--cluster', '--kubeconfig', kubeconfig, '-o', 'json', '--output-file', out]);
    const rssMb = Number(/peak-rss-kb (\d+)/.exec(res.stderr)?.[1] ?? 0) / 1024;
    if (res.code !== 0) throw new Error(`kia report --cluster exited ${res.code}: ${res.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { scope: { targets: { node?: string }[] }; endpoints: unknown[]; findings: unknown[]; unanswered?: { count: number } };
    const merged = new Set(report.scope.targets.map((t) => t.node)).size;
    const sizeMb = statSync(out).size / 1e6;
    return `report --cluster, ${agents.pods.length} recorded agents behind the lab apiserver's pods proxy: ${fmt(res.ms / 1000, 2)} s wall (target < 20 s), peak RSS ${fmt(rssMb)} MB (target < 500 MB); merged ${merged} nodes, ${report.unanswered?.count ?? 0} unanswered, ${report.endpoints.length} endpoints, ${report.findings.length} findings, ${fmt(sizeMb)} MB of JSON`;
  } finally {
    await agents.stop();
  }
}

const perNode = (a: Row, b: Row, key: 'huntMs' | 'huntCpuS' | 'rssMb' | 'labStartMs') => (b[key] - a[key]) / (b.nodes - a.nodes);

export async function benchScale(sizes: readonly number[] = [100, 300, 1000]): Promise<string[]> {
  // Raising the hard limit needs CAP_SYS_RESOURCE; without it the soft limit goes up to the hard one.
  const openFiles = (await raised('sh', ['-c', 'ulimit -n'])).stdout.trim();
  const lines = [`scale bench at ${new Date().toISOString()}, load average ${loadavg().map((l) => fmt(l, 2)).join(' ')} (open files: ulimit -n ${openFiles})`];
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kia-bench-scale-'));
  try {
    for (const [i, nodes] of sizes.entries()) {
      // A folder per size: a lab started in another size's folder would reuse that one's PKI (a warm start).
      const labDir = join(dir, String(nodes));
      const row = await huntSize(labDir, nodes);
      rows.push(row);
      const prev = rows[i - 1];
      const growth = prev ? `; per added node since ${prev.nodes}: +${fmt(perNode(prev, row, 'huntMs'))} ms hunt wall, +${fmt(perNode(prev, row, 'huntCpuS') * 1000)} ms hunt CPU, +${fmt(perNode(prev, row, 'rssMb'), 2)} MB RSS, +${fmt(perNode(prev, row, 'labStartMs'))} ms lab start` : '';
      lines.push(
        `scale ${nodes} nodes (${row.workerProcesses} worker kubelet process${row.workerProcesses === 1 ? '' : 'es'}): lab start ${fmt(row.labStartMs / 1000, 2)} s; full hunt ${fmt(row.huntMs / 1000, 2)} s (${fmt(row.huntMs / nodes, 1)} ms/node), peak RSS ${fmt(row.rssMb)} MB, ${row.requests} requests, ${row.endpoints} endpoints; CPU: hunt ${fmt(row.huntCpuS, 1)} s, lab during the hunt ${fmt(row.labCpuS, 1)} s (busiest ${row.busiest.name} ${fmt(row.busiest.cpuS, 1)} s) -> on 2 idle cores at least ${fmt((row.huntCpuS + row.labCpuS) / 2, 1)} s${growth}`,
      );
      if (i === sizes.length - 1) lines.push(await clusterReport(labDir));
      await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', labDir]);
    }
    const last = rows.at(-1);
    if (last) lines.push(`scale targets at ${last.nodes} nodes: hunt ${fmt(last.huntMs / 1000, 1)} s (< 60 s ${last.huntMs < 60_000 ? '✔' : '✘'}), peak RSS ${fmt(last.rssMb)} MB (< 1 GB ${last.rssMb < 1024 ? '✔' : '✘'})`);
  } finally {
    // After a failure, the lab of the size it failed at may still run.
    for (const nodes of sizes) if (existsSync(join(dir, String(nodes), 'lab.json'))) await run(process.execPath, ['bin/kia.js', 'lab', 'down', '--dir', join(dir, String(nodes))]);
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
