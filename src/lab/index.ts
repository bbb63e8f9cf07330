// The lab's library entry (`kia/lab`): start a local cluster of stand-ins, faithful to upstream, on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, LabError } from '../errors.ts';
import type { ComponentId } from '../model/index.ts';
import { commandLine, writeManifests } from './commands.ts';
import { materialize } from './materialize.ts';
import { planLab } from './plan.ts';
import { buildStandIns, startAll, stopAll } from './runtime.ts';
import type { StandIn } from './standin.ts';
import type { Clock, LabNode, LabOptions, LabPlan, LabProcess } from './types.ts';

export type * from './types.ts';
export { PROFILES } from './types.ts';
export { planLab, nodeAddresses, nodeName } from './plan.ts';

const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

export interface Lab {
  readonly plan: LabPlan;
  /** The stand-ins when the lab runs in this process (inProcess), for faults and state. */
  readonly standIns: readonly StandIn[];
  stop(): Promise<void>;
}

interface ProcessSpec {
  name: string;
  nodes: LabNode[];
  components: ComponentId[];
  system?: boolean;
}

/** One process per control-plane component; the workers' kubelets share one process and their kube-proxies another. */
function processLayout(plan: LabPlan): ProcessSpec[] {
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

const ENTRY = fileURLToPath(new URL(`./proc${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

function spawnProcess(plan: LabPlan, spec: ProcessSpec): Promise<ChildProcess> {
  const [argv0 = spec.name, ...flags] = commandLine(plan, spec.nodes[0] as LabNode, spec.components[0] as ComponentId);
  let child: ChildProcess;
  if (spec.system) {
    if (!existsSync('/usr/bin/etcd')) throw new LabError('--etcd system needs Debian\'s etcd (apt-get install etcd-server): /usr/bin/etcd not found');
    mkdirSync(join(spec.nodes[0]?.root ?? plan.dir, 'var/lib/etcd'), { recursive: true });
    child = spawn('/usr/bin/etcd', flags, { argv0, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ETCD_LOG_LEVEL: 'error' } });
  } else {
    const args = [...process.execArgv.filter((a) => !a.startsWith('--test')), ENTRY, ...flags];
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

/** Resolves when every endpoint of the plan accepts TCP connections (the real etcd takes a moment). */
async function waitListening(plan: LabPlan, timeoutMs: number): Promise<void> {
  const net = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(plan.endpoints.map((e) => `${e.address}:${e.number}`));
  while (pending.size > 0) {
    await Promise.all(
      [...pending].map(
        (key) =>
          new Promise<void>((done) => {
            const [host, port] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
            const socket = net.connect({ host, port }, () => {
              pending.delete(key);
              socket.destroy();
              done();
            });
            socket.once('error', () => done());
          }),
      ),
    );
    if (pending.size === 0) return;
    if (Date.now() > deadline) throw new LabError(`not listening after ${timeoutMs} ms: ${[...pending].slice(0, 5).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function writePlan(plan: LabPlan): void {
  writeFileSync(join(plan.dir, 'lab.json'), JSON.stringify(plan, null, 2) + '\n');
}

export function readPlan(dir: string): LabPlan {
  const file = join(resolve(dir), 'lab.json');
  if (!existsSync(file)) throw new InputError(`no lab in ${dir} (lab.json not found)`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabPlan;
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${String(error)}`, { cause: error });
  }
}

/** Starts a lab and resolves when every port is listening. */
export async function startLab(options: LabOptions): Promise<Lab> {
  const dir = resolve(options.dir);
  const clock = options.clock ?? SYSTEM_CLOCK;
  const plan = planLab({ ...options, dir });
  await materialize(plan, clock);
  writeManifests(plan);
  writePlan(plan);
  const children: ChildProcess[] = [];
  let standIns: StandIn[] = [];
  const stop = async () => {
    await stopAll(standIns);
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
    plan.state = 'stopped';
    plan.processes = [];
    writePlan(plan);
  };
  try {
    if (options.inProcess) {
      const layout = processLayout(plan);
      for (const spec of layout.filter((s) => s.system)) children.push(await spawnProcess(plan, spec));
      standIns = buildStandIns(plan, { nodes: plan.nodes.map((n) => n.name), components: [...new Set(layout.filter((s) => !s.system).flatMap((s) => s.components))] }, clock);
      await startAll(standIns);
    } else {
      const layout = processLayout(plan);
      const started = await Promise.allSettled(layout.map((spec) => spawnProcess(plan, spec)));
      for (const result of started) if (result.status === 'fulfilled') children.push(result.value);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      plan.processes = layout.map((spec, i): LabProcess => ({ name: spec.name, pid: children[i]?.pid ?? 0, nodes: spec.nodes.map((n) => n.name), components: spec.components }));
    }
    await waitListening(plan, plan.etcd === 'system' ? 30_000 : 10_000);
  } catch (error) {
    await stop();
    throw error;
  }
  plan.state = 'ready';
  writePlan(plan);
  return { plan, standIns, stop };
}
