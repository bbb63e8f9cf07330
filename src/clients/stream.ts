// exec, attach and port-forward over WebSocket with the channel protocol of channel.ts, straight to a kubelet
// (`/exec/<ns>/<pod>/<container>?input=1…`) or through the API server (`…/pods/<pod>/exec?stdin=true…`).
// kia offers v5 and v4 and handles either; a refused upgrade, a dead peer or a remote failure are outcomes.
import type { Readable, Writable } from 'node:stream';
import { WebSocket } from 'ws';
import { UsageError } from '../errors.ts';
import { CHANNEL, CLIENT_PROTOCOLS, closeFrame, decodeFrame, encodeFrame, exitCodeOf, resizeFrame, streamQuery, type StreamParams } from './channel.ts';
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
  /** Deadline for the upgrade handshake (default 10 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface TerminalSize {
  width: number;
  height: number;
}

export interface AttachOptions extends StreamTarget {
  container: string;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty?: boolean;
  /** Called once with a function that sends a terminal size; may return an unsubscribe. */
  onResize?: (send: (size: TerminalSize) => void) => (() => void) | void;
}

export interface ExecOptions extends AttachOptions {
  command: readonly string[];
}

export interface StreamResult {
  /** ok: upgraded and ended; refused: the upgrade was answered with an HTTP status; error: no answer or a broken stream. */
  outcome: 'ok' | 'refused' | 'error';
  protocol?: string;
  /** The remote command's exit status, from the status channel (v4+: the NonZeroExitCode cause). */
  exitCode?: number;
  /** The v4+ status object as sent on channel 3. */
  status?: Record<string, unknown>;
  /** The upgrade's refusal: HTTP status and body. */
  httpStatus?: number;
  body?: string;
  error?: string;
}

/** WebSocket frames sent and not yet written before the source is paused. */
export const MAX_IN_FLIGHT = 32;

function hostPort(host: string, port: number): string {
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

type Handler = (data: Buffer, isBinary: boolean) => void;
interface Opened {
  ws: WebSocket;
  /** Replays the frames that came with the 101, then hands every further frame to `handler`. */
  listen(handler: Handler): void;
}

/**
 * Opens the WebSocket offering v5 and v4; a refusal comes back as a result. Frames that arrive with the 101 are
 * delivered before the caller can listen, so they are kept until it does.
 */
export function openChannel(url: string, target: StreamTarget): Promise<Opened | StreamResult> {
  const t = target.transport;
  const id = target.identity;
  const headers: Record<string, string> = {};
  if (id.token) headers.Authorization = `Bearer ${id.token.reveal()}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [...CLIENT_PROTOCOLS], {
      headers,
      cert: id.cert,
      key: id.key?.reveal(),
      ca: t.ca,
      rejectUnauthorized: !t.insecureSkipVerify,
      ...(t.servername ? { servername: t.servername } : {}),
      perMessageDeflate: false,
      handshakeTimeout: target.timeoutMs ?? 10_000,
      maxPayload: 64 << 20,
      // Every frame is masked with a random key, as RFC 6455 requires; ws masks natively with bufferutil (a
      // dependency for that reason: masking in JavaScript took a quarter of the client's CPU in a port-forward).
    });
    const early: [Buffer, boolean][] = [];
    const keep = (data: Buffer, isBinary: boolean) => early.push([data, isBinary]);
    ws.on('message', keep);
    const listen = (handler: Handler) => {
      ws.off('message', keep);
      for (const [data, isBinary] of early.splice(0)) handler(data, isBinary);
      ws.on('message', handler);
    };
    ws.once('open', () => resolve({ ws, listen }));
    ws.once('unexpected-response', (req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if ((size += chunk.length) <= 1 << 16) chunks.push(chunk);
      });
      const done = () => {
        req.destroy();
        resolve({ outcome: 'refused', httpStatus: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      };
      res.once('end', done);
      res.once('error', done);
    });
    ws.once('error', (error) => resolve({ outcome: 'error', error: error.message }));
  });
}

/** Runs a command in a container; resolves when the remote side closes, with its exit status. */
export async function exec(options: ExecOptions): Promise<StreamResult> {
  if (options.command.length === 0) throw new UsageError('exec needs a command');
  return stream(options, 'exec', options.command);
}

/** Attaches to a container's main process; resolves when the stream ends or `signal` aborts it. */
export async function attach(options: AttachOptions): Promise<StreamResult> {
  return stream(options, 'attach', []);
}

async function stream(o: AttachOptions, kind: 'exec' | 'attach', command: readonly string[]): Promise<StreamResult> {
  const params = { command, container: o.container, stdin: !!o.stdin, stdout: !!o.stdout, stderr: !!o.stderr && !o.tty, tty: !!o.tty };
  const opened = await openChannel(streamUrl(o, kind, params), o);
  if (!('ws' in opened)) return opened;
  const ws = opened.ws;
  const protocol = ws.protocol;
  return new Promise((resolve) => {
    const statusBytes: Buffer[] = [];
    let error: string | undefined;
    let inFlight = 0;
    const onData = (chunk: Buffer | string) => {
      if (ws.readyState !== ws.OPEN) return;
      inFlight++;
      ws.send(encodeFrame(protocol, CHANNEL.stdin, chunk), () => {
        if (--inFlight < MAX_IN_FLIGHT / 2) o.stdin?.resume();
      });
      if (inFlight >= MAX_IN_FLIGHT) o.stdin?.pause();
    };
    // v5 can say stdin is done; v4 cannot, and the stream stays open until the remote side ends it.
    const onEnd = () => {
      if (protocol === 'v5.channel.k8s.io' && ws.readyState === ws.OPEN) ws.send(closeFrame(CHANNEL.stdin));
    };
    o.stdin?.on('data', onData);
    o.stdin?.on('end', onEnd);
    const unsubscribe = o.onResize?.((size) => {
      if (ws.readyState === ws.OPEN) ws.send(resizeFrame(protocol, size));
    });
    const abort = () => ws.close(1000);
    o.signal?.addEventListener('abort', abort, { once: true });
    if (o.signal?.aborted) abort();
    const write = (out: Writable | undefined, payload: Buffer) => {
      if (!out || payload.length === 0) return;
      if (!out.write(payload)) {
        ws.pause();
        out.once('drain', () => ws.resume());
      }
    };
    opened.listen((data, isBinary) => {
      const frame = decodeFrame(protocol, isBinary ? data : data.toString('latin1'));
      if (!frame) return;
      if (frame.channel === CHANNEL.stdout) write(o.stdout, frame.payload);
      else if (frame.channel === CHANNEL.stderr) write(o.stderr, frame.payload);
      else if (frame.channel === CHANNEL.error) statusBytes.push(frame.payload);
    });
    ws.on('error', (e) => (error = e.message));
    ws.on('close', () => {
      o.stdin?.off('data', onData);
      o.stdin?.off('end', onEnd);
      o.signal?.removeEventListener('abort', abort);
      if (typeof unsubscribe === 'function') unsubscribe();
      resolve({ ...statusOf(protocol, Buffer.concat(statusBytes).toString('utf8')), protocol, ...(error ? { outcome: 'error', error } : {}) });
    });
  });
}

/** The exit status a stream ended with: JSON status from v4 on, plain text before. */
function statusOf(protocol: string, text: string): StreamResult {
  if (text === '') return { outcome: 'ok', exitCode: 0 };
  if (protocol.startsWith('v4') || protocol.startsWith('v5')) {
    try {
      const status = JSON.parse(text) as Record<string, unknown> & Parameters<typeof exitCodeOf>[0];
      const code = exitCodeOf(status);
      return code === undefined ? { outcome: 'error', status, error: String(status.message ?? text), exitCode: 1 } : { outcome: 'ok', status, exitCode: code };
    } catch {
      return { outcome: 'error', error: text, exitCode: 1 };
    }
  }
  const code = /exit code (\d+)/.exec(text);
  return code ? { outcome: 'ok', exitCode: Number(code[1]), error: text } : { outcome: 'error', error: text, exitCode: 1 };
}

