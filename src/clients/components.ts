// Client calls to the components' health, config and metrics routes: one capped, timed request per call, answers as
// data (what was asked, what came back, what it means), and pure parsers for the bodies that need one:
// Kubernetes' verbose health checks (spec §6.2, §3.3) and kube-proxy's 10256 body in both shapes (§4.2, §11).
import { request, type HttpOutcome } from './http.ts';
import type { Identity } from './identity.ts';

/** Where and how to call: an origin (`https://host:port`), who we are, how we verify, and the limits. */
export interface CallTarget {
  origin: string;
  identity?: Identity;
  /** PEM CA bundle to verify the server with; absent = the system roots. */
  ca?: string;
  /** Verification is on unless this is set. */
  insecureSkipVerify?: boolean;
  timeoutMs: number;
  maxBytes: number;
  /** The name the server certificate must carry when it differs from the origin's host (--tls-server-name). */
  serverName?: string;
  /** The command's deadline: ends the call early when it aborts. */
  signal?: AbortSignal;
}

export interface CallRequest {
  /** Path with an optional query (`/readyz?verbose`). */
  path: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * Why a call gave no usable answer, as data; the caller turns it into advice.
 * `tls-verify`: the server's certificate did not verify; `tls-client-cert`: the server refused our (missing) client
 * certificate in the handshake; `credential`: 401; `forbidden`: 403; `not-found`: 404; `too-large`: cut at maxBytes.
 */
export type Problem = 'refused' | 'timeout' | 'reset' | 'tls-verify' | 'tls-client-cert' | 'tls-error' | 'error' | 'too-large' | 'credential' | 'forbidden' | 'not-found' | 'rejected';

export interface Answer {
  method: string;
  url: string;
  /** The identity's label (`anonymous`, `cert:admin.crt`, `token`). */
  as: string;
  outcome: HttpOutcome;
  status?: number;
  contentType?: string;
  body: Buffer;
  /** Set when the answer is not a usable 2xx/5xx answer. */
  problem?: Problem;
  /** The transport error or the first line of the refusal. */
  detail?: string;
  /** A bearer token that was not sent because the origin is plain HTTP. */
  tokenWithheld?: boolean;
}

/** Node's messages when it could not verify the server (OpenSSL verify codes and the name check). */
const VERIFY_FAILURE = /self[- ]signed|unable to (verify|get local issuer)|altnames|not valid for|certificate has expired|certificate is not yet valid|unknown authority|CERT_/i;
/** Alerts a server sends when it refuses the client's certificate (or the lack of one). */
const CLIENT_CERT_ALERT = /alert (certificate required|bad certificate|unknown ca|certificate unknown|handshake failure|access denied)|certificate required/i;

function problemOf(outcome: HttpOutcome, error: string, secure: boolean): Problem {
  if (outcome === 'timeout' || /no answer within/.test(error)) return 'timeout';
  if (outcome === 'refused') return 'refused';
  if (outcome === 'too-large') return 'too-large';
  if (secure && CLIENT_CERT_ALERT.test(error)) return 'tls-client-cert';
  if (secure && VERIFY_FAILURE.test(error)) return 'tls-verify';
  if (outcome === 'tls-error') return 'tls-error';
  if (outcome === 'reset') return 'reset';
  return 'error';
}

function firstLine(body: Buffer): string {
  const text = body.toString('utf8').trim();
  // A JSON Status carries its reason in `message`.
  if (text.startsWith('{')) {
    try {
      const status = JSON.parse(text) as { message?: unknown };
      if (typeof status.message === 'string') return status.message;
    } catch {
      // not JSON after all: fall through to the raw first line
    }
  }
  return (text.split('\n')[0] ?? '').slice(0, 200);
}

/** One request with the target's timeout and byte cap; never throws for a network outcome. */
export async function call(target: CallTarget, req: CallRequest): Promise<Answer> {
  const url = new URL(req.path, target.origin);
  const secure = url.protocol === 'https:';
  const method = req.method ?? 'GET';
  const identity = target.identity;
  // A token over plain HTTP would travel in the clear to anyone on the path: never send it there.
  const withheld = !secure && identity?.token !== undefined;
  const sendAs: Identity | undefined = withheld && identity ? { ...identity, token: undefined } : identity;
  const res = await request({
    url,
    method,
    headers: { 'user-agent': 'kia/0.1', accept: '*/*', ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
    ...(req.body !== undefined ? { body: req.body } : {}),
    ...(sendAs ? { identity: sendAs } : {}),
    ...(target.ca ? { ca: target.ca } : {}),
    insecureSkipVerify: target.insecureSkipVerify === true,
    ...(target.serverName ? { servername: target.serverName } : {}),
    timeoutMs: target.timeoutMs,
    maxBytes: target.maxBytes,
  });
  const answer: Answer = { method, url: url.toString(), as: identity?.name ?? 'anonymous', outcome: res.outcome, body: res.body, ...(withheld ? { tokenWithheld: true } : {}) };
  if (res.status !== undefined) answer.status = res.status;
  const contentType = res.headers?.['content-type'];
  if (contentType) answer.contentType = contentType;
  if (res.outcome !== 'ok') {
    answer.problem = problemOf(res.outcome, res.error ?? '', secure);
    answer.detail = res.outcome === 'too-large' ? `more than ${target.maxBytes} bytes` : (res.error ?? res.outcome);
    return answer;
  }
  const status = res.status ?? 0;
  if (status === 401) answer.problem = 'credential';
  else if (status === 403) answer.problem = 'forbidden';
  else if (status === 404) answer.problem = 'not-found';
  else if (status >= 400 && status < 500) answer.problem = 'rejected';
  if (answer.problem) answer.detail = firstLine(res.body);
  return answer;
}

/** An answer and, when it is a usable one, its parsed value (or why it could not be parsed). */
export interface Parsed<T> {
  answer: Answer;
  value?: T;
  parseError?: string;
}

/** Parses the body of an answer whose status `accept` takes; other answers come back as they are. */
export function parseAnswer<T>(answer: Answer, parse: (body: string, status: number) => T, accept: (status: number) => boolean): Parsed<T> {
  if (answer.problem || answer.status === undefined || !accept(answer.status)) return { answer };
  try {
    return { answer, value: parse(answer.body.toString('utf8'), answer.status) };
  } catch (error) {
    return { answer, parseError: error instanceof Error ? error.message : String(error) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Verbose health checks: `[+]name ok`, `[+]name excluded: ok`, `[-]name failed: reason`, then `<x> check passed|failed`.

export interface HealthCheck {
  name: string;
  ok: boolean;
  excluded?: boolean;
  /** The failure reason (`reason withheld` on Kubernetes components; the real error on etcd). */
  reason?: string;
}

export interface HealthReport {
  /** 2xx and no failing check. */
  healthy: boolean;
  status: number;
  checks: HealthCheck[];
  /** The closing line: `readyz check passed`, `healthz check failed`, `ok`. */
  summary?: string;
}

const CHECK_LINE = /^\[([+-])\](\S+) (ok|excluded: ok|failed: ?(.*))$/;

/** Parses a `?verbose` health body into named checks. Lines that are not checks end up as the summary. */
export function parseHealthChecks(body: string, status: number): HealthReport {
  const checks: HealthCheck[] = [];
  const other: string[] = [];
  for (const line of body.split('\n')) {
    const trimmed = line.trimEnd();
    if (trimmed === '') continue;
    const m = CHECK_LINE.exec(trimmed);
    if (!m) {
      other.push(trimmed);
      continue;
    }
    const [, sign, name = '', state = '', reason] = m;
    const check: HealthCheck = { name, ok: sign === '+' };
    if (state === 'excluded: ok') check.excluded = true;
    if (sign === '-') check.reason = reason ?? '';
    checks.push(check);
  }
  const report: HealthReport = { healthy: status >= 200 && status < 300 && checks.every((c) => c.ok), status, checks };
  if (other.length > 0) report.summary = other.join(' ');
  return report;
}

// ---------------------------------------------------------------------------------------------------------------
// kube-proxy 10256 `/healthz` and `/livez`.

export interface ProxyHealth {
  /** `rfc3339`: the current compact JSON; `go-time-string`: the old hand-formatted body with Go time.String() times. */
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

interface ParsedTime {
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
    return { rfc3339: value, ms: millis(date, time, fraction, offset) };
  }
  const g = GO_TIME.exec(value);
  if (!g) return undefined;
  const [, date = '', time = '', fraction, sign = '+', hh = '00', mm = '00', , monotonic] = g;
  const offset = hh === '00' && mm === '00' ? 'Z' : `${sign}${hh}:${mm}`;
  const parsed: ParsedTime = { rfc3339: `${date}T${time}${fraction ?? ''}${offset}`, ms: millis(date, time, fraction, offset === 'Z' ? 'Z' : `${sign}${hh}:${mm}`) };
  if (monotonic !== undefined) parsed.monotonic = Number(monotonic);
  return parsed;
}

/** Parses kube-proxy's 10256 body in either shape; throws a plain Error naming what is wrong (the caller reports it). */
export function parseProxyHealth(body: string): ProxyHealth {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON: ${body.slice(0, 80)}`);
  }
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  const time = (key: string): ParsedTime => {
    const raw = value[key];
    const parsed = typeof raw === 'string' ? parseProxyTime(raw) : undefined;
    if (!parsed) throw new Error(`${key} is not a time: ${JSON.stringify(raw)}`);
    return parsed;
  };
  const last = time('lastUpdated');
  const now = time('currentTime');
  const goFormat = !RFC3339.test(String(value.lastUpdated));
  const health: ProxyHealth = { format: goFormat ? 'go-time-string' : 'rfc3339', lastUpdated: last.rfc3339, currentTime: now.rfc3339, ageMs: now.ms - last.ms };
  if (typeof value.nodeEligible === 'boolean') health.nodeEligible = value.nodeEligible;
  if (typeof value.healthy === 'boolean') health.healthy = value.healthy;
  if (typeof value.status === 'object' && value.status !== null) {
    const families: Record<string, { lastUpdated: string; healthy: boolean }> = {};
    for (const [family, s] of Object.entries(value.status as Record<string, { lastUpdated?: unknown; healthy?: unknown }>)) {
      const at = typeof s.lastUpdated === 'string' ? parseProxyTime(s.lastUpdated) : undefined;
      families[family] = { lastUpdated: at?.rfc3339 ?? String(s.lastUpdated), healthy: s.healthy === true };
    }
    health.families = families;
  }
  if (now.monotonic !== undefined) health.uptimeSeconds = now.monotonic;
  return health;
}

// ---------------------------------------------------------------------------------------------------------------
// Calls.

const isAnswer = (s: number): boolean => s >= 200 && s < 600;

/** A Kubernetes health endpoint with `?verbose`, parsed into named checks (200 healthy; 500/503 unhealthy). */
export async function healthChecks(target: CallTarget, path: string): Promise<Parsed<HealthReport>> {
  const answer = await call(target, { path: `${path}${path.includes('?') ? '&' : '?'}verbose` });
  return parseAnswer(answer, parseHealthChecks, (s) => isAnswer(s) && (s < 300 || s >= 500));
}

/** kube-proxy's 10256 `/healthz` or `/livez` (200 healthy, 503 unhealthy; same body either way). */
export async function proxyHealth(target: CallTarget, path: '/healthz' | '/livez' = '/healthz'): Promise<Parsed<ProxyHealth>> {
  return parseAnswer(await call(target, { path }), (body) => parseProxyHealth(body), (s) => s === 200 || s === 503);
}
