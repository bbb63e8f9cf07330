// The lab's processes: which process serves what, how each is spawned, and how the parent waits on its ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../../errors.ts';
import type { ComponentId } from '../../model/index.ts';
import { commandLine } from '../plan/command-lines.ts';
import { recordProcess } from './pid-files.ts';
import type { LabEndpoint, LabNode, LabPlan } from '../types.ts';

export interface ProcessSpec {
  name: string;
  nodes: LabNode[];
  components: ComponentId[];
  system?: boolean;
}

/** A running lab process and what it serves; `child` is replaced when a fault restarts it. */
export interface ProcessHandle {
  spec: ProcessSpec;
  child: ChildProcess;
}

/** One process per control-plane component; the workers' kubelets share one process and their kube-proxies another. */
export function processLayout(plan: LabPlan): ProcessSpec[] {
  const [cp, ...workers] = plan.nodes;
  if (!cp) return [];
  const specs: ProcessSpec[] = (['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'] as const).map((component) => ({
    name: component,
    nodes: [cp],
    components: [component],
    ...(component === 'etcd' && plan.etcd === 'system' ? { system: true } : {}),
  }));
  if (workers.length > 0) {
    specs.push({ name: 'kubelet', nodes: workers, components: ['kubelet'] }, { name: 'kube-proxy', nodes: workers, components: ['kube-proxy'] });
  }
  return specs;
}

const ENTRY = fileURLToPath(new URL(`../proc${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** Starts one lab process and records it in `<dir>/run/` once it runs (see pid-files.ts). */
export async function spawnProcess(plan: LabPlan, spec: ProcessSpec): Promise<ChildProcess> {
  const child = await start(plan, spec);
  if (child.pid !== undefined) recordProcess(plan.dir, { name: spec.name, nodes: spec.nodes.map((n) => n.name), pid: child.pid });
  return child;
}

function start(plan: LabPlan, spec: ProcessSpec): Promise<ChildProcess> {
  const [argv0 = spec.name, ...flags] = commandLine(plan, spec.nodes[0] as LabNode, spec.components[0] as ComponentId);
  let child: ChildProcess;
  if (spec.system) {
    if (!existsSync('/usr/bin/etcd')) return Promise.reject(new LabError('--etcd system needs Debian\'s etcd (apt-get install etcd-server): /usr/bin/etcd not found'));
    mkdirSync(join(spec.nodes[0]?.root ?? plan.dir, 'var/lib/etcd'), { recursive: true });
    child = spawn('/usr/bin/etcd', flags, { argv0, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ETCD_LOG_LEVEL: 'error' } });
    // Drained so a chatty etcd never blocks on a full pipe.
    child.stderr?.resume();
  } else {
    // A lab process lives on a small heap (about 10 MB), where V8 sets the old generation's limit near 25 MB and then
    // keeps starting incremental marking while buffers stream through it: a 50 MB port-forward round trip through the
    // lab kubelet cost four mark-compacts and a third of its CPU. A 64 MB starting limit leaves those to the scavenger
    // (1 mark-compact in 12 round trips instead of about 50, the kubelet's CPU per round trip 200 -> 130 ms, its RSS
    // about 10 MB higher). The lab shares the machine with the tool it exercises: its CPU is the tool's loss.
    const heap = process.execArgv.some((a) => a.startsWith('--initial-old-space-size')) ? [] : ['--initial-old-space-size=64'];
    const args = [...process.execArgv.filter((a) => !a.startsWith('--test')), ...heap, ENTRY, ...flags];
    const env = { ...process.env, KIA_LAB_PROCESS: JSON.stringify({ lab: plan.dir, process: spec.name, nodes: spec.nodes.map((n) => n.name).join(','), components: spec.components.join(',') }) };
    child = spawn(process.execPath, args, { argv0, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }
  return new Promise((resolveChild, reject) => {
    const fail = (message: string) => {
      child.kill('SIGKILL');
      reject(new LabError(`${spec.name} did not start: ${message}`));
    };
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code) => fail(`exited with ${code}`));
    if (spec.system) {
      resolveChild(child);
      return;
    }
    child.on('message', (message: { type: string; message?: string }) => {
      if (message.type === 'ready') {
        child.removeAllListeners('exit');
        resolveChild(child);
      } else if (message.type === 'error') fail(message.message ?? 'unknown error');
    });
  });
}

function connects(endpoint: Pick<LabEndpoint, 'address' | 'number'>): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect({ host: endpoint.address, port: endpoint.number }, () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** Resolves when every endpoint accepts TCP connections (or, with `refused`, when none does any more). */
export async function waitPorts(endpoints: readonly LabEndpoint[], timeoutMs: number, refused = false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const key = (e: LabEndpoint) => `${e.address}:${e.number}`;
  let pending = endpoints;
  for (;;) {
    const results = await Promise.all(pending.map(connects));
    pending = pending.filter((_, i) => results[i] === refused);
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new LabError(`${refused ? 'still listening' : 'not listening'} after ${timeoutMs} ms: ${pending.slice(0, 5).map(key).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a child: SIGTERM, then SIGKILL after 3 s; a stopped (SIGSTOP) process is woken so it can exit. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
    child.kill('SIGCONT');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}
