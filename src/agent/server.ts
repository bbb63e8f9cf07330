// The agent's HTTPS side: /healthz and /readyz for the kubelet's probes (plain, nothing sensitive), /metrics and
// /api/report for callers the authorisation lets in. Without authorisation it serves loopback only (the CLI holds
// that line) and refuses a Host that does not name it, as `kia serve` does.
import https from 'node:https';
import type http from 'node:http';
import type { TLSSocket } from 'node:tls';
import { listenOn } from '../serve/listen.ts';
import { crossSiteReason, hostAllowed } from '../serve/origin-guard.ts';
import type { AgentPage, ApiServerAuthorizer, Verdict } from './authorize.ts';
import type { NodeView } from './node-view.ts';
import type { ProcessMetrics } from '../serve/process-metrics.ts';

export interface AgentServerOptions {
  host: string;
  port: number;
  /** Serving certificate and key (PEM); `clientCa`: client certificates it signed are let in. */
  tls: { cert: string; key: string; clientCa?: string };
  /** Bearer tokens reviewed by the API server. */
  authorizer?: ApiServerAuthorizer;
  /** Milliseconds a client has to send its request headers (default 10 s). */
  headersTimeoutMs?: number;
}

export interface RunningAgentServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';
const HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function send(res: http.ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...HEADERS, ...extra });
  res.end(body);
}

/**
 * The caller's bearer token: `Authorization`, or `X-Kia-Authorization` when the request came through the API
 * server's pods proxy (which removes the Authorization header it authenticated before it forwards the request).
 */
function bearerOf(req: http.IncomingMessage): string | undefined {
  for (const header of [req.headers.authorization, req.headers['x-kia-authorization']]) {
    const value = Array.isArray(header) ? header[0] : header;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '')?.[1];
    if (token) return token;
  }
  return undefined;
}

export async function startAgentServer(view: NodeView, processMetrics: ProcessMetrics, options: AgentServerOptions): Promise<RunningAgentServer> {
  const open = !options.authorizer && !options.tls.clientCa;
  let policy = { listenHost: options.host, port: options.port };

  const authorise = async (req: http.IncomingMessage, page: AgentPage): Promise<Verdict> => {
    if (open) return { allowed: true, who: 'loopback' };
    const socket = req.socket as TLSSocket;
    if (options.tls.clientCa && socket.authorized) return { allowed: true, who: 'client certificate' };
    const token = bearerOf(req);
    if (token && options.authorizer) return options.authorizer.check(token, page);
    return { allowed: false, status: 401, reason: options.authorizer ? 'give a bearer token the API server vouches for' : 'give a client certificate' };
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Open on loopback: a page elsewhere must not reach it by a name it controls (DNS rebinding).
    if (open && !hostAllowed(req.headers.host, policy)) return send(res, 403, TEXT, 'forbidden: the Host header does not name this server\n');
    const crossSite = crossSiteReason(req.headers);
    if (crossSite) return send(res, 403, TEXT, `forbidden: a request from another site (${crossSite})\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, TEXT, 'method not allowed\n', { allow: 'GET, HEAD' });
    const path = new URL(req.url ?? '/', 'https://kia.invalid').pathname;
    if (path === '/healthz') return send(res, 200, TEXT, 'ok');
    if (path === '/readyz') return view.snapshot ? send(res, 200, TEXT, 'ok') : send(res, 503, TEXT, 'no cycle yet');
    if (path !== '/metrics' && path !== '/api/report') return send(res, 404, TEXT, 'not found\n');
    const verdict = await authorise(req, path);
    if (!verdict.allowed) return send(res, verdict.status, TEXT, `${verdict.status === 401 ? 'unauthorized' : verdict.status === 403 ? 'forbidden' : 'unavailable'}: ${verdict.reason}\n`, verdict.status === 401 ? { 'www-authenticate': 'Bearer realm="kia-agent"' } : {});
    const snapshot = view.snapshot;
    if (!snapshot) return send(res, 503, TEXT, 'no cycle yet\n');
    // The node's series as the last cycle rendered them, then this process's own, live (as kia serve).
    if (path === '/metrics') return send(res, 200, processMetrics.contentType, view.secrets.scrub(`${snapshot.metrics}\n${await processMetrics.metrics()}`, { shapes: false }));
    return send(res, 200, 'application/json', view.secrets.scrub(JSON.stringify(snapshot.report)));
  };
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const server = https.createServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      // Asked, not required: the kubelet's probes of /healthz and /readyz come without one.
      ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
      headersTimeout,
      requestTimeout: Math.max(30_000, headersTimeout),
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
    },
    (req, res) => {
      handler(req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, TEXT, `internal error: ${error instanceof Error ? error.message : String(error)}\n`);
        else res.destroy();
      });
    },
  );
  const bound = await listenOn(server, { host: options.host, port: options.port, scheme: 'https' });
  policy = { ...policy, port: bound.port };
  return {
    url: bound.url,
    port: bound.port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
