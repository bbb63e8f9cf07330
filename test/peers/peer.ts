// One hostile peer on a loopback address: a kind of misbehaviour, plain or inside TLS, that records every request
// head it receives (method, target, headers) so tests can say what kia sent as well as what it did with the answer.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ANSWER_KINDS, answer, type AnswerKind } from './answers.ts';
import type { PemPair } from './pki.ts';
import { gzipBomb, RAW_KINDS, rawAnswer, type RawContext, type RawKind } from './raw.ts';

/** Misbehaviour before any HTTP: reset every connection, TLS garbage, a handshake that stops half-way. */
export type ConnectionKind = 'reset' | 'tls-garbage' | 'tls-stall';
export type PeerKind = RawKind | AnswerKind | ConnectionKind;

export interface RecordedRequest {
  method: string;
  /** The request target exactly as sent (path and query, not decoded). */
  target: string;
  headers: Record<string, string>;
}

export interface PeerOptions {
  kind: PeerKind;
  host: string;
  port: number;
  /** Serve the HTTP-level kinds inside TLS with this certificate (ignored by the connection kinds). */
  tls?: PemPair;
  /** For `redirect-away`. */
  awayOrigin?: string;
}

export interface Peer {
  kind: PeerKind;
  host: string;
  port: number;
  /** `http(s)://host:port` */
  origin: string;
  requests: RecordedRequest[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

const isRaw = (kind: PeerKind): kind is RawKind => (RAW_KINDS as readonly string[]).includes(kind);
const isAnswer = (kind: PeerKind): kind is AnswerKind => (ANSWER_KINDS as readonly string[]).includes(kind);

/** Parses a request head (up to the blank line) into what a test asserts on. */
function parseHead(text: string): RecordedRequest {
  const [line = '', ...rest] = text.split('\r\n');
  const [method = '', target = ''] = line.split(' ');
  const headers: Record<string, string> = {};
  for (const h of rest) {
    const at = h.indexOf(':');
    if (at > 0) headers[h.slice(0, at).trim().toLowerCase()] = h.slice(at + 1).trim();
  }
  return { method, target, headers };
}

function connectionBehaviour(kind: ConnectionKind, socket: net.Socket): void {
  if (kind === 'reset') {
    socket.resetAndDestroy();
    return;
  }
  socket.once('data', () => {
    if (kind === 'tls-garbage') {
      socket.end(Buffer.concat([Buffer.from('\x15\x03\x03garbage'), randomBytes(2048)]));
      return;
    }
    // A ServerHello record that announces 4096 bytes and delivers nine, then nothing.
    socket.write(Buffer.from([0x16, 0x03, 0x03, 0x10, 0x00, 0x02, 0x00, 0x0f, 0xfc, 0x03, 0x03, 0x00, 0x01]));
  });
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Listening {
  server: net.Server;
  scheme: 'http' | 'https';
  timers?: Set<NodeJS.Timeout>;
}

async function listen(options: { host: string; port: number; kind: PeerKind; requests: RecordedRequest[] }, { server, scheme, timers }: Listening): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  // Every raw TCP connection, TLS or not, so close() can cut the ones that never finished a handshake.
  server.on('connection', (socket: net.Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  server.maxConnections = 100_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, backlog: 4096 }, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    kind: options.kind,
    host: options.host,
    port,
    origin: `${scheme}://${options.host}:${port}`,
    requests: options.requests,
    connections: () => accepted,
    async close() {
      for (const t of timers ?? []) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A well-formed HTTP(S) peer whose answers come from `handler`; every request head is recorded first. */
export function startHandlerPeer(options: { host: string; port: number; tls?: PemPair; kind?: PeerKind; handler: Handler }): Promise<Peer> {
  const requests: RecordedRequest[] = [];
  const handler: Handler = (req, res) => {
    requests.push({ method: req.method ?? '', target: req.url ?? '', headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])) });
    options.handler(req, res);
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);
  return listen({ host: options.host, port: options.port, kind: options.kind ?? 'kubelet', requests }, { server, scheme: options.tls ? 'https' : 'http' });
}

export async function startPeer(options: PeerOptions): Promise<Peer> {
  const { kind } = options;
  if (isAnswer(kind)) {
    const ctx = options.awayOrigin ? { awayOrigin: options.awayOrigin } : {};
    return startHandlerPeer({ host: options.host, port: options.port, kind, ...(options.tls ? { tls: options.tls } : {}), handler: (req, res) => {
      req.resume();
      answer(kind, req, res, ctx);
    } });
  }
  const requests: RecordedRequest[] = [];
  if (!isRaw(kind)) {
    const server = net.createServer((socket) => connectionBehaviour(kind, socket));
    return listen({ host: options.host, port: options.port, kind, requests }, { server, scheme: kind === 'reset' && !options.tls ? 'http' : 'https' });
  }
  const timers = new Set<NodeJS.Timeout>();
  let bomb: Buffer | undefined;
  const ctx: RawContext = { timers, bomb: () => (bomb ??= gzipBomb()) };
  const raw = (socket: Duplex) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      requests.push(parseHead(buffered.slice(0, end)));
      // Keep reading (and discarding) so the client's writes never block.
      socket.on('data', () => undefined);
      rawAnswer(kind, socket, ctx);
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  };
  const server = options.tls ? tls.createServer({ cert: options.tls.cert, key: options.tls.key }, raw) : net.createServer(raw);
  return listen({ host: options.host, port: options.port, kind, requests }, { server, scheme: options.tls ? 'https' : 'http', timers });
}
