// What Go's net/http and go-restful put on the wire, so stand-ins answer byte for byte like upstream.
import type http from 'node:http';
import type http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';

export type Res = http.ServerResponse | http2.Http2ServerResponse;
export type Req = http.IncomingMessage | http2.Http2ServerRequest;

export const TEXT = 'text/plain; charset=utf-8';
export const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' } as const;

export type Headers = Record<string, string | number | readonly string[]>;

export interface Reply {
  status: number;
  headers?: Headers;
  body?: string | Buffer;
}

export function send(res: Res, reply: Reply): void {
  if (res.headersSent || res.writableEnded) return;
  const body = reply.body ?? '';
  const headers: Headers = { ...reply.headers };
  // Go sniffs a Content-Type when the handler set none and wrote a body.
  if (!hasHeader(headers, 'content-type') && body.length > 0) headers['Content-Type'] = sniff(body);
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value as string | string[]);
  // Go sets Content-Length on every small answer it writes in one go, over HTTP/2 too.
  if (!hasHeader(headers, 'content-length') && reply.status !== 304 && reply.status >= 200) res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function hasHeader(headers: Headers, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** A tiny subset of Go's http.DetectContentType: enough for what these servers write. */
export function sniff(body: string | Buffer): string {
  const start = (typeof body === 'string' ? body.slice(0, 32) : body.subarray(0, 32).toString('latin1')).trimStart().toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<pre') || start.startsWith('<a ') || start.startsWith('<head')) return 'text/html; charset=utf-8';
  const bytes = typeof body === 'string' ? Buffer.from(body.slice(0, 512)) : body.subarray(0, 512);
  if (bytes.some((b) => b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b))) return 'application/octet-stream';
  return TEXT;
}

/** Go's http.Error: text, nosniff, the message and a newline. */
export function goError(status: number, message: string): Reply {
  return { status, headers: { 'Content-Type': TEXT, ...NOSNIFF }, body: `${message}\n` };
}

export const goNotFound = (): Reply => goError(404, '404 page not found');

/** Go's ServeMux redirect from a subtree root without its slash (`/runningpods` -> `/runningpods/`). */
export function goRedirect(method: string, target: string): Reply {
  const headers: Headers = { Location: target };
  if (method === 'GET' || method === 'HEAD') {
    headers['Content-Type'] = 'text/html; charset=utf-8';
    return { status: 301, headers, body: method === 'GET' ? `<a href="${target}">Moved Permanently</a>.\n\n` : '' };
  }
  return { status: 301, headers };
}

/** go-restful's WriteErrorString: status and the bare text, no Content-Type of its own (Go sniffs it). */
export function restfulError(status: number, text: string): Reply {
  return { status, body: text };
}

export function json(status: number, value: unknown, headers: Headers = {}): Reply {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: typeof value === 'string' ? value : JSON.stringify(value) };
}

/**
 * The apiserver libraries pretty-print JSON for curl, Wget and browsers (or ?pretty=true), and otherwise write it
 * compact with the encoder's newline (apimachinery's negotiation `isPrettyPrint`).
 */
export function prettyFor(req: Req): boolean {
  const pretty = urlOf(req).searchParams.get('pretty');
  if (pretty !== null && pretty !== '') return ['1', 't', 'true', 'True', 'TRUE'].includes(pretty);
  const agent = String(req.headers['user-agent'] ?? '');
  return agent.startsWith('curl') || agent.startsWith('Wget') || agent.startsWith('Mozilla/5.0');
}

export function encodeJson(value: unknown, pretty: boolean): string {
  const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value) + '\n';
  // Go's encoding/json escapes HTML characters.
  return text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** A Kubernetes metav1.Status failure as the apiserver libraries write it. */
export function status(req: Req, code: number, reason: string, message: string, extra: Record<string, unknown> = {}): Reply {
  const value = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...extra, code };
  return { status: code, headers: { 'Content-Type': 'application/json', ...NOSNIFF }, body: encodeJson(value, prettyFor(req)) };
}

export function methodOf(req: Req): string {
  return (req.method ?? 'GET').toUpperCase();
}

export function urlOf(req: Req): URL {
  return new URL(req.url ?? '/', 'http://lab.invalid');
}

export function tlsSocketOf(req: Req): TLSSocket | undefined {
  const socket = req.socket as TLSSocket | undefined;
  return socket && typeof socket.getPeerCertificate === 'function' ? socket : undefined;
}

/** Reads a request body up to a cap; beyond it the rest is dropped. */
export async function readBody(req: Req, cap = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= cap) chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Kubernetes' healthz handler output (staging/src/k8s.io/apiserver/pkg/server/healthz/healthz.go). */
export function healthz(name: string, checks: readonly { name: string; error?: string | undefined }[], url: URL): Reply {
  const verbose = url.searchParams.has('verbose');
  const excluded = new Set(url.searchParams.getAll('exclude'));
  const lines: string[] = [];
  let failed = false;
  for (const check of checks) {
    if (excluded.has(check.name)) {
      lines.push(`[+]${check.name} excluded: ok`);
      excluded.delete(check.name);
      continue;
    }
    if (check.error !== undefined) {
      failed = true;
      lines.push(`[-]${check.name} failed: reason withheld`);
    } else {
      lines.push(`[+]${check.name} ok`);
    }
  }
  if (excluded.size > 0) lines.push(`warn: some health checks cannot be excluded: no matches for ${[...excluded].map((e) => `"${e}"`).join(',')}`);
  const headers = { 'Content-Type': TEXT, ...NOSNIFF };
  if (failed) return { status: 500, headers, body: `${lines.join('\n')}\n${name} check failed\n` };
  if (!verbose) return { status: 200, headers, body: 'ok' };
  return { status: 200, headers, body: `${lines.join('\n')}\n${name} check passed\n` };
}

/** One check's own sub-path (`/healthz/<check>`): the real error is shown there. */
export function healthzCheck(check: { name: string; error?: string | undefined }): Reply {
  if (check.error !== undefined) return goError(500, `internal server error: ${check.error}`);
  // A passing sub-path writes `ok` with no headers of its own (sniffed, no nosniff).
  return { status: 200, body: 'ok' };
}
