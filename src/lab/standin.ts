// What every stand-in shares: its state object, its listeners, and start/stop that leave nothing listening.
import type { ComponentId } from '../model/index.ts';
import { Listener, type ListenerOptions } from './listener.ts';
import { ComponentState } from './state.ts';
import type { Clock, LabEndpoint, LabNode, LabPlan } from './types.ts';
import { VERSIONS, type VersionBehaviour } from './versions.ts';

export interface StandInContext {
  plan: LabPlan;
  node: LabNode;
  clock: Clock;
}

export abstract class StandIn {
  readonly component: ComponentId;
  readonly ctx: StandInContext;
  readonly state: ComponentState;
  readonly version: VersionBehaviour;
  protected listeners: Listener[] = [];
  private readonly stopHooks = new Set<() => void>();

  constructor(component: ComponentId, ctx: StandInContext) {
    this.component = component;
    this.ctx = ctx;
    this.version = VERSIONS[ctx.plan.kubernetesVersion];
    this.state = new ComponentState({ node: ctx.node.name, component, clock: ctx.clock });
  }

  get node(): LabNode {
    return this.ctx.node;
  }

  /** This component's endpoints on this node, from the address plan. */
  endpoints(port?: string): LabEndpoint[] {
    return this.ctx.plan.endpoints.filter((e) => e.node === this.ctx.node.name && e.component === this.component && (port === undefined || e.port === port));
  }

  /** Builds the listeners; called once by start(). */
  protected abstract listen(): Promise<ListenerOptions[]> | ListenerOptions[];

  async start(): Promise<void> {
    if (this.listeners.length === 0) this.listeners = (await this.listen()).map((o) => new Listener(o));
    await Promise.all(this.listeners.map((l) => l.open()));
  }

  async stop(): Promise<void> {
    for (const hook of this.stopHooks) hook();
    this.stopHooks.clear();
    await Promise.all(this.listeners.map((l) => l.close()));
  }

  /** Runs when the stand-in stops: long-lived responses (follow, watch) end with it. */
  onStop(hook: () => void): void {
    this.stopHooks.add(hook);
  }

  /** Fault hooks: a dead process (down) or a stuck one (hang). */
  async setDown(down: boolean): Promise<void> {
    if (down) await this.stop();
    else await this.start();
  }

  setHang(hang: boolean): void {
    for (const listener of this.listeners) listener.hang = hang;
  }
}
