// Where a lab fault acts: on the stand-in in this process, in the lab process serving that node and component
// (over IPC, acknowledged), or on Debian's real etcd through signals.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { InputError, KiaError, LabError, type ErrorCode } from '../../errors.ts';
import type { ComponentId } from '../../model/index.ts';
import type { FaultEvent, FaultOrClear, FaultRecord, LabEvents } from './faults.ts';
import { spawnProcess, waitPorts, type ProcessHandle } from './processes.ts';
import type { StandIn } from '../components/stand-in.ts';
import type { Fault } from '../components/component-state.ts';
import type { LabPlan } from '../types.ts';

/** The IPC messages between the lab and its processes. */
export interface FaultRequest {
  type: 'fault';
  id: string;
  node: string;
  component: ComponentId;
  fault: FaultOrClear;
}

export interface FaultReply {
  type: 'fault-done';
  id: string;
  faults?: Fault[];
  error?: string;
  code?: ErrorCode;
}

export interface FaultControlOptions {
  plan: LabPlan;
  /** Stand-ins running in this process. */
  standIns: () => readonly StandIn[];
  /** Lab processes, the real etcd among them. */
  processes: ProcessHandle[];
  /** Called after each change, to write lab.json. */
  onChange: () => void;
  /** How long a lab process has to acknowledge a fault. */
  ackTimeoutMs?: number;
}

const SYSTEM_ETCD_FAULTS = ['down', 'hang', 'clear'];

export class FaultControl {
  readonly events = new EventEmitter<LabEvents>();
  private readonly options: FaultControlOptions;
  private readonly active = new Map<string, FaultRecord>();
  /** One fault at a time per component, in the order asked. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: FaultControlOptions) {
    this.options = options;
  }

  /** Every component with active faults. */
  get records(): FaultRecord[] {
    return [...this.active.values()].map((r) => ({ ...r, faults: [...r.faults] }));
  }

  fault(node: string, component: ComponentId, fault: FaultOrClear): Promise<void> {
    const run = this.queue.then(() => this.apply(node, component, fault));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(node: string, component: ComponentId, fault: FaultOrClear): Promise<void> {
    const { plan } = this.options;
    if (!plan.nodes.some((n) => n.name === node)) throw new InputError(`no node ${JSON.stringify(node)} in this lab; its nodes: ${plan.nodes.map((n) => n.name).join(', ')}`);
    if (!plan.endpoints.some((e) => e.node === node && e.component === component)) {
      const here = [...new Set(plan.endpoints.filter((e) => e.node === node).map((e) => e.component))];
      throw new InputError(`no ${component} on ${node}; it runs: ${here.join(', ')}`);
    }
    const system = this.options.processes.find((p) => p.spec.system && p.spec.components.includes(component) && p.spec.nodes.some((n) => n.name === node));
    let faults: Fault[];
    const standIn = this.options.standIns().find((s) => s.node.name === node && s.component === component);
    if (system) faults = await this.systemFault(system, fault);
    else if (standIn) {
      await standIn.applyFault(fault);
      faults = [...standIn.state.faults];
    } else {
      const handle = this.options.processes.find((p) => p.spec.components.includes(component) && p.spec.nodes.some((n) => n.name === node));
      if (!handle) throw new LabError(`no lab process serves ${component} on ${node}`);
      faults = await this.ask(handle, { type: 'fault', id: randomUUID(), node, component, fault });
    }
    const key = `${node}/${component}`;
    if (faults.length > 0) this.active.set(key, { node, component, faults });
    else this.active.delete(key);
    this.options.onChange();
    const event: FaultEvent = { node, component, fault, faults };
    this.events.emit('fault', event);
  }

  /** Sends a fault to the process serving it and waits for its acknowledgement. */
  private ask(handle: ProcessHandle, request: FaultRequest): Promise<Fault[]> {
    const child = handle.child;
    const timeoutMs = this.options.ackTimeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onMessage = (message: FaultReply) => {
        if (message?.type !== 'fault-done' || message.id !== request.id) return;
        done();
        if (message.error === undefined) resolve(message.faults ?? []);
        else reject(message.code === 'KIA_INPUT' ? new InputError(message.error) : new LabError(message.error));
      };
      const onExit = () => {
        done();
        reject(new LabError(`the ${handle.spec.name} process exited before applying ${request.fault}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new LabError(`the ${handle.spec.name} process did not acknowledge ${request.fault} on ${request.node} within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(request, (error) => {
        if (!error) return;
        done();
        reject(new LabError(`cannot reach the ${handle.spec.name} process: ${error.message}`, { cause: error }));
      });
    });
  }

  /** Debian's etcd: down is SIGKILL, hang is SIGSTOP, clear is SIGCONT or a restart with the same command line. */
  private async systemFault(handle: ProcessHandle, fault: FaultOrClear): Promise<Fault[]> {
    if (!SYSTEM_ETCD_FAULTS.includes(fault)) throw new InputError(`${fault} needs the etcd stand-in: this lab runs Debian's etcd (--etcd system), which takes only down, hang and clear`);
    const { plan } = this.options;
    const node = handle.spec.nodes[0]?.name ?? '';
    const endpoints = plan.endpoints.filter((e) => e.component === 'etcd' && e.node === node);
    const current = this.active.get(`${node}/etcd`)?.faults ?? [];
    const exited = () => handle.child.exitCode !== null || handle.child.signalCode !== null;
    if (fault === 'down') {
      if (!exited()) {
        const gone = new Promise((r) => handle.child.once('exit', r));
        handle.child.kill('SIGKILL');
        await gone;
      }
      await waitPorts(endpoints, 10_000, true);
      return ['down'];
    }
    if (fault === 'hang') {
      if (exited()) throw new InputError(`etcd on ${node} is down: clear it before hanging it`);
      handle.child.kill('SIGSTOP');
      await processState(handle.child.pid, 'T');
      return [...new Set([...current, 'hang' as const])];
    }
    if (exited()) {
      handle.child = await spawnProcess(plan, handle.spec);
      const entry = plan.processes.find((p) => p.name === handle.spec.name && p.components.includes('etcd'));
      if (entry) entry.pid = handle.child.pid ?? 0;
      await waitPorts(endpoints, 30_000);
    } else {
      handle.child.kill('SIGCONT');
      await processState(handle.child.pid, 'RS');
    }
    return [];
  }
}

/** Waits until /proc/<pid>/stat shows one of the given states (T: stopped; R, S: running or sleeping). */
async function processState(pid: number | undefined, states: string): Promise<void> {
  if (!pid) return;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    let state: string | undefined;
    try {
      state = /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    } catch {
      // Not Linux: a signal is delivered at once as far as we can tell.
      return;
    }
    if (state && states.includes(state)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new LabError(`process ${pid} did not reach state ${states}`);
}

/** The child side: applies a fault to one of this process's stand-ins and answers the parent. */
export async function answerFault(standIns: readonly StandIn[], request: FaultRequest): Promise<FaultReply> {
  const standIn = standIns.find((s) => s.node.name === request.node && s.component === request.component);
  if (!standIn) return { type: 'fault-done', id: request.id, error: `this process does not serve ${request.component} on ${request.node}`, code: 'KIA_LAB' };
  try {
    await standIn.applyFault(request.fault);
    return { type: 'fault-done', id: request.id, faults: [...standIn.state.faults] };
  } catch (error) {
    return { type: 'fault-done', id: request.id, error: error instanceof Error ? error.message : String(error), code: error instanceof KiaError ? error.code : 'KIA_LAB' };
  }
}
