// The loop behind `kia serve`: a health cycle on an interval (jitter, bounded concurrency), an audit on a slower
// interval, and a bounded history per cell. Publishes an event after each cycle and each audit; tests wait on those.
import { EventEmitter } from 'node:events';
import type { Identity } from '../clients/identity.ts';
import type { Trust } from '../clients/transport/trust.ts';
import { InThreadProber, WorkerProber, type Prober } from './prober.ts';
import { Secrets } from '../redact.ts';
import { History, type HistoryEntry } from './history.ts';
import type { ComponentHealth, EndpointObservation, Finding, HealthReport, HealthState, OpenPort, Target } from '../model/index.ts';

export type { HistoryEntry } from './history.ts';

export interface CertificateEntry {
  node: string;
  component: string;
  address: string;
  port: number;
  portName: string;
  subject: string;
  notAfter: string;
  daysLeft: number;
  level: string;
  state: HealthState;
  verified?: boolean;
}

export interface MonitorState {
  cycle: number;
  checkedAt: string | null;
  intervalMs: number;
  health: HealthReport | null;
  findings: { auditedAt: string | null; items: Finding[] };
  certificates: CertificateEntry[];
  history: Readonly<Record<string, readonly HistoryEntry[]>>;
}

export interface MonitorOptions {
  /** What health expects, per node. */
  endpoints: readonly OpenPort[];
  /** What the audit hunts (default: the endpoints' addresses that are not loopback stand-ins). */
  auditTargets?: readonly Target[];
  identities?: readonly Identity[];
  trust?: Trust;
  /** Milliseconds between the starts of two cycles. */
  intervalMs: number;
  /** Fraction of the interval each wait varies by (0.1 = ±10 %). */
  jitter?: number;
  concurrency?: number;
  timeoutMs?: number;
  keepAlive?: boolean;
  proxyStaleAfterSeconds?: number;
  /** Milliseconds between audits (a full hunt of the endpoints' addresses); 0 turns the audit off. */
  auditIntervalMs?: number;
  /** Entries kept per node and component. */
  historySize?: number;
  /**
   * Run the probe engine in a worker thread (a second V8 heap, about 20 MB more RSS). By default it runs in this
   * thread and gives the event loop back between its stages: a scrape waits for one stage at most.
   */
  worker?: boolean;
  /** Honoured in this thread only (a worker uses the system clock). */
  clock?: { now(): number };
  notes?: string[];
}

export interface MonitorEvents {
  cycle: [{ cycle: number; report: HealthReport }];
  audit: [{ auditedAt: string; findings: Finding[] }];
  failure: [Error];
}

/**
 * Targets for the audit: the addresses the endpoints use, named by node, as `kia hunt` would be given them; an address
 * that stands for a node's loopback is not audited as network exposure (it is the node's own view).
 */
export function auditTargets(endpoints: readonly OpenPort[]): Target[] {
  const seen = new Map<string, Target>();
  for (const e of endpoints) {
    if (e.target.loopback || seen.has(e.address)) continue;
    const node = e.target.node ?? e.target.host;
    seen.set(e.address, { host: node, address: e.address, source: e.target.source === 'local' ? 'local' : e.target.source, node });
  }
  return [...seen.values()];
}

export class Monitor extends EventEmitter<MonitorEvents> {
  readonly options: MonitorOptions;
  /** Every secret the monitor holds: nothing it serves may carry one (a peer may echo what it was sent). */
  readonly secrets = new Secrets();
  private readonly prober: Prober;
  private cycleCount = 0;
  private report: HealthReport | null = null;
  private findings: Finding[] = [];
  private auditedAt: string | null = null;
  private observations: EndpointObservation[] = [];
  private readonly history: History;
  private timer: NodeJS.Timeout | undefined;
  private auditTimer: NodeJS.Timeout | undefined;
  private running: Promise<HealthReport> | undefined;
  private auditing: Promise<void> | undefined;
  private stopped = true;
  private metricsText: string | undefined;

  constructor(options: MonitorOptions) {
    super();
    this.options = options;
    this.history = new History(options.historySize ?? 60);
    for (const identity of options.identities ?? []) this.secrets.add(identity.token?.reveal()).add(identity.key?.reveal());
    const settings = {
      endpoints: options.endpoints,
      ...(options.identities ? { identities: options.identities } : {}),
      ...(options.trust ? { trust: options.trust } : {}),
      concurrency: options.concurrency ?? 64,
      timeoutMs: options.timeoutMs ?? 5000,
      keepAlive: options.keepAlive === true,
      ...(options.proxyStaleAfterSeconds !== undefined ? { proxyStaleAfterSeconds: options.proxyStaleAfterSeconds } : {}),
      ...(options.notes ? { notes: options.notes } : {}),
      auditTargets: options.auditTargets ?? auditTargets(options.endpoints),
    };
    this.prober = options.worker ? new WorkerProber(settings) : new InThreadProber(settings, options.clock);
  }

  /** Starts the loop: a cycle at once, then one per interval; the first audit after the first cycle. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      await this.runCycle().catch((error: unknown) => this.emit('failure', error instanceof Error ? error : new Error(String(error))));
      if (this.stopped) return;
      const jitter = this.options.jitter ?? 0.1;
      const wait = this.options.intervalMs * (1 + jitter * (Math.random() * 2 - 1));
      this.timer = setTimeout(() => void loop(), Math.max(10, wait));
    };
    void loop();
    const auditEvery = this.options.auditIntervalMs ?? 600_000;
    if (auditEvery > 0) {
      const auditLoop = async () => {
        if (this.stopped) return;
        await this.runAudit().catch((error: unknown) => this.emit('failure', error instanceof Error ? error : new Error(String(error))));
        if (!this.stopped) this.auditTimer = setTimeout(() => void auditLoop(), auditEvery);
      };
      this.once('cycle', () => void auditLoop());
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.auditTimer);
    await Promise.allSettled([this.running, this.auditing]);
    await this.prober.close();
  }

  /** One health cycle now (a cycle already running is joined, never doubled). */
  runCycle(): Promise<HealthReport> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const { value: report, metrics } = await this.prober.cycle();
        this.metricsText = metrics;
        this.cycleCount++;
        this.report = report;
        this.remember(report);
        this.emit('cycle', { cycle: this.cycleCount, report });
        return report;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** One audit now: the hunt's probe and rules over every address the endpoints use. */
  runAudit(): Promise<void> {
    if (this.auditing) return this.auditing;
    this.auditing = (async () => {
      try {
        const { value: report, metrics } = await this.prober.audit();
        this.metricsText = metrics;
        this.findings = report.findings;
        this.observations = report.endpoints;
        this.auditedAt = report.finishedAt;
        this.emit('audit', { auditedAt: report.finishedAt, findings: report.findings });
      } finally {
        this.auditing = undefined;
      }
    })();
    return this.auditing;
  }

  private remember(report: HealthReport): void {
    for (const node of report.nodes) {
      for (const component of node.components) this.history.add(`${node.name}/${component.component}`, report.checkedAt, component.state, component.summary);
    }
  }

  /** The exporter's probe series as of the last cycle or audit (rendered where the engine runs). */
  async probeMetrics(): Promise<string> {
    if (this.metricsText === undefined) this.metricsText = await this.prober.initialMetrics();
    return this.metricsText;
  }

  get cycle(): number {
    return this.cycleCount;
  }

  get lastReport(): HealthReport | null {
    return this.report;
  }

  get lastFindings(): { auditedAt: string | null; items: Finding[] } {
    return { auditedAt: this.auditedAt, items: this.findings };
  }

  certificates(): CertificateEntry[] {
    if (!this.report) return [];
    return this.report.nodes.flatMap((n) =>
      n.components.flatMap((c) =>
        c.endpoints.flatMap((e) =>
          e.certificate
            ? [
                {
                  node: n.name,
                  component: c.component,
                  address: e.address,
                  port: e.port,
                  portName: e.portName,
                  subject: e.certificate.subject,
                  notAfter: e.certificate.notAfter,
                  daysLeft: e.certificate.daysLeft,
                  level: e.certificate.level,
                  state: e.certificate.state,
                  ...(e.certificate.verified !== undefined ? { verified: e.certificate.verified } : {}),
                },
              ]
            : [],
        ),
      ),
    );
  }

  state(): MonitorState {
    return {
      cycle: this.cycleCount,
      checkedAt: this.report?.checkedAt ?? null,
      intervalMs: this.options.intervalMs,
      health: this.report,
      findings: this.lastFindings,
      certificates: this.certificates(),
      history: this.history.all(),
    };
  }

  /** One cell: its health, its history, and the audit's observations of it (the access matrix). */
  cell(node: string, component: string): { health: ComponentHealth | null; history: readonly HistoryEntry[]; endpoints: EndpointObservation[] } | undefined {
    const nodeHealth = this.report?.nodes.find((n) => n.name === node);
    const health = nodeHealth?.components.find((c) => c.component === component) ?? null;
    if (!health && !this.options.endpoints.some((e) => e.target.node === node && e.expected?.component === component)) return undefined;
    const addresses = new Set(this.options.endpoints.filter((e) => e.target.node === node).map((e) => e.address));
    const endpoints = this.observations.filter((o) => addresses.has(o.address) && o.fingerprint.component === component);
    return { health, history: this.history.entries(`${node}/${component}`), endpoints };
  }
}
