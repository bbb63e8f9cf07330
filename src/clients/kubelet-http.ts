// The kubelet client's one seam to the network: open a request, classify what went wrong, read a capped body.
// Unlike http.ts it verifies against a server name other than the dialled address (kubelet certificates name the node).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { channel } from 'node:diagnostics_channel';
import type { Readable } from 'node:stream';
import type { Identity } from './identity.ts';
import { REQUEST_CHANNEL } from './transport/transport.ts';

/** Published before each request: `{ method, url, identity }` (no secrets). `kia kubelet -v` prints it. */
export const KUBELET_REQUEST_CHANNEL = REQUEST_CHANNEL;
const requests = channel(KUBELET_REQUEST_CHANNEL);

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

export interface OpenOptions {
  url: URL;
  method: string;
  via: 'direct' | 'apiserver';
  identity?: Identity;
  ca?: string;
  insecureSkipVerify?: boolean;
  /** The name the certificate must carry when it differs from the URL host (a kubelet's node name). */
  servername?: string;
  /** Deadline for connect, TLS and response headers. */
  timeoutMs: number;
  headers?: Record<string, string>;
}

const VERIFY_CODES = /CERT|SELF_SIGNED|SIGNATURE|ISSUER|ERR_TLS_CERT_ALTNAME_INVALID|LEAF/;

function classify(error: NodeJS.ErrnoException): { kind: KubeletFailureKind; verify?: boolean } {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return { kind: 'refused' };
  if (code === 'ECONNRESET' || code === 'EPIPE' || error.message === 'socket hang up') return { kind: 'reset' };
  if (VERIFY_CODES.test(code)) return { kind: 'tls', verify: true };
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /certificate|SSL|TLS|alert/i.test(error.message)) return { kind: 'tls' };
  if (code === 'ETIMEDOUT') return { kind: 'timeout' };
  return { kind: 'error' };
}

export function failureOf(kind: KubeletFailureKind, request: KubeletRequestInfo, message: string, extra: { status?: number; verify?: boolean } = {}): { ok: false; failure: KubeletFailure } {
  return { ok: false, failure: { kind, request, message, ...extra } };
}

/** Opens a request and resolves once the response headers arrive; the caller owns the body. */
export function openRequest(options: OpenOptions): Promise<KubeletResult<http.IncomingMessage>> {
  const { url } = options;
  const info: KubeletRequestInfo = { method: options.method, url: url.toString(), via: options.via, identity: options.identity?.name ?? 'anonymous' };
  if (requests.hasSubscribers) requests.publish({ method: info.method, url: info.url, identity: info.identity });
  const headers: Record<string, string> = { 'user-agent': 'kia', ...options.headers };
  if (options.identity?.token) headers.authorization = `Bearer ${options.identity.token.reveal()}`;
  const secure = url.protocol === 'https:';
  const requestOptions: https.RequestOptions = { method: options.method, headers, agent: false };
  if (secure) {
    const name = options.servername ?? url.hostname.replace(/^\[|\]$/g, '');
    Object.assign(requestOptions, {
      ca: options.ca,
      cert: options.identity?.cert,
      key: options.identity?.key?.reveal(),
      rejectUnauthorized: options.insecureSkipVerify !== true,
      // SNI carries names only; the certificate is still checked against the IP when no name is given.
      // Node checks the certificate against servername when set, else against the dialled host.
      ...(net.isIP(name) ? {} : { servername: name }),
    });
  }
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: KubeletResult<http.IncomingMessage>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const client = (secure ? https : http).request(url, requestOptions, (res) => settle({ ok: true, value: res, status: res.statusCode ?? 0, request: info }));
    const timer = setTimeout(() => {
      settle(failureOf('timeout', info, `no answer within ${options.timeoutMs} ms`));
      client.destroy();
    }, options.timeoutMs);
    client.on('error', (error: NodeJS.ErrnoException) => {
      const { kind, verify } = classify(error);
      settle(failureOf(kind, info, error.message, verify ? { verify } : {}));
    });
    client.end();
  });
}

/** Reads a body up to `maxBytes` within `timeoutMs`. */
export function readCapped(body: Readable, maxBytes: number, timeoutMs: number): Promise<{ body: Buffer; outcome: 'ok' | 'too-large' | 'timeout' | 'reset'; error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (outcome: 'ok' | 'too-large' | 'timeout' | 'reset', error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (outcome !== 'ok') body.destroy();
      resolve({ body: Buffer.concat(chunks), outcome, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish('timeout', `body not complete within ${timeoutMs} ms`), timeoutMs);
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.push(chunk.subarray(0, chunk.length - (size - maxBytes)));
        finish('too-large', `answer larger than ${maxBytes} bytes`);
        return;
      }
      chunks.push(chunk);
    });
    body.on('end', () => finish('ok'));
    body.on('error', (error) => finish('reset', error.message));
    body.on('close', () => finish(body.readableEnded ? 'ok' : 'reset', 'connection closed before the answer was complete'));
  });
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
