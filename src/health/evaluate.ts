// What the answers mean, with the meaning upstream gives them. Pure: observations and a clock in, a report out.
import { CERT_THRESHOLDS } from '../audit/index.ts';
import { COMPONENT_ORDER } from '../catalog/index.ts';
import type { CertificateHealth, ComponentHealth, EndpointHealth, HealthCheck, HealthProbe, HealthReport, HealthState, NodeHealth } from '../model/index.ts';
import { worseHealth } from '../model/index.ts';
import type { HealthAnswer, HealthObservation } from '../probe/health.ts';
import { parseCheckReason, parseEtcdHealth, parseHealthz, parseKubeProxyHealth } from './parse.ts';

export interface EvaluateOptions {
  now: number;
  /**
   * kube-proxy: `lastUpdated` this far behind `currentTime` is stale even on a 200 (upstream's own healthTimeout is
   * 2 x syncPeriod = 60 s by default).
   */
  proxyStaleAfterSeconds?: number;
  /** Milliseconds the cycle took, for the report. */
  durationMs?: number;
  notes?: string[];
}

export const DEFAULT_PROXY_STALE_AFTER_SECONDS = 60;

const ORDER: readonly string[] = COMPONENT_ORDER;

function down(answer: HealthAnswer): string {
  switch (answer.outcome) {
    case 'refused':
      return 'connection refused';
    case 'timeout':
      return 'no answer (timeout)';
    case 'tls-error':
      return `TLS failed: ${answer.error ?? 'handshake'}`;
    case 'reset':
      return 'connection reset';
    default:
      return answer.error ?? answer.outcome;
  }
}

function failing(checks: HealthCheck[]): string {
  return checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name} failed${c.reason ? `: ${c.reason}` : ''}`)
    .join('; ');
}

/** One answer -> one probe with a state and a one-line detail. */
export function judge(answer: HealthAnswer, options: EvaluateOptions): HealthProbe {
  const probe: HealthProbe = {
    route: answer.route,
    method: answer.method,
    path: answer.path,
    identity: answer.identity,
    state: 'healthy',
    outcome: answer.outcome,
    durationMs: answer.durationMs,
    detail: 'ok',
    checks: [],
  };
  if (answer.status !== undefined) probe.status = answer.status;
  if (answer.outcome === 'skipped') return { ...probe, state: 'skipped', detail: answer.skipped ?? 'not asked' };
  if (answer.outcome !== 'ok' && answer.outcome !== 'too-large') return { ...probe, state: 'down', detail: down(answer) };
  const status = answer.status ?? 0;
  if (status === 404) return { ...probe, state: 'skipped', detail: '404: not served by this version' };
  if (status === 401 || status === 403) return { ...probe, state: 'unknown', detail: `${status}: ${answer.identity} may not ask ${answer.path}${answer.identity === 'anonymous' ? ' (give credentials)' : ''}` };
  switch (answer.format) {
    case 'healthz': {
      const parsed = parseHealthz(answer.body);
      // The per-check sub-path shows the reason the summary withholds.
      for (const follow of answer.followUps) {
        const check = parsed.checks.find((c) => c.name === follow.check);
        const reason = follow.outcome === 'ok' && (follow.status ?? 0) >= 500 ? parseCheckReason(follow.body) : undefined;
        if (check && reason) check.reason = reason;
      }
      probe.checks = parsed.checks;
      if (status === 200 && (parsed.passed || parsed.checks.length === 0)) return { ...probe, detail: parsed.checks.length ? `ok (${parsed.checks.length} checks)` : 'ok' };
      const reasons = failing(parsed.checks);
      return { ...probe, state: 'degraded', detail: `${status}${reasons ? ` ${reasons}` : ` ${answer.body.trim().split('\n')[0]?.slice(0, 120) ?? ''}`}`.trim() };
    }
    case 'etcd-health': {
      const parsed = parseEtcdHealth(answer.body);
      if (!parsed || parsed.health === undefined) return { ...probe, state: 'degraded', detail: `${status}: not etcd's health answer` };
      probe.checks = [{ name: 'health', ok: parsed.health, ...(parsed.reason ? { reason: parsed.reason } : {}) }];
      if (status === 200 && parsed.health) return { ...probe, detail: 'ok' };
      return { ...probe, state: 'degraded', detail: `${status} ${parsed.reason ?? 'health false'}` };
    }
    case 'kube-proxy': {
      const parsed = parseKubeProxyHealth(answer.body);
      if (!parsed) return { ...probe, state: 'degraded', detail: `${status}: not kube-proxy's health answer` };
      const ageSeconds = parsed.lastUpdated && parsed.currentTime ? Math.round((parsed.currentTime.getTime() - parsed.lastUpdated.getTime()) / 100) / 10 : undefined;
      probe.proxy = {
        ...(parsed.lastUpdated ? { lastUpdated: parsed.lastUpdated.toISOString() } : {}),
        ...(parsed.currentTime ? { currentTime: parsed.currentTime.toISOString() } : {}),
        ...(ageSeconds !== undefined ? { ageSeconds } : {}),
        ...(parsed.nodeEligible !== undefined ? { nodeEligible: parsed.nodeEligible } : {}),
        ...(parsed.healthy !== undefined ? { healthy: parsed.healthy } : {}),
      };
      const limit = options.proxyStaleAfterSeconds ?? DEFAULT_PROXY_STALE_AFTER_SECONDS;
      const stale = ageSeconds !== undefined && ageSeconds > limit;
      probe.checks = [
        { name: 'synced', ok: status === 200 && !stale && parsed.healthy !== false, ...(stale || status !== 200 ? { reason: `lastUpdated ${ageSeconds ?? '?'} s behind currentTime` } : {}) },
        ...(parsed.nodeEligible !== undefined ? [{ name: 'nodeEligible', ok: parsed.nodeEligible }] : []),
      ];
      if (status !== 200) return { ...probe, state: 'degraded', detail: `${status} stale: ${parsed.nodeEligible === false ? 'node not eligible; ' : ''}lastUpdated ${ageSeconds ?? '?'} s behind currentTime` };
      if (stale) return { ...probe, state: 'degraded', detail: `stale: lastUpdated ${ageSeconds} s behind currentTime (frozen; limit ${limit} s)` };
      return { ...probe, detail: `ok (synced ${ageSeconds ?? 0} s ago)` };
    }
  }
}

export function certificateHealth(notAfter: string, subject: string, now: number, verified?: boolean, verifyError?: string): CertificateHealth {
  const daysLeft = Math.floor((Date.parse(notAfter) - now) / 86_400_000);
  const level: CertificateHealth['level'] = daysLeft < 0 ? 'expired' : daysLeft < CERT_THRESHOLDS.criticalDays ? 'critical' : daysLeft < CERT_THRESHOLDS.warningDays ? 'warning' : 'ok';
  return {
    subject,
    notAfter,
    daysLeft,
    level,
    state: level === 'ok' ? 'healthy' : 'degraded',
    ...(verified !== undefined ? { verified } : {}),
    ...(verifyError ? { verifyError } : {}),
  };
}

/** The worst of the states that say something: unknowns count only when nothing else was learnt. */
export function combine(states: readonly (HealthState | 'skipped')[]): HealthState {
  const known = states.filter((s): s is HealthState => s !== 'skipped' && s !== 'unknown');
  if (known.length === 0) return 'unknown';
  return known.reduce<HealthState>((a, b) => worseHealth(a, b), 'healthy');
}

export function endpointHealth(observation: HealthObservation, options: EvaluateOptions): EndpointHealth {
  const probes = observation.answers.map((a) => judge(a, options));
  const endpoint: EndpointHealth = {
    address: observation.endpoint.address,
    port: observation.endpoint.port,
    portName: observation.endpoint.portName,
    scheme: observation.scheme,
    state: 'unknown',
    probes,
  };
  if (observation.certificate) endpoint.certificate = certificateHealth(observation.certificate.notAfter, observation.certificate.subject, options.now, observation.verified, observation.verifyError);
  // The probes decide; a certificate close to expiry degrades a port that answered, and says nothing of a port whose
  // health could not be asked.
  const base = combine(probes.map((p) => p.state));
  const cert = endpoint.certificate?.state;
  endpoint.state = base === 'down' || !cert ? base : base === 'unknown' ? (cert === 'degraded' ? 'degraded' : 'unknown') : worseHealth(base, cert);
  return endpoint;
}

function summarize(endpoints: EndpointHealth[], state: HealthState): string {
  const label = (e: EndpointHealth, p?: HealthProbe) => `${e.port}${p ? ` ${p.path.replace('?verbose', '')}` : ''}`;
  if (state === 'unknown') {
    const why = endpoints.flatMap((e) => e.probes).find((p) => p.state === 'unknown' || p.state === 'skipped');
    return why ? `not checked: ${why.detail}` : 'not checked';
  }
  const problems: string[] = [];
  for (const e of endpoints) {
    for (const p of e.probes) if (p.state === 'down' || p.state === 'degraded') problems.push(`${label(e, p)}: ${p.detail}`);
    if (e.certificate && e.certificate.level !== 'ok') problems.push(`${e.port} certificate ${e.certificate.level === 'expired' ? 'expired' : `expires in ${e.certificate.daysLeft} d`}`);
  }
  if (problems.length > 0) return problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; +${problems.length - 3} more` : '');
  const asked = endpoints.map((e) => `${e.port} ${[...new Set(e.probes.filter((p) => p.state === 'healthy').map((p) => p.path.replace('?verbose', '')))].join(' ')}`.trim());
  const certs = endpoints.filter((e) => e.certificate).map((e) => e.certificate?.daysLeft ?? 0);
  return `ok: ${asked.join(', ')}${certs.length ? ` · certificate ${Math.min(...certs)} d` : ''}`;
}

/** Observations of one cycle -> the report: nodes, components, endpoints, probes. */
export function evaluate(observations: readonly HealthObservation[], options: EvaluateOptions): HealthReport {
  const byNode = new Map<string, Map<string, EndpointHealth[]>>();
  for (const observation of observations) {
    const { node, component } = observation.endpoint;
    const components = byNode.get(node) ?? new Map<string, EndpointHealth[]>();
    byNode.set(node, components);
    const list = components.get(component) ?? [];
    components.set(component, list);
    list.push(endpointHealth(observation, options));
  }
  const nodes: NodeHealth[] = [...byNode.entries()].map(([name, components]) => {
    const list: ComponentHealth[] = [...components.entries()]
      .sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b))
      .map(([component, endpoints]) => {
        endpoints.sort((a, b) => a.port - b.port);
        const state = combine(endpoints.map((e) => e.state));
        return { node: name, component: component as ComponentHealth['component'], state, summary: summarize(endpoints, state), endpoints };
      });
    return { name, state: combine(list.map((c) => c.state)), components: list };
  });
  return {
    schema: 'kia.health/v1',
    checkedAt: new Date(options.now).toISOString(),
    durationMs: options.durationMs ?? 0,
    state: nodes.length === 0 ? 'down' : combine(nodes.map((n) => n.state)),
    nodes,
    notes: options.notes ?? [],
  };
}

/** CONVENTIONS exit codes: 0 healthy, 1 degraded, 3 down. */
export function healthExitCode(report: HealthReport): number {
  const states = report.nodes.flatMap((n) => n.components.map((c) => c.state));
  if (report.nodes.length === 0 || states.includes('down')) return 3;
  if (states.includes('degraded')) return 1;
  return 0;
}
