// The kubelet client's and the API module's failures in one vocabulary: a transport exchange that did not give a 2xx
// becomes a KubeletFailure (what was tried, what the peer said). The network itself is the transport's.
import type { Outcome } from '../model/index.ts';
import { REQUEST_CHANNEL, type Exchange } from './transport/transport.ts';

/** Published before each request: `{ method, url, identity }` (no secrets). `kia kubelet -v` prints it. */
export const KUBELET_REQUEST_CHANNEL = REQUEST_CHANNEL;

export type KubeletFailureKind = 'unauthorized' | 'forbidden' | 'not-found' | 'http' | 'tls' | 'refused' | 'timeout' | 'reset' | 'too-large' | 'bad-answer' | 'error';

/** What was tried, for the one-line explanation of a failure. */
export interface KubeletRequestInfo {
  readonly method: string;
  readonly url: string;
  readonly via: 'direct' | 'apiserver';
  /** The identity's label (`anonymous`, `cert:alice.crt`, `kubeconfig:kubernetes-admin`). */
  readonly identity: string;
}

export interface KubeletFailure {
  readonly kind: KubeletFailureKind;
  readonly request: KubeletRequestInfo;
  readonly status?: number;
  /** The server's own words (first line of the body, or a Status message), or the socket error. */
  readonly message: string;
  /** For `tls`: the certificate did not verify (as opposed to a failed handshake). */
  readonly verify?: boolean;
}

export type KubeletResult<T> = { readonly ok: true; readonly value: T; readonly status: number; readonly request: KubeletRequestInfo } | { readonly ok: false; readonly failure: KubeletFailure };

export function failureOf(kind: KubeletFailureKind, request: KubeletRequestInfo, message: string, extra: { status?: number; verify?: boolean } = {}): { ok: false; failure: KubeletFailure } {
  return { ok: false, failure: { kind, request, message, ...extra } };
}

const KIND_BY_STATUS: Record<number, KubeletFailureKind> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not-found' };

/** A transport outcome in the kubelet client's words. */
function kindOf(outcome: Outcome): { kind: KubeletFailureKind; verify?: boolean } {
  switch (outcome) {
    case 'refused':
    case 'reset':
    case 'too-large':
    case 'bad-answer':
      return { kind: outcome };
    case 'timeout':
    case 'aborted':
      return { kind: 'timeout' };
    case 'tls-verify':
      return { kind: 'tls', verify: true };
    case 'tls-error':
    case 'tls-client-cert':
      return { kind: 'tls' };
    default:
      return { kind: 'error' };
  }
}

/** What a request was, for the one-line explanation of a failure. */
export function requestInfo(exchange: Exchange, via: KubeletRequestInfo['via']): KubeletRequestInfo {
  return { method: exchange.method, url: exchange.url, via, identity: exchange.identity };
}

/** A failed exchange, or a refusal read from an error answer (the server's own words). */
export function failureOfExchange(exchange: Exchange, via: KubeletRequestInfo['via'], maxBytes: number): { ok: false; failure: KubeletFailure } {
  const info = requestInfo(exchange, via);
  if (exchange.outcome !== 'ok' || exchange.status === undefined) {
    const { kind, verify } = kindOf(exchange.outcome);
    return failureOf(kind, info, exchange.outcome === 'too-large' ? `answer larger than ${maxBytes} bytes` : (exchange.detail ?? exchange.outcome), { ...(exchange.status !== undefined ? { status: exchange.status } : {}), ...(verify ? { verify } : {}) });
  }
  return failureOf(KIND_BY_STATUS[exchange.status] ?? 'http', info, serverMessage(exchange.body, exchange.headers['content-type']), { status: exchange.status });
}

/** The server's words for an error answer: a Status `message` (API server), else the first line of the text. */
export function serverMessage(body: Buffer, contentType: string | undefined): string {
  const text = body.toString('utf8');
  if (/json/.test(contentType ?? '') || text.startsWith('{"kind":"Status"') || text.startsWith('{\n  "kind": "Status"')) {
    try {
      const status = JSON.parse(text) as { message?: unknown };
      if (typeof status.message === 'string') return status.message;
    } catch {
      // Not JSON after all: the kubelet's go-restful bodies look like JSON but are text.
    }
  }
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
