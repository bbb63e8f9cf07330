// What the answers mean, with the meaning upstream gives them. Pure: observations and a clock in, a report out. An
// endpoint is judged as the component the inventory expected only when what answers there is that component.
import { COMPONENT_ORDER, getRoute, type HealthRoute } from '../catalog/index.ts';
import { answered, CERTIFICATE_THRESHOLDS, worseHealth } from '../model/index.ts';
import type { CertificateHealth, ComponentHealth, EndpointHealth, EndpointObservation, HealthCheck, HealthProbe, HealthReport, HealthState, NodeHealth, RouteObservation } from '../model/index.ts';
import { parseCheckReason, parseEtcdHealth, parseHealthz, parseKubeProxyHealth } from '../formats/health-answers.ts';

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

function down(route: RouteObservation): string {
  switch (route.outcome) {
    case 'refused':
      return 'connection refused';
    case 'timeout':
      return 'no answer (timeout)';
    case 'tls-error':
      return `TLS failed: ${route.detail ?? 'handshake'}`;
    case 'reset':
      return 'connection reset';
    case 'aborted':
      return 'not asked: the overall deadline passed';
    default:
      return route.detail ?? route.outcome;
  }
}

function failing(checks: HealthCheck[]): string {
  return checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name} failed${c.reason ? `: ${c.reason}` : ''}`)
    .join('; ');
}

/** One health answer (and the sub-path answers for its failing checks) -> one probe with a state and a line. */
export function judge(route: RouteObservation, format: HealthRoute['format'], followUps: readonly RouteObservation[], options: EvaluateOptions): HealthProbe {
  const probe: HealthProbe = { route: route.route, method: route.method, path: route.path, identity: route.identity, state: 'healthy', outcome: route.outcome, durationMs: route.durationMs, detail: 'ok', checks: [] };
  if (route.status !== undefined) probe.status = route.status;
  if (route.outcome === 'skipped') return { ...probe, state: 'skipped', detail: route.detail ?? 'not asked' };
  // The server refused our client certificate: it is up, and that credential is not one it trusts.
  if (route.outcome === 'tls-client-cert') return { ...probe, state: 'unknown', detail: `${route.identity === 'anonymous' ? 'the server requires a client certificate' : `the server refused the client certificate of ${route.identity}`}: give one it trusts (etcd: --etcd-cert/--etcd-key)` };
  if (route.outcome === 'tls-verify') return { ...probe, state: 'unknown', detail: `${route.detail ?? 'the server certificate did not verify'}` };
  if (!answered(route.outcome)) return { ...probe, state: 'down', detail: down(route) };
  const status = route.status ?? 0;
  const body = route.body ?? route.bodySample ?? '';
  if (status === 404) return { ...probe, state: 'skipped', detail: '404: not served by this version' };
  if (status === 401 || status === 403) return { ...probe, state: 'unknown', detail: `${status}: ${route.identity} may not ask ${route.path}${route.identity === 'anonymous' ? ' (give credentials)' : ''}` };
  switch (format) {
    case 'healthz': {
      const parsed = parseHealthz(body);
      // Kubernetes components withhold the reason in the summary: it is not one.
      for (const check of parsed.checks) if (check.reason === 'reason withheld') delete check.reason;
      // The per-check sub-path shows the reason the summary withholds.
      for (const follow of followUps) {
        const check = parsed.checks.find((c) => c.name === follow.check);
        const reason = answered(follow.outcome) && (follow.status ?? 0) >= 500 ? parseCheckReason(follow.body ?? follow.bodySample ?? '') : undefined;
        if (check && reason) check.reason = reason;
      }
      probe.checks = parsed.checks;
      if (status === 200 && (parsed.passed || parsed.checks.length === 0)) return { ...probe, detail: parsed.checks.length ? `ok (${parsed.checks.length} checks)` : 'ok' };
      const reasons = failing(parsed.checks);
      return { ...probe, state: 'degraded', detail: `${status}${reasons ? ` ${reasons}` : ` ${body.trim().split('\n')[0]?.slice(0, 120) ?? ''}`}`.trim() };
    }
    case 'etcd-health': {
      const parsed = parseEtcdHealth(body);
      if (!parsed || parsed.health === undefined) return { ...probe, state: 'degraded', detail: `${status}: not etcd's health answer` };
      probe.checks = [{ name: 'health', ok: parsed.health, ...(parsed.reason ? { reason: parsed.reason } : {}) }];
      if (status === 200 && parsed.health) return { ...probe, detail: 'ok' };
      return { ...probe, state: 'degraded', detail: `${status} ${parsed.reason ?? 'health false'}` };
    }
    case 'kube-proxy': {
      const parsed = parseKubeProxyHealth(body);
      if (!parsed) return { ...probe, state: 'degraded', detail: `${status}: not kube-proxy's health answer` };
      const ageSeconds = Math.round(parsed.ageMs / 100) / 10;
      probe.proxy = {
        lastUpdated: new Date(Date.parse(parsed.lastUpdated.replace(/(\.\d{3})\d+/, '$1'))).toISOString(),
        currentTime: new Date(Date.parse(parsed.currentTime.replace(/(\.\d{3})\d+/, '$1'))).toISOString(),
        ageSeconds,
        ...(parsed.nodeEligible !== undefined ? { nodeEligible: parsed.nodeEligible } : {}),
        ...(parsed.healthy !== undefined ? { healthy: parsed.healthy } : {}),
      };
      const limit = options.proxyStaleAfterSeconds ?? DEFAULT_PROXY_STALE_AFTER_SECONDS;
      const stale = ageSeconds > limit;
      probe.checks = [
        { name: 'synced', ok: status === 200 && !stale && parsed.healthy !== false, ...(stale || status !== 200 ? { reason: `lastUpdated ${ageSeconds} s behind currentTime` } : {}) },
        ...(parsed.nodeEligible !== undefined ? [{ name: 'nodeEligible', ok: parsed.nodeEligible }] : []),
      ];
      if (status !== 200) return { ...probe, state: 'degraded', detail: `${status} stale: ${parsed.nodeEligible === false ? 'node not eligible; ' : ''}lastUpdated ${ageSeconds} s behind currentTime` };
      if (stale) return { ...probe, state: 'degraded', detail: `stale: lastUpdated ${ageSeconds} s behind currentTime (frozen; limit ${limit} s)` };
      return { ...probe, detail: `ok (synced ${ageSeconds} s ago)` };
    }
  }
}

/** Whether an answer reads as the health format says (a component that is unhealthy still answers in its format). */
function inFormat(route: RouteObservation, format: HealthRoute['format']): boolean {
  if (!answered(route.outcome)) return false;
  const status = route.status ?? 0;
  if (status === 401 || status === 403) return true;
  const body = route.body ?? route.bodySample ?? '';
  if (format === 'healthz') return (status === 200 || status >= 500) && (parseHealthz(body).checks.length > 0 || /^ok\s*$|check (passed|failed)/m.test(body));
  if (format === 'etcd-health') return parseEtcdHealth(body)?.health !== undefined;
  return parseKubeProxyHealth(body) !== undefined;
}

/** Requests health wants next: each failing check's own sub-path where upstream routes one. Pure. */
export function followUps(observation: EndpointObservation, limit = 8): { route: string; check: string; path: string }[] {
  const out: { route: string; check: string; path: string }[] = [];
  for (const r of observation.routes) {
    const route = getRoute(r.route);
    if (!route?.health?.checkSubpaths || r.check || !answered(r.outcome) || (r.status ?? 0) < 500) continue;
    for (const m of (r.body ?? '').matchAll(/^\[-\]([\w.\-/[\]:]{1,80}) failed: reason withheld$/gm)) {
      if (out.length < limit) out.push({ route: r.route, check: m[1] as string, path: `${route.path}/${m[1] as string}` });
    }
  }
  return out;
}

export function certificateHealth(notAfter: string, subject: string, now: number, verified?: boolean, verifyError?: string): CertificateHealth {
  const daysLeft = Math.floor((Date.parse(notAfter) - now) / 86_400_000);
  const level: CertificateHealth['level'] = daysLeft < 0 ? 'expired' : daysLeft < CERTIFICATE_THRESHOLDS.criticalDays ? 'critical' : daysLeft < CERTIFICATE_THRESHOLDS.warningDays ? 'warning' : 'ok';
  // A chain that verified once still chains; expiry is judged here, every cycle.
  const stillVerified = verified === undefined ? undefined : verified && daysLeft >= 0;
  return {
    subject,
    notAfter,
    daysLeft,
    level,
    state: level === 'ok' ? 'healthy' : 'degraded',
    ...(stillVerified !== undefined ? { verified: stillVerified } : {}),
    ...(verifyError ? { verifyError } : {}),
  };
}

/** The worst of the states that say something: unknowns count only when nothing else was learnt. */
export function combine(states: readonly (HealthState | 'skipped')[]): HealthState {
  const known = states.filter((s): s is HealthState => s !== 'skipped' && s !== 'unknown');
  if (known.length === 0) return 'unknown';
  return known.reduce<HealthState>((a, b) => worseHealth(a, b), 'healthy');
}

/** What answers is not the expected component: a one-line reason, or undefined. */
function impostor(observation: EndpointObservation, probes: readonly { route: RouteObservation; format: HealthRoute['format'] }[]): string | undefined {
  const expected = observation.expected;
  if (!expected) return undefined;
  const fp = observation.fingerprint;
  if (fp.component !== 'unknown' && fp.component !== expected.component && fp.confidence !== 'low') return `not a ${expected.component}: answers as ${fp.component} (${fp.evidence[0] ?? ''})`.replace(' ()', '');
  const spoke = observation.routes.some((r) => answered(r.outcome));
  if (fp.component === 'unknown' && spoke && !probes.some((p) => inFormat(p.route, p.format))) {
    const sample = observation.routes.find((r) => answered(r.outcome));
    return `not a ${expected.component}: answers over ${observation.scheme === 'http' ? 'HTTP' : 'HTTPS'}, but not as one${sample ? ` (GET ${sample.path}: ${sample.status})` : ''}`;
  }
  return undefined;
}

export function endpointHealth(observation: EndpointObservation, options: EvaluateOptions): EndpointHealth {
  const expected = observation.expected;
  const health = observation.routes
    .filter((r) => !r.check && getRoute(r.route)?.health)
    .map((route) => ({ route, format: (getRoute(route.route)?.health as HealthRoute).format }));
  const probes = health.map(({ route, format }) => judge(route, format, observation.routes.filter((f) => f.check && f.route === route.route), options));
  const endpoint: EndpointHealth = { address: observation.address, port: observation.port, portName: expected?.portName ?? observation.fingerprint.port ?? '', scheme: observation.scheme === 'http' ? 'http' : 'https', state: 'unknown', probes };
  const leaf = observation.tls?.chain[0];
  if (leaf) endpoint.certificate = certificateHealth(leaf.notAfter, leaf.subject, options.now, observation.tls?.verified, observation.tls?.verifyError);
  const notIt = impostor(observation, health);
  if (notIt) {
    endpoint.state = 'unknown';
    endpoint.probes = [{ route: 'fingerprint', method: 'GET', path: '', identity: 'anonymous', state: 'unknown', outcome: 'ok', durationMs: 0, detail: notIt, checks: [] }, ...probes];
    delete endpoint.certificate;
    return endpoint;
  }
  // The probes decide; a certificate close to expiry degrades a port that answered, and says nothing of a port whose
  // health could not be asked.
  const base = combine(probes.map((p) => p.state));
  const cert = endpoint.certificate?.state;
  endpoint.state = base === 'down' || !cert ? base : base === 'unknown' ? (cert === 'degraded' ? 'degraded' : 'unknown') : worseHealth(base, cert);
  return endpoint;
}

function summarize(endpoints: EndpointHealth[], state: HealthState): string {
  const label = (e: EndpointHealth, p?: HealthProbe) => `${e.port}${p?.path ? ` ${p.path.replace('?verbose', '')}` : ''}`;
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
export function evaluate(observations: readonly EndpointObservation[], options: EvaluateOptions): HealthReport {
  const byNode = new Map<string, Map<string, EndpointHealth[]>>();
  for (const observation of observations) {
    const component = observation.expected?.component ?? observation.fingerprint.component;
    if (component === 'unknown') continue;
    const node = observation.target.node ?? observation.target.host;
    const components = byNode.get(node) ?? new Map<string, EndpointHealth[]>();
    byNode.set(node, components);
    const list = components.get(component) ?? [];
    components.set(component, list);
    list.push(endpointHealth(observation, options));
  }
  const order = (c: string) => COMPONENT_ORDER.indexOf(c as (typeof COMPONENT_ORDER)[number]);
  const nodes: NodeHealth[] = [...byNode.entries()].map(([name, components]) => {
    const list: ComponentHealth[] = [...components.entries()]
      .sort(([a], [b]) => order(a) - order(b))
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

/**
 * CONVENTIONS exit codes: 0 healthy; 1 degraded, or unknown (answered but not verified: no credential it accepts, or
 * not the component expected); 3 down, or nothing to check.
 */
export function healthExitCode(report: HealthReport): number {
  const states = report.nodes.flatMap((n) => n.components.map((c) => c.state));
  if (report.nodes.length === 0 || states.includes('down')) return 3;
  if (states.includes('degraded') || states.includes('unknown')) return 1;
  return 0;
}
