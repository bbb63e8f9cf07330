// One HTTP/1.1 exchange on one connection: dial (TCP, or TLS with the identity's context and a resumed session),
// decide by the trust policy whether the request may be written, write it, read the answer with the caps, and report
// what happened as data. The deadline covers the whole exchange, from the dial to the last byte: a peer that drips a
// byte a second ends at the deadline like one that never answers.
import type { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import tls, { type TLSSocket } from 'node:tls';
import type { CertificateObservation, Outcome } from '../../model/index.ts';
import type { Identity } from '../identity.ts';
import { ResponseReader, type ReadEvent, type ReaderLimits, type ResponseHead } from './http1.ts';
import { outcomeOf, spokePlainHttp } from './outcome.ts';
import type { Deadline } from './deadline.ts';
import type { PeerRecord, TlsCache } from './tls-cache.ts';
import { chainOf, matchesName, mayAsk, verifyErrorWords, type Trust, type TrustMode } from './trust.ts';

/** What the TLS handshake showed. */
export interface TlsInfo {
  protocol: string | null;
  alpn: string | false;
  /** The chain verified against the CA (or the system roots) and the certificate carries one of the names. */
  verified: boolean;
  /** The chain verified against the CA (or the system roots), names aside. */
  chainVerified: boolean;
  verifyError?: string;
  resumed: boolean;
  /** SHA-256 fingerprint of the leaf, as Node prints it. */
  leaf?: string;
  /** The served chain, leaf first: read when asked for (a full handshake). */
  chain?: CertificateObservation[];
}

/** A live connection, idle between exchanges when kept alive. */
export interface Connection {
  socket: net.Socket;
  tls?: TlsInfo;
  /** Where its TLS session is kept. */
  sessionKey?: string;
  /** The exchange reading from the socket now (exchangeOn sets it; the socket's listeners are set once). */
  reading?: SocketEvents;
  /** The socket's listeners are set. */
  listening: boolean;
  /** Requests written ahead (pipelined) whose exchange has not started reading yet. */
  ahead: number;
  /** Bytes that came after the last answer read: the start of the next pipelined answer. */
  carry?: Buffer;
  /** An answer on it said keep-alive and was read whole: requests may be written ahead on it. */
  persistent: boolean;
}

/** What an exchange hears from its connection's socket. */
interface SocketEvents {
  data(chunk: Buffer): void;
  end(): void;
  error(error: Error): void;
}

/**
 * The socket's listeners, set once per connection and handing each event to the exchange reading now: a kept-alive
 * connection carries a dozen requests, and adding and removing four listeners per request cost more than reading
 * the answer. Between exchanges events go nowhere (an idle socket's error is its close, handled by its owner).
 */
function listen(connection: Connection): void {
  if (connection.listening) return;
  connection.listening = true;
  const { socket } = connection;
  (socket as OwnedSocket)[CONNECTION] = connection;
  socket.on('data', onSocketData);
  socket.on('end', onSocketEnd);
  socket.on('close', onSocketEnd);
  socket.on('error', onSocketError);
}

// The listeners are shared by every socket (the socket is `this`, its connection under a symbol): one function each
// for the whole run rather than four closures per connection.
const CONNECTION = Symbol('kia.connection');
type OwnedSocket = net.Socket & { [CONNECTION]: Connection };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  const connection = this[CONNECTION];
  if (connection.reading) connection.reading.data(chunk);
  else between(connection, chunk);
}

function onSocketEnd(this: OwnedSocket): void {
  this[CONNECTION].reading?.end();
}

function onSocketError(this: OwnedSocket, error: Error): void {
  this[CONNECTION].reading?.error(error);
}

// What a connection holds for answers to requests written ahead while no exchange reads: past it, the peer is
// sending more than it was asked for and the connection ends.
const CARRY_CAP = 1 << 20;

/** Bytes between two exchanges: the next pipelined answer's, kept; with nothing asked, dropped as before. */
function between(connection: Connection, chunk: Buffer): void {
  if (connection.ahead === 0) return;
  const carry = connection.carry ? Buffer.concat([connection.carry, chunk]) : chunk;
  if (carry.length > CARRY_CAP) {
    connection.carry = undefined;
    connection.socket.destroy();
    return;
  }
  connection.carry = carry;
}

/**
 * Writes a GET or HEAD ahead of its turn on a kept-alive connection that is reading an earlier answer (HTTP/1.1
 * pipelining, RFC 9112 §9.3.2): the peer answers in order, and the request's exchange reads its answer when its
 * turn comes (exchangeOn with `sent`). False when the trust policy would not let it be written: it waits its turn.
 */
export function writeAhead(connection: Connection, request: WireRequest, target: { host: string; port: number; scheme: 'http' | 'https' }): boolean {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || request.body !== undefined || connection.socket.destroyed) return false;
  if (!mayAsk(request.identity, target.scheme, connection.tls?.verified === true, request.trust, request.mode).ok) return false;
  listen(connection);
  connection.ahead++;
  connection.socket.write(head(request, target.host, target.port, true), 'latin1');
  return true;
}

export interface Dial {
  host: string;
  port: number;
  scheme: 'http' | 'https';
  identity?: Identity;
  trust: Trust;
  /** Names the certificate may carry (the server name or address, and alternatives such as a node name). */
  names: readonly string[];
  /** Read and describe the served chain: no session resumption for this connection. */
  certificate: boolean;
  cache: TlsCache;
  /** Offered ALPN protocols; only HTTP/1.1 is spoken. */
  alpn?: string[];
  extraContext?: { minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion };
}

export interface WireRequest {
  method: string;
  /** Path and query, already encoded. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  identity?: Identity;
  trust: Trust;
  mode: TrustMode;
  limits: ReaderLimits;
}

/** The answer's head and body bytes so far, and how the exchange ended. */
export interface WireResult {
  outcome: Outcome;
  detail?: string;
  head?: ResponseHead;
  body: Buffer[];
  /** The handshake completed before the failure (TLS 1.3: the server judges our certificate after it). */
  established: boolean;
  /** The peer answered our TLS hello in plain HTTP. */
  plainHttp?: boolean;
  /** The connection may carry another request. */
  reusable: boolean;
  /** Nothing was written: a stale kept-alive connection, safe to retry on a new one. */
  unsent?: boolean;
}

// What tls.connect itself calls with its `session` option (not in Node's typings).
const SET_SESSION = (tls.TLSSocket.prototype as unknown as { setSession?: (this: TLSSocket, session: Buffer) => void }).setSession;

function isAddress(host: string): boolean {
  return net.isIP(host) !== 0;
}

/** Opens a TCP or TLS connection; resolves once it can carry a request, or with the failure. */
export function dial(d: Dial, abort: Deadline): Promise<Connection | { outcome: Outcome; detail: string; plainHttp?: boolean }> {
  return new Promise((resolve) => {
    let settled = false;
    let socket: net.Socket;
    const settle = (value: Connection | { outcome: Outcome; detail: string; plainHttp?: boolean }) => {
      if (settled) return;
      settled = true;
      abort.offStop(onAbort);
      if (!('socket' in value)) socket.destroy();
      resolve(value);
    };
    const onAbort = () => settle({ outcome: 'timeout', detail: abort.reason });
    if (d.scheme === 'http') {
      socket = net.connect({ host: d.host, port: d.port, noDelay: true }, () => settle(connectionOf(socket)));
    } else {
      const servername = d.names.find((n) => !isAddress(n));
      // Sessions made under other TLS versions are not offered: they would not resume.
      const sessionKey = `${d.cache.sessionKey(d.host, d.port, servername, d.identity)}|${d.extraContext ? JSON.stringify(d.extraContext) : ''}`;
      const session = d.certificate ? undefined : d.cache.session(sessionKey);
      const secure = tls.connect({
        host: d.host,
        port: d.port,
        secureContext: d.cache.context(d.identity, d.trust.ca, d.extraContext),
        ...(servername ? { servername } : {}),
        ...(session && !SET_SESSION ? { session } : {}),
        ALPNProtocols: d.alpn ?? HTTP11_ALPN,
        rejectUnauthorized: false,
        // Names are checked by tlsInfo (trust.ts matchesName): `authorized` then says the chain verified.
        checkServerIdentity: noNameCheck,
      });
      // Set here, not as tls.connect's `session` option: Node 20 decodes an option's session twice (the socket's
      // constructor, then connect itself), a tenth of a resumed probe's CPU. The handshake starts once TCP connects.
      if (session && SET_SESSION) SET_SESSION.call(secure, session);
      // After a verified full handshake Node builds the whole served chain as JS objects only to hand it to the name
      // check above: this socket answers that read with nothing (tlsInfo reads the leaf through the prototype; the
      // socket is the transport's own, nobody else reads it). Never deleted: a deleted property slows the socket down.
      Object.defineProperty(secure, 'getPeerCertificate', { value: noPeerCertificate });
      socket = secure;
      secure.setNoDelay(true);
      secure.on('session', (s: Buffer) => d.cache.keepSession(sessionKey, s));
      secure.once('secureConnect', () => settle(connectionOf(secure, tlsInfo(secure, d, sessionKey), sessionKey)));
    }
    socket.once('error', (error) => {
      const failure = outcomeOf(error);
      settle({ ...failure, ...(d.scheme === 'https' && spokePlainHttp(failure.detail) ? { plainHttp: true } : {}) });
    });
    socket.once('close', () => settle({ outcome: d.scheme === 'https' ? 'tls-error' : 'reset', detail: 'connection closed before it was established' }));
    abort.onStop(onAbort);
  });
}

/** Every connection with the same fields from the start: the code that reads them sees one shape. */
function connectionOf(socket: net.Socket, tls?: TlsInfo, sessionKey?: string): Connection {
  return { socket, tls, sessionKey, reading: undefined, listening: false, ahead: 0, carry: undefined, persistent: false };
}

const noNameCheck = (): undefined => undefined;
const ALLOWED = { ok: true } as const;
const noPeerCertificate = (): Record<string, never> => ({});
const peerCertificate = tls.TLSSocket.prototype.getPeerCertificate;
// The ALPN offer in its wire form, built once (Node converts an array of names on every connect).
const HTTP11_ALPN = Buffer.from('\x08http/1.1', 'latin1');

function tlsInfo(socket: TLSSocket, d: Dial, sessionKey: string): TlsInfo {
  const resumed = socket.isSessionReused();
  // A resumed session shows no peer certificate (the kept copy has none, session.ts), and Node then calls a resumed
  // TLS 1.3 session verified and a TLS 1.2 one not: what its full handshake showed stands for it. A session is only
  // offered while that record is kept (tls-cache.ts); a resumption without one is not taken for verified.
  // A chain to describe comes as the handshake's X509 objects (Node 20 builds one in ~0.3 ms: only then); otherwise
  // the leaf's plain fields, a third of that.
  const leaf = d.certificate && !resumed ? socket.getPeerX509Certificate() : undefined;
  const peer = resumed ? (d.cache.peer(sessionKey) ?? UNKNOWN_PEER) : fullHandshake(socket, d, sessionKey, leaf);
  const { authorized } = peer;
  const info: TlsInfo = { protocol: socket.getProtocol(), alpn: socket.alpnProtocol ?? false, verified: authorized && peer.named, chainVerified: authorized, resumed, ...(peer.leaf ? { leaf: peer.leaf } : {}) };
  if (!authorized) info.verifyError = verifyErrorWords(peer.authorizationError ?? 'not verified', d.names);
  else if (!peer.named && peer.nameError) info.verifyError = peer.nameError;
  if (leaf) info.chain = chainOf(leaf).map((c) => d.cache.describe(c));
  return info;
}

const NOT_KNOWN = 'a resumed session whose full handshake is not known';
const UNKNOWN_PEER: PeerRecord = { named: false, nameError: NOT_KNOWN, authorized: false, authorizationError: NOT_KNOWN };

/** What a full handshake shows of the server, remembered for the sessions it leaves. */
function fullHandshake(socket: TLSSocket, d: Dial, sessionKey: string, leaf: X509Certificate | undefined): PeerRecord {
  const served = leaf ?? peerCertificate.call(socket, false);
  const fingerprint = served?.fingerprint256;
  const named = fingerprint ? d.cache.named(fingerprint, d.names, () => matchesName(served, d.names)) : { ok: false, error: 'no certificate served' };
  const authorized = socket.authorized === true;
  const peer: PeerRecord = { ...(fingerprint ? { leaf: fingerprint } : {}), named: named.ok, ...(named.error ? { nameError: named.error } : {}), authorized, ...(authorized ? {} : { authorizationError: String(socket.authorizationError ?? 'not verified') }) };
  d.cache.rememberPeer(sessionKey, peer);
  return peer;
}

/** The request's head, as latin1 text (written as such: no Buffer of its own). */
function head(request: WireRequest, host: string, port: number, keepAlive: boolean): string {
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${isAddress(host) && host.includes(':') ? `[${host}]` : host}:${port}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  if (request.identity?.token) lines.push(`Authorization: Bearer ${request.identity.token.reveal()}`);
  if (request.body !== undefined) lines.push(`Content-Length: ${request.body.length}`);
  if (!keepAlive) lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** How a streamed body is handed over: from the head on, body bytes go to a stream instead of a buffer. */
export interface StreamSink {
  /** Whether to stream this answer; one it refuses is read whole (capped, within the deadline) like any other. */
  accept?: (head: ResponseHead) => boolean;
  /** Called with each body chunk; the stream pauses the socket while it is full. */
  transform?: (chunk: Buffer) => Buffer;
  /** Called once at the end of the body, for bytes held back. */
  flush?: () => Buffer;
  /** Body bytes streamed at most; the stream ends there. */
  limit?: number;
}

/**
 * Writes one request on a connection and reads its answer. `abort` ends it early (the deadline); the caller owns the
 * connection afterwards (reuse it when `reusable`, else destroy it). With `sink`, the exchange resolves at the head
 * and the body flows into `stream` (the deadline no longer applies; the stream's consumer ends it).
 */
export function exchangeOn(connection: Connection, request: WireRequest, target: ExchangeTarget, abort: Deadline, sink?: StreamSink): Promise<WireResult & { stream?: Readable }> {
  const established = connection.tls !== undefined;
  // A request written ahead (writeAhead) was let through by the same policy when it was written.
  const permitted = target.sent ? ALLOWED : mayAsk(request.identity, target.scheme, connection.tls?.verified === true, request.trust, request.mode);
  if (!permitted.ok) {
    const refused = permitted.why.startsWith('the server certificate');
    // What did not verify (an unknown issuer, a name the certificate does not carry) is the user's clue to the fix.
    const detail = refused && connection.tls?.verifyError ? `${permitted.why}: ${connection.tls.verifyError}` : permitted.why;
    return Promise.resolve({ outcome: refused ? 'tls-verify' : 'skipped', detail, body: [], established, reusable: true, unsent: true });
  }
  return new Promise((resolve) => new WireExchange(connection, request, target, abort, sink, resolve).start());
}

export interface ExchangeTarget {
  host: string;
  port: number;
  scheme: 'http' | 'https';
  keepAlive: boolean;
  /** Written ahead already (pipelined): only its answer is read. */
  sent?: boolean;
}

type Resolved = WireResult & { stream?: Readable };

/**
 * One exchange's state, and the socket's and the reader's events as its methods: an exchange is a few objects, not a
 * dozen closures made for each request, and the code that runs it stays compiled between the cycles of `kia serve`
 * (a closure's optimized code goes when its last closure does, and a cycle's closures are all gone by the next).
 */
class WireExchange implements SocketEvents {
  readonly #connection: Connection;
  readonly #request: WireRequest;
  readonly #target: ExchangeTarget;
  readonly #abort: Deadline;
  readonly #sink: StreamSink | undefined;
  readonly #resolve: (result: Resolved) => void;
  readonly #reader: ResponseReader;
  readonly #body: Buffer[] = [];
  readonly #established: boolean;
  #received = 0;
  #settled = false;
  #head: ResponseHead | undefined = undefined;
  #stream: PassThrough | undefined = undefined;
  #streamed = 0;
  #listening = false;

  constructor(connection: Connection, request: WireRequest, target: ExchangeTarget, abort: Deadline, sink: StreamSink | undefined, resolve: (result: Resolved) => void) {
    this.#connection = connection;
    this.#request = request;
    this.#target = target;
    this.#abort = abort;
    this.#sink = sink;
    this.#resolve = resolve;
    this.#established = connection.tls !== undefined;
    this.#reader = new ResponseReader({ method: request.method, limits: request.limits, sink: this });
  }

  start(): void {
    const connection = this.#connection;
    listen(connection);
    connection.reading = this;
    this.#abort.onStop(this);
    this.#listening = true;
    if (this.#settled) return;
    if (!this.#target.sent) {
      const { socket } = connection;
      socket.write(head(this.#request, this.#target.host, this.#target.port, this.#target.keepAlive), 'latin1');
      if (this.#request.body !== undefined && this.#request.body.length > 0) socket.write(this.#request.body);
    }
    // What came for this answer before its turn (pipelined: it was written ahead).
    const carried = connection.carry;
    if (carried) {
      connection.carry = undefined;
      this.data(carried);
    }
  }

  /** The deadline passed (Deadline calls it). */
  stop(): void {
    this.#settle({ outcome: 'timeout', detail: this.#abort.reason, reusable: false });
  }

  data(chunk: Buffer): void {
    this.#received += chunk.length;
    this.#reader.push(chunk);
  }

  end(): void {
    if (this.#stream) {
      if (!this.#reader.done) {
        this.#reader.close();
        this.#endStream();
      }
      return;
    }
    if (this.#received === 0 && !this.#settled) return this.#settle(nothingBack(this.#request, this.#connection, 'connection closed without an answer'));
    this.#reader.close();
  }

  error(error: Error): void {
    // A stream the peer breaks ends: what came is what there is.
    if (this.#stream) return this.#endStream();
    const failure = outcomeOf(error);
    if (this.#received === 0 && failure.outcome === 'reset') return this.#settle(nothingBack(this.#request, this.#connection, failure.detail));
    if (this.#head && !this.#reader.done && failure.outcome === 'reset') return this.#reader.close();
    this.#settle({ outcome: failure.outcome, detail: failure.detail, reusable: false });
  }

  /** What the reader found (ResponseReader calls it). */
  event(event: ReadEvent): void {
    switch (event.kind) {
      case 'head':
        this.#head = event.head;
        if (this.#sink && (this.#sink.accept?.(event.head) ?? true)) this.#openStream();
        return;
      case 'body':
        if (!this.#stream) return void this.#body.push(event.chunk);
        return this.#streamChunk(event.chunk);
      case 'end':
        if (this.#stream) return this.#endStream();
        return this.#settle({ outcome: 'ok', reusable: this.#keep(event.reusable === true, event.rest) });
      case 'too-large':
        if (this.#stream) return this.#endStream();
        return this.#settle({ outcome: 'too-large', detail: `answer larger than ${this.#request.limits.maxBodyBytes} bytes`, reusable: this.#keep(event.reusable === true, event.rest) });
      case 'bad':
        // A body that breaks its own framing mid-stream is not a whole answer: the consumer must hear so.
        if (this.#stream) return this.#breakStream(event.detail);
        return this.#settle({ outcome: this.#received === 0 && !this.#head ? 'reset' : 'bad-answer', detail: event.detail, reusable: false });
    }
  }

  /**
   * Bytes past the answer are the next pipelined answer's when a request was written ahead; otherwise nobody asked
   * for them and the connection is not used again.
   */
  #keep(said: boolean, rest: Buffer | undefined): boolean {
    const connection = this.#connection;
    let reusable = said && this.#target.keepAlive;
    if (rest && rest.length > 0) {
      if (reusable && connection.ahead > 0) connection.carry = rest;
      else reusable = false;
    }
    if (reusable) connection.persistent = true;
    return reusable;
  }

  #settle(result: Omit<WireResult, 'body' | 'established' | 'head'>): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#listening) this.#abort.offStop(this);
    // A streamed body keeps listening until the stream ends.
    if (!this.#stream && this.#connection.reading === this) this.#connection.reading = undefined;
    this.#resolve({ ...result, body: this.#body, established: this.#established, ...(this.#head ? { head: this.#head } : {}), ...(this.#stream ? { stream: this.#stream } : {}) });
  }

  #openStream(): void {
    const { socket } = this.#connection;
    this.#reader.unlimitBody();
    const stream = new PassThrough();
    this.#stream = stream;
    stream.on('drain', () => socket.resume());
    stream.on('close', () => socket.destroy());
    this.#settle({ outcome: 'ok', reusable: false });
  }

  #streamChunk(whole: Buffer): void {
    const stream = this.#stream as PassThrough;
    const sink = this.#sink;
    const room = (sink?.limit ?? Number.MAX_SAFE_INTEGER) - this.#streamed;
    const chunk = whole.length > room ? whole.subarray(0, room) : whole;
    this.#streamed += chunk.length;
    if (!stream.write(sink?.transform ? sink.transform(chunk) : chunk)) this.#connection.socket.pause();
    if (chunk.length < whole.length) this.#endStream();
  }

  #endStream(): void {
    const stream = this.#stream;
    if (!stream || stream.writableEnded) return;
    const rest = this.#sink?.flush?.();
    stream.end(rest && rest.length > 0 ? rest : undefined);
    this.#connection.socket.destroy();
  }

  #breakStream(detail: string): void {
    const stream = this.#stream;
    if (!stream || stream.destroyed) return;
    // The consumer reads the error from the destroyed stream when it gets there; none may be listening yet.
    stream.on('error', () => undefined);
    stream.destroy(Object.assign(new Error(detail), { code: 'KIA_BAD_ANSWER' }));
    this.#connection.socket.destroy();
  }
}

/** A connection that ended before any byte came back: a stale kept-alive socket, or a refused client certificate. */
function nothingBack(request: WireRequest, connection: Connection, detail: string): Omit<WireResult, 'body' | 'established' | 'head'> {
  // TLS 1.3 servers judge the client certificate after the handshake: an empty close then means "not this one".
  if (connection.tls?.protocol === 'TLSv1.3' && request.identity?.cert && !connection.tls.resumed) {
    return { outcome: 'tls-client-cert', detail: `the server ended the connection without answering after the handshake: it did not accept the client certificate of ${request.identity.name}`, reusable: false };
  }
  return { outcome: 'reset', detail, reusable: false, unsent: true };
}
