// Client calls to the components' health, config and metrics routes: one capped, timed request per call, answers as
// data (what was asked, what came back, what it means), and pure parsers for the bodies that need one:
// Kubernetes' verbose health checks (spec §6.2, §3.3) and kube-proxy's 10256 body in both shapes (§4.2, §11).
import type { Identity } from './identity.ts';
import type { Outcome } from '../model/index.ts';
import { Transport } from './transport/transport.ts';
import type { Trust } from './transport/trust.ts';
import { parseHealthz, parseKubeProxyHealth, type HealthzAnswer, type ProxyHealth } from '../formats/health-answers.ts';

export type { ProxyHealth } from '../formats/health-answers.ts';

/** Where and how to call: an origin (`https://host:port`), who we are, how we verify, and the limits. */
export interface CallTarget {
  origin: string;
  identity?: Identity;
  /** How the server is verified (CA, name, or not at all): the transport's trust, as the flags gave it. */
  trust?: Trust;
  timeoutMs: number;
  maxBytes: number;
  /** The run's transport (deadline, sessions, secrets to scrub); a fresh one per call when absent. */
  transport?: Transport;
  /**
   * The scheme came from the catalog, not the user: a port the catalog knows as HTTPS that answers a TLS hello in
   * plain HTTP (etcd without TLS) is asked again over HTTP, as health does.
   */
  fallbackToHttp?: boolean;
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
  outcome: Outcome;
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

/** The transport's outcome as a client problem (the status refusals come after). */
function problemOf(outcome: Outcome): Problem {
  switch (outcome) {
    case 'refused':
    case 'reset':
    case 'too-large':
    case 'tls-verify':
    case 'tls-client-cert':
    case 'tls-error':
      return outcome;
    case 'timeout':
    case 'aborted':
      return 'timeout';
    default:
      return 'error';
  }
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
  const transport = target.transport ?? new Transport(target.signal ? { signal: target.signal } : {});
  const res = await transport.exchange({
    url,
    method,
    headers: { ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...req.headers },
    ...(req.body !== undefined ? { body: req.body } : {}),
    ...(sendAs ? { identity: sendAs } : {}),
    trust: target.trust ?? {},
    mode: 'strict',
    timeoutMs: target.timeoutMs,
    maxBytes: target.maxBytes,
  });
  if (res.plainHttp && target.fallbackToHttp && secure) return call({ ...target, origin: target.origin.replace(/^https:/, 'http:'), fallbackToHttp: false }, req);
  const answer: Answer = { method, url: url.toString(), as: identity?.name ?? 'anonymous', outcome: res.outcome, body: res.body, ...(withheld ? { tokenWithheld: true } : {}) };
  if (res.status !== undefined) answer.status = res.status;
  const contentType = res.headers['content-type'];
  if (contentType) answer.contentType = contentType;
  if (res.outcome !== 'ok') {
    answer.problem = problemOf(res.outcome);
    answer.detail = res.outcome === 'too-large' ? `more than ${target.maxBytes} bytes` : (res.detail ?? res.outcome);
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
// Health answers, read by the one parser of each format (formats/health-answers.ts).

export type HealthCheck = HealthzAnswer['checks'][number];

/** One verbose health answer: its checks, whether it is healthy, and its closing line. */
export interface HealthChecks {
  /** 2xx and no failing check. */
  healthy: boolean;
  status: number;
  checks: HealthCheck[];
  /** The closing line: `readyz check passed`, `healthz check failed`, `ok`. */
  summary?: string;
}

/** A `?verbose` health body as named checks (200 healthy; 500/503 unhealthy). */
export function parseHealthChecks(body: string, status: number): HealthChecks {
  const parsed = parseHealthz(body);
  return { healthy: status >= 200 && status < 300 && parsed.checks.every((c) => c.ok), status, checks: parsed.checks, ...(parsed.summary ? { summary: parsed.summary } : {}) };
}

/** kube-proxy's 10256 body in either shape; throws a plain Error when it is neither (the caller reports it). */
export function parseProxyHealth(body: string): ProxyHealth {
  const parsed = parseKubeProxyHealth(body);
  if (!parsed) throw new Error(`not kube-proxy's health answer: ${JSON.stringify(body.slice(0, 60))}`);
  return parsed;
}

// ---------------------------------------------------------------------------------------------------------------
// Calls.

const isAnswer = (s: number): boolean => s >= 200 && s < 600;

/** A Kubernetes health endpoint with `?verbose`, parsed into named checks (200 healthy; 500/503 unhealthy). */
export async function healthChecks(target: CallTarget, path: string): Promise<Parsed<HealthChecks>> {
  const answer = await call(target, { path: `${path}${path.includes('?') ? '&' : '?'}verbose` });
  return parseAnswer(answer, parseHealthChecks, (s) => isAnswer(s) && (s < 300 || s >= 500));
}

/** kube-proxy's 10256 `/healthz` or `/livez` (200 healthy, 503 unhealthy; same body either way). */
export async function proxyHealth(target: CallTarget, path: '/healthz' | '/livez' = '/healthz'): Promise<Parsed<ProxyHealth>> {
  return parseAnswer(await call(target, { path }), (body) => parseProxyHealth(body), (s) => s === 200 || s === 503);
}
