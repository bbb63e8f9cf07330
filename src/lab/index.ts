// The lab's library entry (`kia/lab`): start a local cluster of stand-ins, faithful to upstream, on loopback.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import type { ComponentId } from '../model/index.ts';
import { writeManifests } from './plan/command-lines.ts';
import { FaultControl } from './supervisor/fault-router.ts';
import type { FaultOrClear, FaultRecord, LabEvents } from './supervisor/faults.ts';
import { materialize } from './plan/materialize.ts';
import { planLab } from './plan/address-plan.ts';
import { processLayout, spawnProcess, stopChild, waitPorts, type ProcessHandle } from './supervisor/processes.ts';
import { buildStandIns, startAll, stopAll } from './components/stand-ins.ts';
import type { StandIn } from './components/stand-in.ts';
import type { Clock, LabOptions, LabPlan, LabProcess } from './types.ts';

export type * from './types.ts';
export { PROFILES } from './types.ts';
export { planLab, nodeAddresses, nodeName } from './plan/address-plan.ts';
export { parseFault, parseComponent, FAULT_NAMES } from './supervisor/faults.ts';
export type { Fault, FaultOrClear, FaultEvent, FaultRecord, LabEvents } from './supervisor/faults.ts';
export type { StandIn } from './components/stand-in.ts';

const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

export interface Lab {
  readonly plan: LabPlan;
  /** The stand-ins when the lab runs in this process (inProcess), for faults and state. */
  readonly standIns: readonly StandIn[];
  /**
   * Applies a fault to one component of one node, or `clear`s every fault there; resolves once it has taken effect
   * (for `down`, once its ports refuse connections). Unknown node or component, or a fault the component cannot
   * have: InputError.
   */
  fault(node: string, component: ComponentId, fault: FaultOrClear): Promise<void>;
  /** The components with active faults. */
  readonly faults: readonly FaultRecord[];
  /** `fault` after each fault or clear has taken effect. */
  readonly events: EventEmitter<LabEvents>;
  stop(): Promise<void>;
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
  const processes: ProcessHandle[] = [];
  let standIns: StandIn[] = [];
  const control = new FaultControl({
    plan,
    standIns: () => standIns,
    processes,
    onChange: () => {
      plan.faults = control.records;
      writePlan(plan);
    },
  });
  const stop = async () => {
    await stopAll(standIns);
    await Promise.all(processes.map((p) => stopChild(p.child)));
    plan.state = 'stopped';
    plan.processes = [];
    delete plan.faults;
    writePlan(plan);
  };
  try {
    const layout = processLayout(plan);
    if (options.inProcess) {
      for (const spec of layout.filter((s) => s.system)) processes.push({ spec, child: await spawnProcess(plan, spec) });
      standIns = buildStandIns(plan, { nodes: plan.nodes.map((n) => n.name), components: [...new Set(layout.filter((s) => !s.system).flatMap((s) => s.components))] }, clock);
      await startAll(standIns);
    } else {
      const started = await Promise.allSettled(layout.map((spec) => spawnProcess(plan, spec)));
      started.forEach((result, i) => {
        const spec = layout[i];
        if (result.status === 'fulfilled' && spec) processes.push({ spec, child: result.value });
      });
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    plan.processes = processes.map(({ spec, child }): LabProcess => ({ name: spec.name, pid: child.pid ?? 0, nodes: spec.nodes.map((n) => n.name), components: spec.components }));
    await waitPorts(plan.endpoints, plan.etcd === 'system' ? 30_000 : 10_000);
  } catch (error) {
    await stop();
    throw error;
  }
  plan.state = 'ready';
  writePlan(plan);
  return {
    plan,
    standIns,
    stop,
    fault: (node, component, fault) => control.fault(node, component, fault),
    get faults() {
      return control.records;
    },
    events: control.events,
  };
}
