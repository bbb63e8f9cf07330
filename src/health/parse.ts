// Readers for the three health answer formats upstream serves. Pure: text in, facts out; hostile input gives
// "could not read", never an exception.
import type { HealthCheck } from '../model/index.ts';

const CHECK_NAME = /^[\w.\-/[\]:]{1,80}$/;
const MAX_CHECKS = 128;

export interface HealthzAnswer {
  /** Named checks from a verbose answer (empty for a bare `ok`). */
  checks: HealthCheck[];
  /** The answer was the bare `ok` or ended with `check passed`/`ok`. */
  passed: boolean;
}

/**
 * k8s.io/apiserver healthz and etcd's /livez /readyz: `ok`; verbose `[+]name ok`, `[+]name excluded: ok`,
 * `[-]name failed: reason withheld` (Kubernetes) or `[-]name failed: <error>` (etcd), then `<kind> check passed|failed`.
 */
export function parseHealthz(body: string): HealthzAnswer {
  const checks: HealthCheck[] = [];
  let passed = false;
  for (const raw of body.split('\n')) {
    const line = raw.trimEnd();
    if (line === 'ok' || /check passed$/.test(line)) passed = true;
    const good = /^\[\+\](\S+) (?:ok|excluded: ok)$/.exec(line);
    const bad = /^\[-\](\S+) failed: (.*)$/.exec(line);
    const name = good?.[1] ?? bad?.[1];
    if (!name || !CHECK_NAME.test(name) || checks.length >= MAX_CHECKS) continue;
    if (good) checks.push({ name, ok: true });
    else if (bad) {
      const reason = (bad[2] ?? '').slice(0, 300);
      checks.push({ name, ok: false, ...(reason && reason !== 'reason withheld' ? { reason } : {}) });
    }
  }
  if (checks.some((c) => !c.ok)) passed = false;
  return { checks, passed };
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
}

/** etcd `/health`: `{"health":"true","reason":""}` (3.5+), `{"health":"true"}` (3.4), 503 `{"health":"false","reason":"RAFT NO LEADER"}`. */
export function parseEtcdHealth(body: string): EtcdHealthAnswer | undefined {
  try {
    const value = JSON.parse(body) as { health?: unknown; reason?: unknown };
    if (typeof value !== 'object' || value === null) return undefined;
    const health = value.health === 'true' || value.health === true ? true : value.health === 'false' || value.health === false ? false : undefined;
    const reason = typeof value.reason === 'string' && value.reason !== '' ? value.reason.slice(0, 300) : undefined;
    return { ...(health !== undefined ? { health } : {}), ...(reason ? { reason } : {}) };
  } catch {
    return undefined;
  }
}

export interface KubeProxyHealthAnswer {
  lastUpdated?: Date;
  currentTime?: Date;
  healthy?: boolean;
  nodeEligible?: boolean;
}

/**
 * Go's `time.Time.String()`: `2026-11-28 17:31:17.215190237 +0000 UTC m=+12.293076566` (kube-proxy before the JSON
 * rewrite). The monotonic suffix and zone name are dropped; the offset is what counts.
 */
export function parseGoTime(text: string): Date | undefined {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? ([+-])(\d\d)(\d\d)/.exec(text.trim());
  if (!m) return undefined;
  const fraction = (m[3] ?? '').slice(0, 4);
  const date = new Date(`${m[1]}T${m[2]}${fraction}${m[4]}${m[5]}:${m[6]}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function parseTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^\d{4}-\d\d-\d\dT/.test(value)) {
    // RFC 3339 with nanoseconds: JavaScript keeps milliseconds.
    const date = new Date(value.replace(/(\.\d{3})\d+/, '$1'));
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return parseGoTime(value);
}

/** kube-proxy 10256 `/healthz`, both formats (compact JSON with RFC 3339 times; the older Go time strings). */
export function parseKubeProxyHealth(body: string): KubeProxyHealthAnswer | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const answer: KubeProxyHealthAnswer = {};
  const lastUpdated = parseTime(value.lastUpdated);
  const currentTime = parseTime(value.currentTime);
  if (lastUpdated) answer.lastUpdated = lastUpdated;
  if (currentTime) answer.currentTime = currentTime;
  if (typeof value.healthy === 'boolean') answer.healthy = value.healthy;
  if (typeof value.nodeEligible === 'boolean') answer.nodeEligible = value.nodeEligible;
  return answer;
}
