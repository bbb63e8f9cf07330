// Opening a stream for exec, attach and port-forward: a WebSocket offering v5 and v4 of the channel protocol, straight
// to a kubelet (`/exec/<ns>/<pod>/<container>?input=1…`) or through the API server (`…/pods/<pod>/exec?stdin=true…`),
// within a setup deadline and with every bound a hostile peer could abuse; a refusal or no answer is an outcome.
import net from 'node:net';
import { WebSocket, type ClientOptions } from 'ws';
import { InputError } from '../errors.ts';
import { CLIENT_PROTOCOLS, streamQuery, type StreamParams } from './channel.ts';
import { excerpt } from '../redact.ts';
import { tlsClientOptions } from './transport/trust.ts';
import type { Identity } from './identity.ts';

/** Where a stream goes: the kubelet's own API (port 10250 by default) or the API server's pod subresources. */
export type StreamTransport =
  | { kind: 'kubelet'; host: string; port?: number; ca?: string; insecureSkipVerify?: boolean; servername?: string }
  | { kind: 'apiserver'; server: string; ca?: string; insecureSkipVerify?: boolean; servername?: string };

export interface StreamTarget {
  transport: StreamTransport;
  identity: Identity;
  ns: string;
  pod: string;
  /** Deadline for setting up: connect, TLS, upgrade and a refusal's body (default SETUP_DEADLINE_MS). */
  deadlineMs?: number;
  signal?: AbortSignal;
}

export interface StreamResult {
  /**
   * ok: upgraded and ended (with the remote status when one came); refused: the upgrade was answered with an HTTP
   * status; down: no answer (refused connection, TLS failure, nothing within the setup deadline); broken: the peer
   * answered but the stream could not be used (a bad handshake, a frame or a channel over its bound, a hang-up).
   */
  outcome: 'ok' | 'refused' | 'down' | 'broken';
  protocol?: string;
  /** The remote command's exit status, from the status channel (v4+: the NonZeroExitCode cause). */
  exitCode?: number;
  /** The v4+ status object as sent on channel 3. */
  status?: Record<string, unknown>;
  /** The upgrade's refusal: HTTP status and the start of its body (at most REFUSAL_BODY_BYTES). */
  httpStatus?: number;
  body?: string;
  /** The setup deadline passed: before any answer (down), or while a refusal's body was still coming. */
  timedOut?: boolean;
  /** The caller's signal ended the stream (or its setup). */
  aborted?: boolean;
  /** The errno or TLS code behind a `down` outcome (ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID, …). */
  code?: string;
  error?: string;
}

/** Setting up a stream (connect, TLS, upgrade, a refusal's body) ends after this long unless told otherwise. */
export const SETUP_DEADLINE_MS = 30_000;
/** The largest message taken from a peer: runtimes write 32 KiB at a time; more is a peer to stop, not to buffer. */
export const MAX_MESSAGE_BYTES = 8 << 20;
/** The error channel carries one small Status; more than this is a hostile or broken peer. */
export const MAX_STATUS_BYTES = 64 << 10;
/** How much of a refused upgrade's body is kept (a Status is well under it). */
export const REFUSAL_BODY_BYTES = 64 << 10;
/** How long a peer gets to close after the exit status, and to answer our close, before the socket is cut. */
export const CLOSE_GRACE_MS = 1000;

/** An IP address or a DNS name (RFC 1123 labels): nothing that could carry a path, a query or credentials. */
export function isHostName(host: string): boolean {
  return net.isIP(host) !== 0 || (host.length <= 253 && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(host));
}

function hostPort(host: string, port: number): string {
  // A host from a peer (a node's address) must not reshape the URL.
  if (!isHostName(host)) throw new InputError(`not a host name or IP address: "${excerpt(host)}"`);
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The wss:// URL of a stream, with the query names the transport expects. */
export function streamUrl(target: StreamTarget, kind: 'exec' | 'attach', params: StreamParams & { container: string }): string;
export function streamUrl(target: StreamTarget, kind: 'portforward', params: { ports: readonly number[] }): string;
export function streamUrl(target: StreamTarget, kind: 'exec' | 'attach' | 'portforward', params: (StreamParams & { container?: string }) | { ports: readonly number[] }): string {
  const t = target.transport;
  const ns = encodeURIComponent(target.ns);
  const pod = encodeURIComponent(target.pod);
  const query = new URLSearchParams();
  let path: string;
  if (kind === 'portforward') {
    const ports = 'ports' in params ? params.ports : [];
    for (const port of ports) query.append(t.kind === 'kubelet' ? 'port' : 'ports', String(port));
    path = t.kind === 'kubelet' ? `/portForward/${ns}/${pod}` : `/api/v1/namespaces/${ns}/pods/${pod}/portforward`;
  } else {
    const p = params as StreamParams & { container: string };
    for (const [k, v] of streamQuery(t.kind === 'kubelet' ? { ...p, container: undefined } : p, t.kind)) query.append(k, v);
    path = t.kind === 'kubelet' ? `/${kind}/${ns}/${pod}/${encodeURIComponent(p.container)}` : `/api/v1/namespaces/${ns}/pods/${pod}/${kind}`;
  }
  const base = t.kind === 'kubelet' ? `wss://${hostPort(t.host, t.port ?? 10250)}` : t.server.replace(/^http/, 'ws').replace(/\/+$/, '');
  return `${base}${path}?${query.toString()}`;
}

/** The TLS and credential options of a WebSocket (ws hands them to tls.connect). */
export interface WsTrust {
  headers: Record<string, string>;
  cert?: string;
  key?: string;
  ca?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

/**
 * Who kia is and whom it trusts on a stream: the identity's certificate or token, the peer's CA, verification and
 * the name to verify. The one place a WebSocket takes TLS and credential options (the transport will supply them).
 */
export function wsOptions(target: StreamTarget): WsTrust {
  const t = target.transport;
  return tlsClientOptions(target.identity, { ...(t.ca ? { ca: t.ca } : {}), ...(t.insecureSkipVerify ? { insecureSkipVerify: true } : {}), ...(t.servername ? { serverName: t.servername } : {}) });
}

type Handler = (data: Buffer, isBinary: boolean) => void;
export interface Opened {
  ws: WebSocket;
  /** Replays the frames that came with the 101, then hands every further frame to `handler`. */
  listen(handler: Handler): void;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

/** Why an opening handshake failed: a network or TLS error (with its code) is no answer; the rest is a bad answer. */
function handshakeFailure(error: Error & { code?: unknown }): StreamResult {
  if (typeof error.code === 'string') return { outcome: 'down', code: error.code, error: error.message };
  return { outcome: 'broken', error: `the WebSocket upgrade failed: ${error.message}` };
}

/**
 * Opens the WebSocket offering v5 and v4, within the setup deadline; a refusal, no answer or a bad handshake comes
 * back as a result. Frames that arrive with the 101 are delivered before the caller can listen, so they are kept
 * until it does.
 */
export function openChannel(url: string, target: StreamTarget): Promise<Opened | StreamResult> {
  const deadlineMs = target.deadlineMs ?? SETUP_DEADLINE_MS;
  return new Promise((resolve) => {
    // closeTimeout (in ws 8.23, not yet in @types/ws): how long close() waits for the peer's close frame.
    const options: ClientOptions & WsTrust & { closeTimeout: number } = {
      ...wsOptions(target),
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
      closeTimeout: CLOSE_GRACE_MS,
      // Every frame is masked with a random key, as RFC 6455 requires; ws masks natively with bufferutil (a
      // dependency for that reason: masking in JavaScript took a quarter of the client's CPU in a port-forward).
    };
    const ws = new WebSocket(url, [...CLIENT_PROTOCOLS], options);
    const early: [Buffer, boolean][] = [];
    const keep = (data: Buffer, isBinary: boolean) => early.push([data, isBinary]);
    ws.on('message', keep);
    const listen = (handler: Handler) => {
      ws.off('message', keep);
      for (const [data, isBinary] of early.splice(0)) handler(data, isBinary);
      ws.on('message', handler);
    };
    // A refusal being read: its status, and its body up to REFUSAL_BODY_BYTES.
    let refusal: { status: number; chunks: Buffer[]; size: number } | undefined;
    const refused = (timedOut: boolean): StreamResult => ({
      outcome: 'refused',
      httpStatus: refusal?.status ?? 0,
      body: Buffer.concat(refusal?.chunks ?? []).subarray(0, REFUSAL_BODY_BYTES).toString('utf8'),
      ...(timedOut ? { timedOut } : {}),
    });
    let settled = false;
    const settle = (result: Opened | StreamResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', abort);
      if (!('ws' in result)) ws.terminate();
      resolve(result);
    };
    const host = new URL(url).host;
    const timer = setTimeout(() => settle(refusal ? refused(true) : { outcome: 'down', timedOut: true, error: `no answer to the WebSocket upgrade from ${host} within ${seconds(deadlineMs)}` }), deadlineMs);
    const abort = () => settle({ outcome: 'down', aborted: true, error: 'aborted' });
    target.signal?.addEventListener('abort', abort, { once: true });
    if (target.signal?.aborted) abort();
    ws.once('open', () => settle({ ws, listen }));
    ws.once('unexpected-response', (_req, res) => {
      const got = { status: res.statusCode ?? 0, chunks: [] as Buffer[], size: 0 };
      refusal = got;
      res.on('data', (chunk: Buffer) => {
        got.chunks.push(chunk);
        // Enough to quote: an endless body is not read to its end.
        if ((got.size += chunk.length) >= REFUSAL_BODY_BYTES) settle(refused(false));
      });
      res.once('end', () => settle(refused(false)));
      res.once('error', () => settle(refused(false)));
      res.once('close', () => settle(refused(false)));
    });
    // After settling, errors of a torn-down handshake are expected and ignored.
    ws.on('error', (error) => settle(refusal ? refused(false) : handshakeFailure(error)));
  });
}
