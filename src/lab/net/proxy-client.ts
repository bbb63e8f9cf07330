// The lab stand-in API server's own client for what it proxies (kubelet streams, the authentication webhook): one
// HTTP(S) request with a timeout and a byte cap. It plays upstream's client inside the lab; kia itself reaches the
// network only through clients/transport.
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Identity } from '../../clients/identity.ts';

export interface HttpRequest {
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  identity?: Identity;
  /** PEM bundle to verify the server with; absent = the system roots. */
  ca?: string;
  /** TLS verification is on unless this is set. */
  insecureSkipVerify?: boolean;
  /** Name to verify the server certificate against, when it differs from the URL host. */
  servername?: string;
  timeoutMs?: number;
  maxBytes?: number;
  agent?: http.Agent | false;
}

export type HttpOutcome = 'ok' | 'refused' | 'timeout' | 'tls-error' | 'reset' | 'too-large' | 'error';

export interface HttpResponse {
  outcome: HttpOutcome;
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body: Buffer;
  /** True when the body was cut at maxBytes. */
  truncated: boolean;
  error?: string;
  tls?: { protocol: string | null; authorized: boolean; authorizationError?: string };
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 16 << 20;

function classify(error: NodeJS.ErrnoException): HttpOutcome {
  if (error.code === 'ECONNREFUSED') return 'refused';
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return 'reset';
  if (error.code?.startsWith('ERR_TLS') || error.code?.startsWith('ERR_SSL') || /certificate|SSL|TLS|alert/i.test(error.message)) return 'tls-error';
  return 'error';
}

export function request(req: HttpRequest): Promise<HttpResponse> {
  const url = typeof req.url === 'string' ? new URL(req.url) : req.url;
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
  const headers: Record<string, string> = { ...req.headers };
  if (req.identity?.token) headers.authorization = `Bearer ${req.identity.token.reveal()}`;
  if (req.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = {
    method: req.method ?? 'GET',
    headers,
    agent: req.agent ?? false,
    timeout: timeoutMs,
  };
  if (secure) {
    Object.assign(options, {
      ca: req.ca,
      cert: req.identity?.cert,
      key: req.identity?.key?.reveal(),
      rejectUnauthorized: !req.insecureSkipVerify,
      servername: req.servername ?? (/^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname),
    });
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (response: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(response);
    };
    const client = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const socket = res.socket as TLSSocket;
      const tls = secure
        ? { protocol: socket.getProtocol?.() ?? null, authorized: socket.authorized ?? false, ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}) }
        : undefined;
      res.on('data', (chunk: Buffer) => {
        if (truncated) return;
        size += chunk.length;
        if (size > maxBytes) {
          chunks.push(chunk.subarray(0, chunk.length - (size - maxBytes)));
          truncated = true;
          res.destroy();
          finish({ outcome: 'too-large', status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), truncated, ...(tls ? { tls } : {}) });
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish({ outcome: 'ok', status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), truncated, ...(tls ? { tls } : {}) }));
      res.on('error', (error: NodeJS.ErrnoException) =>
        finish({ outcome: classify(error), status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), truncated, error: error.message }),
      );
    });
    // One deadline for the whole exchange, not only for idle sockets.
    const timer = setTimeout(() => {
      client.destroy();
      finish({ outcome: 'timeout', body: Buffer.alloc(0), truncated: false, error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    client.on('timeout', () => client.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    client.on('error', (error: NodeJS.ErrnoException) => finish({ outcome: settled ? 'error' : classify(error), body: Buffer.alloc(0), truncated: false, error: error.message }));
    if (req.body !== undefined) client.write(req.body);
    client.end();
  });
}

/**
 * Opens a request and hands back the live response for streaming (follow, proxy), with a connect-and-headers
 * deadline; the caller owns the body and must consume or destroy it.
 */
export function openStream(req: HttpRequest & { bodyStream?: NodeJS.ReadableStream }): Promise<{ res?: http.IncomingMessage; outcome: HttpOutcome; error?: string }> {
  const url = typeof req.url === 'string' ? new URL(req.url) : req.url;
  const secure = url.protocol === 'https:';
  const headers: Record<string, string> = { ...req.headers };
  if (req.identity?.token) headers.authorization = `Bearer ${req.identity.token.reveal()}`;
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    const options: https.RequestOptions = { method: req.method ?? 'GET', headers, agent: req.agent ?? false };
    if (secure) Object.assign(options, { ca: req.ca, cert: req.identity?.cert, key: req.identity?.key?.reveal(), rejectUnauthorized: !req.insecureSkipVerify });
    const client = (secure ? https : http).request(url, options, (res) => {
      clearTimeout(timer);
      resolve({ res, outcome: 'ok' });
    });
    const timer = setTimeout(() => {
      client.destroy();
      resolve({ outcome: 'timeout', error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    client.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ outcome: classify(error), error: error.message });
    });
    if (req.bodyStream) req.bodyStream.pipe(client);
    else {
      if (req.body !== undefined) client.write(req.body);
      client.end();
    }
  });
}
