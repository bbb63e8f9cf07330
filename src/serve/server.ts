// `kia serve`'s HTTP side: /metrics for Prometheus, the dashboard at /, its JSON API under /api/, server-sent events
// after each cycle. Loopback by default; a bearer token or client certificates can be required. Every request must
// name this server in its Host and come from no other site, so that no web page can read it.
import { timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { DASHBOARD_HEADERS, loadDashboard } from './dashboard.ts';
import { eventStreams } from './event-streams.ts';
import { listenOn } from './listen.ts';
import type { ProcessMetrics } from './process-metrics.ts';
import type { Monitor } from './monitor.ts';
import { crossSiteReason, hostAllowed } from './origin-guard.ts';

export interface ServerOptions {
  host: string;
  port: number;
  /** Require `Authorization: Bearer <token>` (or the dashboard's cookie, set by `/?token=`). */
  token?: string;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string; clientCa?: string };
  /**
   * Names besides the listen address, `localhost` and loopback literals that the Host header may carry (a DNS name,
   * a reverse proxy's; `name:port` for one port only). Any other Host is refused: DNS rebinding.
   */
  allowedHosts?: readonly string[];
  /** Most dashboards listening for events at once (default 64). */
  maxEventClients?: number;
  /** Bytes an event stream may hold unsent when the next frame is due before it is cut (default 4 MiB). */
  maxEventBufferBytes?: number;
  /** Milliseconds a client has to send its request headers (default 10 s): slow senders are cut. */
  headersTimeoutMs?: number;
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
  /** Bytes waiting to be sent to the event streams now. */
  readonly eventBufferedBytes: number;
  /** Event streams cut because their reader did not keep up. */
  readonly droppedClients: number;
  close(): Promise<void>;
}

const COOKIE = 'kia_token';
const TEXT = 'text/plain; charset=utf-8';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function send(res: http.ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...DASHBOARD_HEADERS, ...extra });
  res.end(body);
}

export async function startServer(monitor: Monitor, metrics: ProcessMetrics, options: ServerOptions): Promise<RunningServer> {
  // What a peer sent back is data kia serves: every secret the monitor holds is scrubbed from it first.
  const json = (res: http.ServerResponse, status: number, value: unknown) => send(res, status, 'application/json', monitor.secrets.scrub(JSON.stringify(value)));
  const stateEvent = () => `event: cycle\ndata: ${monitor.secrets.scrub(JSON.stringify(monitor.state()))}\n\n`;
  const assets = loadDashboard(options.dashboardDir);
  const expected = options.token ? digest(options.token) : undefined;
  const events = eventStreams({ maxClients: options.maxEventClients ?? 64, maxBufferedBytes: options.maxEventBufferBytes ?? 4 * 1024 * 1024, heartbeatMs: 15_000 });
  let rendered: { text: string; secrets: number; bytes: Buffer } | undefined;
  const probeBytes = (text: string): Buffer => {
    const secrets = monitor.secrets.size;
    if (rendered?.text !== text || rendered.secrets !== secrets) rendered = { text, secrets, bytes: Buffer.from(monitor.secrets.scrub(text, { shapes: false })) };
    return rendered.bytes;
  };
  // Known once listening (port 0 picks one).
  let policy = { listenHost: options.host, port: options.port, allowedHosts: options.allowedHosts ?? [] };

  const authorised = (req: http.IncomingMessage): boolean => {
    if (options.tls?.clientCa && !(req.socket as TLSSocket).authorized) return false;
    if (!expected) return true;
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer (.+)$/i.exec(header)?.[1];
    const cookie = /(?:^|;\s*)kia_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given = bearer ?? (cookie ? decodeURIComponent(cookie) : undefined);
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Before anything else, even /healthz: a page elsewhere learns nothing, not even that kia is here.
    if (!hostAllowed(req.headers.host, policy)) return send(res, 403, TEXT, 'forbidden: the Host header does not name this server (add the name with --allowed-host)\n');
    const crossSite = crossSiteReason(req.headers);
    if (crossSite) return send(res, 403, TEXT, `forbidden: a request from another site (${crossSite}); open the dashboard by its own address\n`);
    const url = new URL(req.url ?? '/', 'http://kia.invalid');
    const path = url.pathname;
    if (path === '/healthz') return send(res, 200, TEXT, 'ok');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, TEXT, 'method not allowed\n', { allow: 'GET, HEAD' });
    // The dashboard's way in for a browser: the token once in the URL, then an HttpOnly cookie.
    if (path === '/' && expected && url.searchParams.has('token')) {
      const given = url.searchParams.get('token') ?? '';
      if (!timingSafeEqual(digest(given), expected)) return send(res, 401, TEXT, 'unauthorized\n');
      const secure = options.tls ? '; Secure' : '';
      res.writeHead(303, { location: './', 'set-cookie': `${COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/${secure}`, ...DASHBOARD_HEADERS });
      return res.end();
    }
    if (!authorised(req)) return send(res, 401, TEXT, 'unauthorized: give the bearer token (Authorization: Bearer …, or open /?token=…)\n', { 'www-authenticate': 'Bearer realm="kia"' });
    switch (path) {
      case '/metrics': {
        // The probe series as the engine rendered them after its last cycle (scrubbed and encoded once per cycle, not
        // once per scrape: they are most of the bytes), then this process's own, live.
        const probes = probeBytes(await monitor.probeMetrics());
        const own = Buffer.from(`\n${monitor.secrets.scrub(await metrics.metrics(), { shapes: false })}`);
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': probes.length + own.length, ...DASHBOARD_HEADERS });
        res.write(probes);
        return res.end(own);
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
      case '/api/events':
        return events.open(res, DASHBOARD_HEADERS, `retry: 2000\n${stateEvent()}`);
      default: {
        const asset = assets[path];
        if (asset) return send(res, 200, asset.contentType, req.method === 'HEAD' ? '' : asset.body);
        return send(res, 404, TEXT, 'not found\n');
      }
    }
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, TEXT, `internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      else res.destroy();
    });
  };
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  // Node checks its timeouts every connectionsCheckingInterval (30 s by default): often enough for the one we set.
  const serverOptions = { headersTimeout, requestTimeout: Math.max(30_000, headersTimeout), connectionsCheckingInterval: Math.min(1000, headersTimeout) };
  const server = options.tls
    ? https.createServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key, ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, listener)
    : http.createServer(serverOptions, listener);
  const bound = await listenOn(server, { host: options.host, port: options.port, scheme: options.tls ? 'https' : 'http' });
  policy = { ...policy, port: bound.port };
  return {
    url: bound.url,
    port: bound.port,
    broadcast: () => {
      if (events.clients > 0) events.broadcast(stateEvent());
    },
    get clients() {
      return events.clients;
    },
    get eventBufferedBytes() {
      return events.bufferedBytes;
    },
    get droppedClients() {
      return events.dropped;
    },
    close: async () => {
      events.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
