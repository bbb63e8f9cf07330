// What every stand-in shares: its state object, its listeners, and start/stop that leave nothing listening.
import { InputError } from '../../errors.ts';
import type { ComponentId } from '../../model/index.ts';
import { certDays, checkError, type FaultOrClear } from '../supervisor/faults.ts';
import { Listener, type ListenerOptions, type TlsSettings } from '../net/listener.ts';
import { reissue, validity } from '../pki/certificates.ts';
import { ComponentState, type Fault } from './component-state.ts';
import type { Clock, LabEndpoint, LabNode, LabPlan } from '../types.ts';
import { VERSIONS, type VersionBehaviour } from '../plan/versions.ts';

export interface StandInContext {
  plan: LabPlan;
  node: LabNode;
  clock: Clock;
}

/** The named checks `unhealthy:<check>` may fail, the one plain `unhealthy` fails, and other names for some. */
export interface HealthChecks {
  names: readonly string[];
  default: string;
  aliases?: Readonly<Record<string, string>>;
}

const DAY_MS = 24 * 3600 * 1000;

export abstract class StandIn {
  readonly component: ComponentId;
  readonly ctx: StandInContext;
  readonly state: ComponentState;
  readonly version: VersionBehaviour;
  protected listeners: Listener[] = [];
  private readonly stopHooks = new Set<() => void>();
  /** Reissued serving pairs for cert-expiring, by days and original chain. */
  private readonly reissued = new Map<string, Promise<{ cert: string; key: string }>>();

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
    await this.syncListeners();
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

  /** The hang alone, without recording a fault (older tests); applyFault is the whole story. */
  setHang(hang: boolean): void {
    for (const listener of this.listeners) listener.hang = hang;
  }

  /** The checks `unhealthy` can fail; undefined when the component has none. */
  protected healthChecks(): HealthChecks | undefined {
    return undefined;
  }

  /** Makes one named check fail as upstream reports it. */
  protected failHealthCheck(check: string): void {
    this.state.failCheck(check, checkError(this.component, check));
  }

  /** Checks a fault against this component and gives its recorded form (`unhealthy` becomes `unhealthy:<check>`). */
  protected resolveFault(fault: Fault): Fault {
    const where = `${this.component} on ${this.node.name}`;
    if (fault === 'unhealthy' || fault.startsWith('unhealthy:')) {
      const checks = this.healthChecks();
      if (!checks) throw new InputError(`${where} has no health checks to fail`);
      const asked = fault === 'unhealthy' ? checks.default : fault.slice('unhealthy:'.length);
      const name = checks.aliases?.[asked] ?? asked;
      if (!checks.names.includes(name)) throw new InputError(`${where} has no check ${JSON.stringify(asked)}; its checks: ${checks.names.join(', ')}`);
      return `unhealthy:${name}`;
    }
    if (fault === 'stale' || fault === 'frozen') throw new InputError(`${fault} is a kube-proxy fault, not one of ${this.component}`);
    if (fault.startsWith('drift:') && !['kubelet', 'kube-controller-manager', 'kube-scheduler'].includes(this.component)) throw new InputError(`drift changes a running configuration (/configz) of the kubelet, controller manager or scheduler, not ${this.component}'s`);
    if (certDays(fault) !== undefined && !this.endpoints().some((e) => e.scheme === 'https')) throw new InputError(`${where} serves no TLS: cert-expiring needs an HTTPS port`);
    return fault;
  }

  /**
   * Applies a fault, or undoes every fault with `clear`; resolves once it has taken effect (for down: nothing
   * listens any more). Throws InputError for a fault this component cannot have, before changing anything.
   */
  async applyFault(fault: FaultOrClear): Promise<void> {
    if (fault === 'clear') {
      const wasDown = this.state.has('down');
      this.state.clear();
      this.afterClear();
      if (wasDown) await this.start();
      else await this.syncListeners();
      return;
    }
    const resolved = this.resolveFault(fault);
    if (resolved.startsWith('unhealthy:')) this.failHealthCheck(resolved.slice('unhealthy:'.length));
    else this.applyOther(resolved);
    this.state.apply(resolved);
    if (resolved === 'down') await this.stop();
    else await this.syncListeners();
  }

  /** Faults particular to a component (kube-proxy's stale and frozen) act here. */
  protected applyOther(_fault: Fault): void {}

  /** What a component resets beyond its state on clear. */
  protected afterClear(): void {}

  /** Brings the listeners in line with the faults: hung or not, and the serving certificate. */
  private async syncListeners(): Promise<void> {
    const hang = this.state.has('hang');
    const days = this.state.faults.map(certDays).find((d) => d !== undefined);
    for (const listener of this.listeners) {
      listener.hang = hang;
      const tls = listener.options.tls;
      if (!tls) continue;
      if (days !== undefined) listener.setCertificate(await this.expiring(tls, days));
      else if (listener.certificate !== tls.cert) listener.setCertificate(undefined);
    }
  }

  private expiring(tls: TlsSettings, days: number): Promise<{ cert: string; key: string }> {
    const key = `${days}\0${tls.cert}`;
    let pair = this.reissued.get(key);
    if (!pair) {
      const now = this.ctx.clock.now();
      pair = reissue({ chainPem: tls.cert, keyPem: tls.key, ...(tls.signer ? { signer: tls.signer } : {}), notBefore: validity(now, days).notBefore, notAfter: new Date(now + days * DAY_MS) }).then((cert) => ({ cert, key: tls.key }));
      this.reissued.set(key, pair);
      pair.catch(() => this.reissued.delete(key));
    }
    return pair;
  }
}
