// Each stand-in keeps its state in one object behind a small interface, so health faults act without rewriting the
// servers: up/down, hang, failing checks, timestamps, certificate overrides.
import { EventEmitter } from 'node:events';
import type { ComponentId } from '../../model/index.ts';
import type { Clock } from '../types.ts';

/**
 * A lab fault. `unhealthy` alone means the component's usual failing check (kubelet `syncloop`, kube-apiserver
 * `etcd`, controller-manager and scheduler `leaderElection`, etcd `NOSPACE`, kube-proxy `stale`); the state records
 * it with the check's name.
 */
export type Fault = 'down' | 'hang' | 'unhealthy' | `unhealthy:${string}` | 'stale' | 'frozen' | `cert-expiring:${number}` | `drift:${string}`;

/** Sets the drifted fields (dotted paths) in a running configuration, copying the objects on the way down. */
export function applyDrift(config: Record<string, unknown>, drifted: Record<string, unknown>): void {
  for (const [path, value] of Object.entries(drifted)) {
    const parts = path.split('.');
    let here = config;
    for (const part of parts.slice(0, -1)) {
      const next = here[part];
      here = (here[part] = next !== null && typeof next === 'object' ? { ...(next as Record<string, unknown>) } : {}) as Record<string, unknown>;
    }
    here[parts[parts.length - 1] as string] = value;
  }
}

export interface StateEvents {
  change: [{ node: string; component: ComponentId; faults: readonly Fault[] }];
}

export class ComponentState extends EventEmitter<StateEvents> {
  readonly node: string;
  readonly component: ComponentId;
  readonly clock: Clock;
  /** When the component started (the lab's epoch for it). */
  readonly startedAt: number;
  private readonly checkErrors = new Map<string, string>();
  private faultList: Fault[] = [];
  /** kube-proxy: the last time the proxier synced its rules. */
  lastSync: number;

  constructor(options: { node: string; component: ComponentId; clock: Clock }) {
    super();
    this.node = options.node;
    this.component = options.component;
    this.clock = options.clock;
    this.startedAt = options.clock.now();
    this.lastSync = this.startedAt;
  }

  get faults(): readonly Fault[] {
    return this.faultList;
  }

  has(fault: Fault): boolean {
    return this.faultList.includes(fault);
  }

  /** The error of a named check, or undefined when it passes. */
  checkError(name: string): string | undefined {
    return this.checkErrors.get(name);
  }

  failCheck(name: string, error: string): void {
    this.checkErrors.set(name, error);
    this.emitChange();
  }

  /**
   * The running values a `drift:<field>=<value>` fault put under the process, by field path: what /configz serves
   * while the node's config file keeps its own (a value that reads as JSON is that, else the text).
   */
  drifted(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.faultList.filter((x) => x.startsWith('drift:'))) {
      const [field = '', ...rest] = f.slice('drift:'.length).split('=');
      const text = rest.join('=');
      try {
        out[field] = JSON.parse(text);
      } catch {
        out[field] = text;
      }
    }
    return out;
  }

  /** Records a fault; a new `cert-expiring:<days>` replaces an older one, a new drift of a field its older drift. */
  apply(fault: Fault): void {
    const kind = (f: Fault) => (f.startsWith('cert-expiring:') ? 'cert-expiring' : f.startsWith('drift:') ? f.split('=')[0] : f);
    this.faultList = [...this.faultList.filter((f) => kind(f) !== kind(fault)), fault];
    this.emitChange();
  }

  clear(): void {
    this.faultList = [];
    this.checkErrors.clear();
    this.emitChange();
  }

  private emitChange(): void {
    this.emit('change', { node: this.node, component: this.component, faults: this.faultList });
  }
}
