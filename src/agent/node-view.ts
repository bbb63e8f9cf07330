// The agent's loop: on each interval, this node seen from inside (its listening sockets and the processes behind
// them, through the host's /proc and /), one health cycle over its own endpoints (loopback-only ports included) and
// the audit of the same discovery, rendered once as the exporter's series and the node's kia.report/v1.
import { EventEmitter } from 'node:events';
import { RULES } from '../audit/index.ts';
import type { Identity } from '../clients/identity.ts';
import type { Trust } from '../clients/transport/trust.ts';
import { endpointsFromLocal } from '../discover/inventory.ts';
import { discoverLocal } from '../discover/local.ts';
import type { HealthReport, Report } from '../model/index.ts';
import { Cycle } from '../pipelines/cycle.ts';
import type { Secrets } from '../redact.ts';
import { ProbeMetrics } from '../serve/probe-metrics.ts';

export interface NodeViewOptions {
  /** The node's name (the DaemonSet's NODE_NAME), as the series and the report name it. */
  nodeName: string;
  /** The host's /proc (default /proc) and / (default /), as mounted in the pod. */
  procRoot?: string;
  hostRoot?: string;
  /**
   * Only sockets bound to these addresses (a lab's nodes share one host's network); absent: every socket, as on a
   * real node, whose host network is its own.
   */
  addresses?: readonly string[];
  /** Milliseconds between the starts of two cycles. */
  intervalMs: number;
  /**
   * Milliseconds between two audits (the access matrix of every port: the costly part); health and discovery run
   * every cycle. Default 10 min, as kia serve's.
   */
  auditIntervalMs?: number;
  identities?: readonly Identity[];
  trust?: Trust;
  timeoutMs?: number;
  proxyStaleAfterSeconds?: number;
  clock?: { now(): number };
}

export interface NodeViewEvents {
  cycle: [{ cycle: number; health: HealthReport; report: Report }];
  failure: [Error];
}

/** What the pages serve: the last cycle's, replaced whole when the next one is done. */
export interface NodeSnapshot {
  cycle: number;
  health: HealthReport;
  report: Report;
  metrics: string;
}

export class NodeView extends EventEmitter<NodeViewEvents> {
  readonly #options: NodeViewOptions;
  readonly #cycle: Cycle;
  // The processes behind this node's sockets at the last look: read first at the next (see findSocketOwners).
  #owners: number[] = [];
  readonly #metrics = new ProbeMetrics(RULES.map((r) => ({ id: r.id, severity: r.severity })));
  #snapshot: NodeSnapshot | undefined;
  #audit: { report: Report; at: number } | undefined;
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<NodeSnapshot> | undefined;
  #stopped = true;

  constructor(options: NodeViewOptions) {
    super();
    this.#options = options;
    this.#cycle = new Cycle({
      endpoints: [],
      auditTargets: [],
      ...(options.identities ? { identities: options.identities } : {}),
      ...(options.trust ? { trust: options.trust } : {}),
      timeoutMs: options.timeoutMs ?? 5000,
      ...(options.proxyStaleAfterSeconds !== undefined ? { proxyStaleAfterSeconds: options.proxyStaleAfterSeconds } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    for (const identity of options.identities ?? []) this.#cycle.secrets.add(identity.token?.reveal()).add(identity.key?.reveal());
  }

  /** Every secret the loop holds: nothing served may carry one. */
  get secrets(): Secrets {
    return this.#cycle.secrets;
  }

  get snapshot(): NodeSnapshot | undefined {
    return this.#snapshot;
  }

  /** One cycle now (or the one under way). */
  runCycle(): Promise<NodeSnapshot> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(): Promise<NodeSnapshot> {
    const o = this.#options;
    const clock = o.clock ?? { now: () => Date.now() };
    // An unreadable /proc or host root is a note of the report, not a failure: the agent keeps serving.
    const discovery = await discoverLocal({ ...(o.procRoot ? { procRoot: o.procRoot } : {}), ...(o.hostRoot ? { hostRoot: o.hostRoot } : {}), ...(o.addresses ? { addresses: o.addresses } : {}), firstPids: this.#owners });
    this.#owners = discovery.ports.flatMap((p) => (p.process ? [p.process.pid] : []));
    const health = await this.#cycle.health(endpointsFromLocal(discovery.ports, o.nodeName));
    if (!this.#audit || clock.now() - this.#audit.at >= (o.auditIntervalMs ?? 600_000)) {
      const audited = await this.#cycle.audit(discovery);
      this.#audit = { report: audited, at: clock.now() };
      await this.#metrics.updateFindings(audited.findings, Date.parse(audited.finishedAt));
    }
    const audited = this.#audit.report;
    // The audit's facts, with what this cycle's discovery and health had to say.
    const notes = [...new Set([...audited.notes, ...discovery.notes, ...health.notes])];
    const report: Report = { ...audited, scope: { ...audited.scope, targets: [{ host: o.nodeName, address: '127.0.0.1', source: 'local', node: o.nodeName }] }, notes };
    const metrics = await this.#metrics.updateHealth(health, clock.now());
    this.#count += 1;
    this.#snapshot = { cycle: this.#count, health, report, metrics };
    this.emit('cycle', { cycle: this.#count, health, report });
    return this.#snapshot;
  }

  /** Cycles from now on, one interval between starts, never two at once. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const loop = () => {
      const started = (this.#options.clock ?? { now: () => Date.now() }).now();
      this.runCycle()
        .catch((error: unknown) => this.emit('failure', error instanceof Error ? error : new Error(String(error))))
        .finally(() => {
          if (this.#stopped) return;
          const spent = (this.#options.clock ?? { now: () => Date.now() }).now() - started;
          this.#timer = setTimeout(loop, Math.max(0, this.#options.intervalMs - spent));
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
    this.#cycle.close();
  }
}
