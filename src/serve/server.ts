// `kia serve`'s HTTP side: /metrics for Prometheus, the dashboard at /, its JSON API under /api/, server-sent events
// after each cycle. Loopback by default; a bearer token or client certificates can be required.
import { timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { DASHBOARD_HEADERS, loadDashboard } from './dashboard.ts';
import type { ProcessMetrics } from './metrics.ts';
import type { Monitor } from './monitor.ts';

export interface ServerOptions {
  host: string;
  port: number;
  /** Require `Authorization: Bearer <token>` (or the dashboard's cookie, set by `/?token=`). */
  token?: string;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string; clientCa?: string };
  /** Most dashboards listening for events at once. */
  maxEventClients?: number;
  /** Where the built dashboard is (default: dist/dashboard/ of this package). */
  dashboardDir?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Sends the current state to every open event stream (after each cycle and audit). */
  broadcast(): void;
  /** Event streams open now. */
  readonly clients: number;
  close(): Promise<void>;
}

const COOKIE = 'kia_token';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function send(res: http.ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...DASHBOARD_HEADERS, ...extra });
  res.end(body);
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

export async function startServer(monitor: Monitor, metrics: ProcessMetrics, options: ServerOptions): Promise<RunningServer> {
  const assets = loadDashboard(options.dashboardDir);
  const expected = options.token ? digest(options.token) : undefined;
  const events = new Set<http.ServerResponse>();
  const maxClients = options.maxEventClients ?? 64;

  const authorised = (req: http.IncomingMessage): boolean => {
    if (options.tls?.clientCa && !(req.socket as TLSSocket).authorized) return false;
    if (!expected) return true;
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer (.+)$/i.exec(header)?.[1];
    const cookie = /(?:^|;\s*)kia_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given = bearer ?? (cookie ? decodeURIComponent(cookie) : undefined);
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };

  const broadcast = () => {
    if (events.size === 0) return;
    const frame = `event: cycle\ndata: ${JSON.stringify(monitor.state())}\n\n`;
    for (const res of events) res.write(frame);
  };
  const heartbeat = setInterval(() => {
    for (const res of events) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://kia.invalid');
    const path = url.pathname;
    if (path === '/healthz') return send(res, 200, 'text/plain; charset=utf-8', 'ok');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
    // The dashboard's way in for a browser: the token once in the URL, then an HttpOnly cookie.
    if (path === '/' && expected && url.searchParams.has('token')) {
      const given = url.searchParams.get('token') ?? '';
      if (!timingSafeEqual(digest(given), expected)) return send(res, 401, 'text/plain; charset=utf-8', 'unauthorized\n');
      const secure = options.tls ? '; Secure' : '';
      res.writeHead(303, { location: './', 'set-cookie': `${COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/${secure}`, ...DASHBOARD_HEADERS });
      return res.end();
    }
    if (!authorised(req)) return send(res, 401, 'text/plain; charset=utf-8', 'unauthorized: give the bearer token (Authorization: Bearer …, or open /?token=…)\n', { 'www-authenticate': 'Bearer realm="kia"' });
    switch (path) {
      case '/metrics': {
        // The probe series as the engine rendered them after its last cycle, then this process's own, live.
        const body = `${await monitor.probeMetrics()}\n${await metrics.metrics()}`;
        return send(res, 200, metrics.contentType, body);
      }
      case '/api/state':
        return json(res, 200, monitor.state());
      case '/api/health':
        return monitor.lastReport ? json(res, 200, monitor.lastReport) : json(res, 503, { error: 'no cycle yet' });
      case '/api/findings':
        return json(res, 200, monitor.lastFindings);
      case '/api/cell': {
        const cell = monitor.cell(url.searchParams.get('node') ?? '', url.searchParams.get('component') ?? '');
        return cell ? json(res, 200, cell) : json(res, 404, { error: 'no such node and component' });
      }
      case '/api/events': {
        if (events.size >= maxClients) return send(res, 503, 'text/plain; charset=utf-8', 'too many event streams\n', { 'retry-after': '10' });
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', ...DASHBOARD_HEADERS });
        res.write(`retry: 2000\nevent: cycle\ndata: ${JSON.stringify(monitor.state())}\n\n`);
        events.add(res);
        req.on('close', () => events.delete(res));
        return;
      }
      default: {
        const asset = assets[path];
        if (asset) return send(res, 200, asset.contentType, req.method === 'HEAD' ? '' : asset.body);
        return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      }
    }
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      else res.destroy();
    });
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key, ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, listener)
    : http.createServer(listener);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}/`,
    port: address.port,
    broadcast,
    get clients() {
      return events.size;
    },
    close: async () => {
      clearInterval(heartbeat);
      for (const res of events) res.end();
      events.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
