// Prometheus' HTTP query API (`GET /api/v1/query`, instant vectors) through the one transport: a deadline and a byte
// cap on every query, the server verified unless told otherwise, a token only to a server that verified.
import type { Identity } from './identity.ts';
import { excerpt } from '../redact.ts';
import { Transport } from './transport/transport.ts';
import type { Trust } from './transport/trust.ts';

export interface PrometheusAccess {
  /** The server's base URL (`http://prometheus:9090`, or a path prefix behind a proxy). */
  url: string;
  trust?: Trust;
  /** A bearer token for a Prometheus behind an authenticating proxy. */
  identity?: Identity;
  transport?: Transport;
  timeoutMs?: number;
  /** Most bytes of one answer (default 64 MiB: a 1,000-node cluster's series). */
  maxBytes?: number;
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export type VectorResult = { ok: true; samples: Sample[] } | { ok: false; message: string };

interface QueryAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, unknown>; value?: [unknown, unknown] }[] };
}

/** One instant query; never throws for a network or server problem (the message says which). */
export async function queryVector(access: PrometheusAccess, query: string): Promise<VectorResult> {
  const base = new URL(access.url);
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`, base);
  const transport = access.transport ?? new Transport({ timeoutMs: access.timeoutMs ?? 10_000 });
  const res = await transport.exchange({
    url,
    ...(access.identity ? { identity: access.identity } : {}),
    trust: access.trust ?? {},
    mode: 'strict',
    headers: { accept: 'application/json' },
    maxBytes: access.maxBytes ?? 64 << 20,
    ...(access.timeoutMs ? { timeoutMs: access.timeoutMs } : {}),
  });
  if (res.outcome !== 'ok') return { ok: false, message: `${base.origin}: ${res.outcome}${res.detail ? `: ${res.detail}` : ''}` };
  let answer: QueryAnswer;
  try {
    answer = JSON.parse(res.body.toString('utf8')) as QueryAnswer;
  } catch {
    return { ok: false, message: `${base.origin} answered ${res.status} that is not the query API's JSON: ${excerpt(res.body.toString('utf8'))}` };
  }
  if (res.status !== 200 || answer.status !== 'success') return { ok: false, message: `${base.origin} answered ${res.status}: ${excerpt(String(answer.error ?? res.body.toString('utf8')))}` };
  if (answer.data?.resultType !== 'vector' || !Array.isArray(answer.data.result)) return { ok: false, message: `${base.origin}: the query ${JSON.stringify(query)} did not give an instant vector` };
  const samples = answer.data.result.flatMap((r): Sample[] => {
    const value = Number(r.value?.[1]);
    if (!r.metric || typeof r.metric !== 'object' || Number.isNaN(value)) return [];
    const labels = Object.fromEntries(Object.entries(r.metric).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return [{ labels, value }];
  });
  return { ok: true, samples };
}
