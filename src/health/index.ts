// `kia health` as a library: expected endpoints -> the probe engine's health pass -> what it means.
import type { HealthReport } from '../model/index.ts';
import { probeHealth, type HealthEndpoint, type HealthProbeOptions } from '../probe/health.ts';
import { evaluate, type EvaluateOptions } from './evaluate.ts';

export { evaluate, healthExitCode, judge, certificateHealth, combine, DEFAULT_PROXY_STALE_AFTER_SECONDS } from './evaluate.ts';
export { parseHealthz, parseEtcdHealth, parseKubeProxyHealth, parseGoTime, parseCheckReason } from './parse.ts';
export { endpointsFromLab, endpointsFromOpenPorts, endpointsFromLocal, discoverHealthEndpoints, healthPorts, readLabPlan } from './inventory.ts';
export { HealthAgents, probeHealth, healthRoutes, type HealthEndpoint, type HealthObservation, type HealthAnswer, type HealthProbeOptions } from '../probe/health.ts';
export { renderHealthTable } from './render.ts';

export interface CheckHealthOptions extends HealthProbeOptions, Omit<EvaluateOptions, 'now' | 'durationMs'> {
  clock?: { now(): number };
}

/** One health cycle over known endpoints. */
export async function checkHealth(endpoints: readonly HealthEndpoint[], options: CheckHealthOptions = {}): Promise<HealthReport> {
  const clock = options.clock ?? { now: () => Date.now() };
  const started = performance.now();
  const observations = await probeHealth(endpoints, options);
  return evaluate(observations, {
    now: clock.now(),
    durationMs: Math.round(performance.now() - started),
    ...(options.proxyStaleAfterSeconds !== undefined ? { proxyStaleAfterSeconds: options.proxyStaleAfterSeconds } : {}),
    ...(options.notes ? { notes: options.notes } : {}),
  });
}
