// The lab's library entry (`kia/lab`): start a local cluster of stand-ins, faithful to upstream, on loopback.
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { ComponentId } from '../model/index.ts';
import { writeManifests } from './plan/command-lines.ts';
import { writeApiserverFiles } from './plan/apiserver-files.ts';
import { FaultControl } from './supervisor/fault-router.ts';
import type { FaultOrClear, FaultRecord, LabEvents } from './supervisor/faults.ts';
import { writeLabFile } from '../targets/lab-file.ts';
import { materialize } from './plan/materialize.ts';
import { reserve } from './supervisor/reservation.ts';
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
export { labStatus, type LabStatus } from './supervisor/lab-status.ts';
export { assertNoLab, runningSupervisor, stopLab } from './supervisor/pid-files.ts';
export { runningLabs, type LabRecord } from './supervisor/lab-registry.ts';
export { callControl, serveControl } from './supervisor/control-socket.ts';

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

/** lab.json's one reader and writer, under the names callers know. */
export { readLabFile as readPlan, writeLabFile as writePlan, parseLabFile } from '../targets/lab-file.ts';

/**
 * Starts a lab and resolves when every port is listening. Refuses a folder where a lab runs, and a network (or port
 * offset) that another lab or process holds; with no network asked for, takes the first free one (plan.network).
 */
export async function startLab(options: LabOptions): Promise<Lab> {
  const dir = resolve(options.dir);
  const clock = options.clock ?? SYSTEM_CLOCK;
  const reservation = await reserve({ ...options, dir, clock });
  const plan = reservation.plan;
  plan.supervisorPid = process.pid;
  try {
    await materialize(plan, clock);
    writeManifests(plan);
    writeApiserverFiles(plan);
    writeLabFile(plan);
  } catch (error) {
    reservation.release();
    throw error;
  }
  const processes: ProcessHandle[] = [];
  let standIns: StandIn[] = [];
  const control = new FaultControl({
    plan,
    standIns: () => standIns,
    processes,
    onChange: () => {
      plan.faults = control.records;
      writeLabFile(plan);
    },
  });
  const stop = async () => {
    await stopAll(standIns);
    await Promise.all(processes.map((p) => stopChild(p.child)));
    plan.state = 'stopped';
    plan.processes = [];
    delete plan.faults;
    delete plan.supervisorPid;
    writeLabFile(plan);
    reservation.release();
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
  writeLabFile(plan);
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
