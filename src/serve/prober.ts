// Where the probe engine runs for `kia serve`: in this thread (the default: one V8 heap instead of two, a third less
// RSS), giving the event loop back between its stages, or in a worker thread (the library's option).
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Secret, type Identity } from '../clients/identity.ts';
import { RULES } from '../audit/index.ts';
import { Cycle, type CycleOptions } from '../pipelines/cycle.ts';
import type { HealthReport, Report } from '../model/index.ts';
import { ProbeMetrics } from './probe-metrics.ts';

/** What the engine needs, as plain data (it crosses to the worker thread): the cycle's options but its clock. */
export type ProberSettings = Omit<CycleOptions, 'clock' | 'secrets'>;

/** A cycle's or an audit's result, with the exporter's probe series rendered where the engine runs. */
export interface Probed<T> {
  value: T;
  metrics: string;
}

export interface Prober {
  cycle(): Promise<Probed<HealthReport>>;
  audit(): Promise<Probed<Report>>;
  /** The probe series before any cycle (zeroed findings, counters). */
  initialMetrics(): Promise<string>;
  close(): Promise<void>;
}

/** The engine in this thread; `clock` is honoured (tests). */
export class InThreadProber implements Prober {
  private readonly engine: Cycle;
  private readonly clock: { now(): number };
  private readonly metrics = new ProbeMetrics(RULES.map((r) => ({ id: r.id, severity: r.severity })));

  constructor(settings: ProberSettings, clock: { now(): number } = { now: () => Date.now() }) {
    this.clock = clock;
    this.engine = new Cycle({ ...settings, clock });
  }

  initialMetrics(): Promise<string> {
    return this.metrics.text();
  }

  async cycle(): Promise<Probed<HealthReport>> {
    const report = await this.engine.health();
    // Judging the cycle and rendering its series are the two long synchronous stretches: a scrape goes between.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return { value: report, metrics: await this.metrics.updateHealth(report, this.clock.now()) };
  }

  async audit(): Promise<Probed<Report>> {
    const report = await this.engine.audit();
    return { value: report, metrics: await this.metrics.updateFindings(report.findings, Date.parse(report.finishedAt)) };
  }

  async close(): Promise<void> {
    this.engine.close();
  }
}

/** Identities cross to the worker as plain data (Secret keeps its value out of logs, not out of a thread we own). */
interface PlainIdentity {
  name: string;
  cert?: string;
  key?: string;
  token?: string;
}

export function toPlain(identity: Identity): PlainIdentity {
  return {
    name: identity.name,
    ...(identity.cert ? { cert: identity.cert } : {}),
    ...(identity.key ? { key: identity.key.reveal() } : {}),
    ...(identity.token ? { token: identity.token.reveal() } : {}),
  };
}

export function fromPlain(identity: PlainIdentity): Identity {
  return {
    name: identity.name,
    ...(identity.cert ? { cert: identity.cert } : {}),
    ...(identity.key ? { key: new Secret(identity.key) } : {}),
    ...(identity.token ? { token: new Secret(identity.token) } : {}),
  };
}

const ENTRY = fileURLToPath(new URL(`./prober-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** The worker's young generation: two 4 MB semi-spaces and room for large new objects. */
const YOUNG_GENERATION_MB = 12;

type Result = Probed<HealthReport> | Probed<Report> | string;
type Reply = { id: number; ok: true; value: Result } | { id: number; ok: false; error: string };

/** The engine in a worker thread: requests and replies by id. */
export class WorkerProber implements Prober {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (value: Result) => void; reject: (error: Error) => void }>();

  constructor(settings: ProberSettings) {
    const plain = { ...settings, identities: (settings.identities ?? []).map(toPlain) };
    // A probe's objects live for milliseconds: 4 MB semi-spaces hold a cycle's requests in flight, where V8's default
    // grows them to 16 MB each (about 20 MB more RSS for no CPU saved; 1 MB ones promote so much that the old
    // generation swings by 30 MB a cycle and marking costs more). The old generation is not limited: a worker past
    // that limit is killed.
    const options = { workerData: plain, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
    // From TypeScript sources (tests under tsx) the worker registers tsx itself: --import does not reach workers.
    this.worker = ENTRY.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(pathToFileURL(ENTRY).href)}))`, { eval: true, ...options })
      : new Worker(ENTRY, options);
    this.worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new Error(reply.error));
    });
    const failAll = (error: Error) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`probe worker exited with ${code}`)));
  }

  private call<T extends Result>(type: 'cycle' | 'audit' | 'metrics'): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: Result) => void, reject });
      this.worker.postMessage({ id, type });
    });
  }

  cycle(): Promise<Probed<HealthReport>> {
    return this.call<Probed<HealthReport>>('cycle');
  }

  audit(): Promise<Probed<Report>> {
    return this.call<Probed<Report>>('audit');
  }

  initialMetrics(): Promise<string> {
    return this.call<string>('metrics');
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
