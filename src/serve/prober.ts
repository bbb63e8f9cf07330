// Where the probe engine runs for `kia serve`: in this thread (tests with an injected clock), or in a worker thread
// (the default), so that probing a thousand endpoints never delays a Prometheus scrape or a dashboard.
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Secret, type Identity } from '../clients/identity.ts';
import { checkHealth, HealthAgents, type HealthEndpoint } from '../health/index.ts';
import { hunt } from '../hunt.ts';
import type { HealthReport, Report, Target } from '../model/index.ts';

export interface ProberSettings {
  endpoints: readonly HealthEndpoint[];
  identities?: readonly Identity[];
  ca?: string;
  insecureSkipVerify?: boolean;
  concurrency?: number;
  timeoutMs?: number;
  keepAlive?: boolean;
  proxyStaleAfterSeconds?: number;
  notes?: string[];
  auditTargets: readonly Target[];
}

export interface Prober {
  cycle(): Promise<HealthReport>;
  audit(): Promise<Report>;
  close(): Promise<void>;
}

/** The engine in this thread; `clock` is honoured (tests). */
export class InThreadProber implements Prober {
  private readonly settings: ProberSettings;
  private readonly agents: HealthAgents;
  private readonly clock: { now(): number };

  constructor(settings: ProberSettings, clock: { now(): number } = { now: () => Date.now() }) {
    this.settings = settings;
    this.agents = new HealthAgents(settings.keepAlive === true);
    this.clock = clock;
  }

  cycle(): Promise<HealthReport> {
    const s = this.settings;
    return checkHealth(s.endpoints, {
      ...(s.identities ? { identities: s.identities } : {}),
      ...(s.ca ? { ca: s.ca } : {}),
      insecureSkipVerify: s.insecureSkipVerify === true,
      concurrency: s.concurrency ?? 64,
      timeoutMs: s.timeoutMs ?? 5000,
      ...(s.proxyStaleAfterSeconds !== undefined ? { proxyStaleAfterSeconds: s.proxyStaleAfterSeconds } : {}),
      ...(s.notes ? { notes: s.notes } : {}),
      agents: this.agents,
      clock: this.clock,
    });
  }

  audit(): Promise<Report> {
    const s = this.settings;
    return hunt({
      targets: s.auditTargets,
      ...(s.identities ? { identities: s.identities } : {}),
      ...(s.ca ? { ca: s.ca } : {}),
      insecureSkipVerify: s.insecureSkipVerify === true,
      timeoutMs: s.timeoutMs ?? 5000,
      clock: this.clock,
    });
  }

  async close(): Promise<void> {
    this.agents.destroy();
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

type Reply = { id: number; ok: true; value: HealthReport | Report } | { id: number; ok: false; error: string };

/** The engine in a worker thread: requests and replies by id. */
export class WorkerProber implements Prober {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (value: HealthReport | Report) => void; reject: (error: Error) => void }>();

  constructor(settings: ProberSettings) {
    const plain = { ...settings, identities: (settings.identities ?? []).map(toPlain) };
    // From TypeScript sources (tests under tsx) the worker registers tsx itself: --import does not reach workers.
    this.worker = ENTRY.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(pathToFileURL(ENTRY).href)}))`, { eval: true, workerData: plain })
      : new Worker(ENTRY, { workerData: plain });
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

  private call<T extends HealthReport | Report>(type: 'cycle' | 'audit'): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: HealthReport | Report) => void, reject });
      this.worker.postMessage({ id, type });
    });
  }

  cycle(): Promise<HealthReport> {
    return this.call<HealthReport>('cycle');
  }

  audit(): Promise<Report> {
    return this.call<Report>('audit');
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
