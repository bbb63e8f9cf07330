// The one reader of each health answer format upstream serves, for health's verdicts and the component clients alike.
// Pure: text in, facts out; hostile input gives "could not read", never an exception, and bounded output.
import type { HealthCheck } from '../model/index.ts';

const CHECK_NAME = /^[\w.\-/[\]:]{1,80}$/;
const MAX_CHECKS = 128;

export interface HealthzAnswer {
  /** Named checks from a verbose answer (empty for a bare `ok`); `excluded` for `[+]name excluded: ok`. */
  checks: (HealthCheck & { excluded?: boolean })[];
  /** The answer was the bare `ok` or ended with `check passed`/`ok`. */
  passed: boolean;
  /** The closing line: `readyz check passed`, `healthz check failed`, `ok`. */
  summary?: string;
}

/**
 * k8s.io/apiserver healthz and etcd's /livez /readyz: `ok`; verbose `[+]name ok`, `[+]name excluded: ok`,
 * `[-]name failed: reason withheld` (Kubernetes) or `[-]name failed: <error>` (etcd), then `<kind> check passed|failed`.
 */
export function parseHealthz(body: string): HealthzAnswer {
  const checks: HealthzAnswer['checks'] = [];
  let passed = false;
  let summary: string | undefined;
  for (const raw of body.split('\n')) {
    const line = raw.trimEnd();
    if (line === 'ok' || /check passed$/.test(line)) passed = true;
    if (line === 'ok' || /check (passed|failed)$/.test(line)) summary = line.slice(0, 120);
    const good = /^\[\+\](\S+) (ok|excluded: ok)$/.exec(line);
    const bad = /^\[-\](\S+) failed: (.*)$/.exec(line);
    const name = good?.[1] ?? bad?.[1];
    if (!name || !CHECK_NAME.test(name) || checks.length >= MAX_CHECKS) continue;
    if (good) checks.push({ name, ok: true, ...(good[2] === 'excluded: ok' ? { excluded: true } : {}) });
    else if (bad) {
      const reason = (bad[2] ?? '').slice(0, 300);
      checks.push({ name, ok: false, ...(reason ? { reason } : {}) });
    }
  }
  if (checks.some((c) => !c.ok)) passed = false;
  return { checks, passed, ...(summary ? { summary } : {}) };
}

/** A check's own sub-path on failure: `internal server error: <err>` (Kubernetes), or the etcd line. */
export function parseCheckReason(body: string): string | undefined {
  const text = body.trim();
  if (!text) return undefined;
  const kube = /^internal server error: ([\s\S]*)$/.exec(text);
  if (kube) return (kube[1] ?? '').trim().slice(0, 300);
  const etcd = /^\[-\]\S+ failed: (.*)$/m.exec(text);
  if (etcd) return (etcd[1] ?? '').slice(0, 300);
  return text.split('\n')[0]?.slice(0, 300);
}

export interface EtcdHealthAnswer {
  /** `health` as etcd writes it: the string "true"/"false" (a boolean is accepted too). */
  health?: boolean;
  reason?: string;
  /** `3.4`: `{"health":"true"}`; `3.5+`: `{"health":"true","reason":""}`. */
  format?: '3.4' | '3.5+';
}

/** etcd `/health`: `{"health":"true","reason":""}` (3.5+), `{"health":"true"}` (3.4), 503 `{"health":"false","reason":"RAFT NO LEADER"}`. */
export function parseEtcdHealth(body: string): EtcdHealthAnswer | undefined {
  try {
    const value = JSON.parse(body) as { health?: unknown; reason?: unknown };
    if (typeof value !== 'object' || value === null) return undefined;
    const health = value.health === 'true' || value.health === true ? true : value.health === 'false' || value.health === false ? false : undefined;
    const reason = typeof value.reason === 'string' && value.reason !== '' ? value.reason.slice(0, 300) : undefined;
    return { ...(health !== undefined ? { health, format: 'reason' in value ? '3.5+' : '3.4' } : {}), ...(reason ? { reason } : {}) };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// kube-proxy 10256 `/healthz` and `/livez` (spec §4.2, §11): compact JSON with RFC 3339 times (1.33 on), or the older
// hand-formatted body with Go time.String() times.

export interface ProxyHealth {
  /** `rfc3339`: the current compact JSON; `go-time-string`: the old body with Go time.String() times. */
  format: 'rfc3339' | 'go-time-string';
  /** As RFC 3339 with the server's fraction (nanoseconds kept). */
  lastUpdated: string;
  currentTime: string;
  /** currentTime - lastUpdated, in milliseconds. */
  ageMs: number;
  nodeEligible?: boolean;
  /** The body's own `healthy` (current format only); otherwise the status code tells. */
  healthy?: boolean;
  /** Per IP family (current format only). */
  families?: Record<string, { lastUpdated: string; healthy: boolean }>;
  /** Go's monotonic reading `m=+547.421199072`, seconds since the process started (old format only). */
  uptimeSeconds?: number;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
// Go time.Time.String(): `2006-01-02 15:04:05.999999999 -0700 MST` plus ` m=±<seconds>` while the monotonic reading lasts.
const GO_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-])(\d{2})(\d{2}) (\S+)(?: m=([+-]\d+(?:\.\d+)?))?$/;

export interface ParsedTime {
  rfc3339: string;
  ms: number;
  monotonic?: number;
}

function millis(date: string, time: string, fraction: string | undefined, offset: string): number {
  return Date.parse(`${date}T${time}${(fraction ?? '').slice(0, 4)}${offset}`);
}

/** An RFC 3339 or Go time.String() timestamp; undefined when it is neither. */
export function parseProxyTime(value: string): ParsedTime | undefined {
  const r = RFC3339.exec(value);
  if (r) {
    const [, date = '', time = '', fraction, offset = ''] = r;
    const ms = millis(date, time, fraction, offset);
    return Number.isFinite(ms) ? { rfc3339: value, ms } : undefined;
  }
  const g = GO_TIME.exec(value.trim());
  if (!g) return undefined;
  const [, date = '', time = '', fraction, sign = '+', hh = '00', mm = '00', , monotonic] = g;
  const offset = hh === '00' && mm === '00' ? 'Z' : `${sign}${hh}:${mm}`;
  const ms = millis(date, time, fraction, offset);
  if (!Number.isFinite(ms)) return undefined;
  return { rfc3339: `${date}T${time}${fraction ?? ''}${offset}`, ms, ...(monotonic !== undefined ? { monotonic: Number(monotonic) } : {}) };
}

/** kube-proxy's 10256 body in either shape; undefined when it is neither (a peer's garbage). */
export function parseKubeProxyHealth(body: string): ProxyHealth | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const time = (key: string) => (typeof value[key] === 'string' ? parseProxyTime(value[key]) : undefined);
  const last = time('lastUpdated');
  const now = time('currentTime');
  if (!last || !now) return undefined;
  const health: ProxyHealth = { format: RFC3339.test(String(value.lastUpdated)) ? 'rfc3339' : 'go-time-string', lastUpdated: last.rfc3339, currentTime: now.rfc3339, ageMs: now.ms - last.ms };
  if (typeof value.nodeEligible === 'boolean') health.nodeEligible = value.nodeEligible;
  if (typeof value.healthy === 'boolean') health.healthy = value.healthy;
  if (typeof value.status === 'object' && value.status !== null) {
    const families: Record<string, { lastUpdated: string; healthy: boolean }> = {};
    for (const [family, s] of Object.entries(value.status as Record<string, { lastUpdated?: unknown; healthy?: unknown }>).slice(0, 4)) {
      const at = typeof s?.lastUpdated === 'string' ? parseProxyTime(s.lastUpdated) : undefined;
      families[family] = { lastUpdated: at?.rfc3339 ?? String(s?.lastUpdated).slice(0, 64), healthy: s?.healthy === true };
    }
    health.families = families;
  }
  if (now.monotonic !== undefined) health.uptimeSeconds = now.monotonic;
  return health;
}
