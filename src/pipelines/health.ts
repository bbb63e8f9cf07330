// `kia health` as one function: expected endpoints -> the probe's health pass -> the sub-paths of failing checks
// health asks for -> what it all means. The same cycle runs in `kia serve`, `--watch` and the agent (cycle.ts).
import type { Identity } from '../clients/identity.ts';
import { Transport } from '../clients/transport/transport.ts';
import type { Trust } from '../clients/transport/trust.ts';
import { pool } from '../concurrency.ts';
import { evaluate, followUps } from '../health/evaluate.ts';
import type { EndpointObservation, HealthReport, OpenPort } from '../model/index.ts';
import { askFollowUps, probe, type ProbeMemory } from '../probe/index.ts';
import type { Secrets } from '../redact.ts';

export interface HealthCheckOptions {
  identities?: readonly Identity[];
  trust?: Trust;
  /** Per request, dial to last byte (default 5 s). */
  timeoutMs?: number;
  concurrency?: number;
  /** kube-proxy: `lastUpdated` this far behind `currentTime` is stale even on a 200. */
  proxyStaleAfterSeconds?: number;
  notes?: string[];
  signal?: AbortSignal;
  secrets?: Secrets;
  clock?: { now(): number };
  /** Kept by repeated cycles: the transport (sessions, kept-alive connections) and what each endpoint is. */
  transport?: Transport;
  memory?: ProbeMemory;
  keepAlive?: boolean;
}

/** One health cycle over expected endpoints: the report and the observations behind it. */
export async function healthCycle(endpoints: readonly OpenPort[], options: HealthCheckOptions = {}): Promise<{ report: HealthReport; observations: EndpointObservation[] }> {
  const clock = options.clock ?? { now: () => Date.now() };
  const started = performance.now();
  const transport = options.transport ?? new Transport({ keepAlive: options.keepAlive === true, timeoutMs: options.timeoutMs ?? 5000, ...(options.signal ? { signal: options.signal } : {}), ...(options.secrets ? { secrets: options.secrets } : {}) });
  try {
    const base = { transport, ...(options.identities ? { identities: options.identities } : {}), ...(options.trust ? { trust: options.trust } : {}) };
    const observations = await probe(endpoints, { ...base, purpose: 'health', concurrency: options.concurrency ?? 64, ...(options.memory ? { memory: options.memory } : {}), now: () => clock.now() });
    // The reasons a failing summary withholds, asked where upstream routes them.
    await pool(observations, options.concurrency ?? 64, (o) => askFollowUps(o, followUps(o), { ...base, purpose: 'health' }));
    const report = evaluate(observations, {
      now: clock.now(),
      durationMs: Math.round(performance.now() - started),
      ...(options.proxyStaleAfterSeconds !== undefined ? { proxyStaleAfterSeconds: options.proxyStaleAfterSeconds } : {}),
      notes: [...(options.notes ?? []), ...(transport.signal?.aborted ? ['the overall deadline passed before every endpoint was checked'] : [])],
    });
    return { report, observations };
  } finally {
    if (!options.transport) transport.close();
  }
}

/** One health check: the report only. */
export async function checkHealth(endpoints: readonly OpenPort[], options: HealthCheckOptions = {}): Promise<HealthReport> {
  return (await healthCycle(endpoints, options)).report;
}
