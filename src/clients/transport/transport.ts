// The one transport: every HTTP request kia makes goes through `Transport#exchange` (or `#open` to stream a body).
// One per run: it owns the run's TLS contexts and sessions, its kept-alive connections, its overall deadline and the
// secrets to scrub from whatever peers send back. Connections are new per request (as blackbox_exporter and kubelet
// probes ask) or kept alive per endpoint and identity; a kept-alive endpoint that let one request time out answers
// the requests queued behind it at once instead of letting each wait out its own deadline.
import { channel } from 'node:diagnostics_channel';
import type { Readable } from 'node:stream';
import type { Outcome } from '../../model/index.ts';
import { excerpt, Secrets } from '../../redact.ts';
import type { Identity } from '../identity.ts';
import { Deadline } from './deadline.ts';
import { dial, exchangeOn, writeAhead, type Connection, type TlsInfo, type WireRequest, type WireResult } from './exchange.ts';
import { DEFAULT_LIMITS, type ReaderLimits } from './http1.ts';
import { TlsCache } from './tls-cache.ts';
import { namesFor, type Trust, type TrustMode } from './trust.ts';

/** Published before each request: `{ method, url, identity }` (no secrets); `-v` prints it. */
export const REQUEST_CHANNEL = 'kia:request';
const requests = channel(REQUEST_CHANNEL);

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 16 << 20;
const USER_AGENT = 'kia/0.1';
// Every request's headers unless it adds its own (one object, never changed: the head is written from it).
const DEFAULT_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'User-Agent': USER_AGENT, Accept: '*/*' });
// How long a kept-alive endpoint that timed out is not asked again.
const POISON_FACTOR = 2;
// A kept-alive answer past its cap is read to its end and dropped, up to this much: the connection then carries the
// next request instead of a new handshake (the hunt caps kubelet /metrics pages of a few hundred KiB at 64 KiB).
const DRAIN_BYTES = 1 << 20;
const IDLE_MS = 30_000;
// GETs written ahead on a kept-alive connection while it reads an earlier answer.
const PIPELINE_DEPTH = 8;

export interface TransportOptions {
  /** Whole-request deadline, dial to last byte (default 10 s). */
  timeoutMs?: number;
  /** Body bytes kept per answer (default 16 MiB). */
  maxBytes?: number;
  /** Keep one connection per endpoint and identity between requests (default: a new connection per request). */
  keepAlive?: boolean;
  /**
   * Kept-alive only: how many GET and HEAD requests may be written ahead on a connection that already answered one
   * request with keep-alive, while it reads an earlier answer (HTTP/1.1 pipelining; default 8, 0 for one at a time).
   * A request written ahead on a connection that then ends unanswered is sent again once on a new connection.
   */
  pipeline?: number;
  /** The run's overall deadline: every request in flight or to come ends `aborted`. */
  signal?: AbortSignal;
  /** Every secret the run holds, scrubbed from what peers return (identities used are added as they come). */
  secrets?: Secrets;
}

export interface ExchangeRequest {
  url: URL | string | Place;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  identity?: Identity;
  trust?: Trust;
  /** Default `strict`: a server that does not verify is not spoken to. */
  mode?: TrustMode;
  /** Other names the server certificate may carry (a node's name besides its address). */
  names?: readonly string[];
  timeoutMs?: number;
  maxBytes?: number;
  /** Read the served chain (a full handshake: no session resumption). */
  certificate?: boolean;
  /** A new connection for this request, whatever the transport's mode. */
  fresh?: boolean;
  /** `open` only: which answers to stream (default all); the others are read whole, capped, within the deadline. */
  streamIf?: (status: number) => boolean;
  /**
   * `open` only: the streamed body must end within this many milliseconds of the request's start, or the stream is
   * destroyed with a `KIA_TIMEOUT` error (one-shot reads); none for streams that run until the user stops them.
   */
  wholeBodyMs?: number;
  /**
   * TLS versions offered. Probes that repeat every cycle offer TLS 1.2 only when the server takes it: a resumed TLS 1.2
   * session skips the key exchange a resumed TLS 1.3 session still makes, a quarter of a probe's CPU.
   */
  tlsVersions?: { min?: 'TLSv1.2' | 'TLSv1.3'; max?: 'TLSv1.2' | 'TLSv1.3' };
  signal?: AbortSignal;
}

export interface Exchange {
  method: string;
  /** The URL asked (no credentials in it). */
  url: string;
  /** The identity's label; `anonymous` when none. */
  identity: string;
  outcome: Outcome;
  status?: number;
  /** Lower-case names; values scrubbed. */
  headers: Record<string, string>;
  /** The body, scrubbed of held secrets, at most the byte cap. */
  body: Buffer;
  /** One line on what went wrong: scrubbed, control characters escaped. */
  detail?: string;
  tls?: TlsInfo;
  /** A TLS port answered in plain HTTP: ask it over `http://`. */
  plainHttp?: boolean;
  durationMs: number;
}

/** A streamed answer: the head as an exchange (empty body) and the body as a scrubbed stream when it came. */
export interface OpenedExchange extends Exchange {
  stream?: Readable;
}

/** A request waiting for its endpoint's turn; `written`: the connection it was written ahead on. */
interface Waiter {
  resume: () => void;
  ahead?: { wire: WireRequest; target: Target };
  written?: Connection;
}

interface Slot {
  idle: Connection[];
  busy: boolean;
  queue: Waiter[];
  /** The connection the latest exchange used: the one requests are written ahead on. */
  active?: Connection;
  poisonedUntil: number;
  poisonDetail?: string;
}

interface Target {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  target: string;
}

/** A request's place without a URL to parse: what the probe engine, which asks thousands, hands over. */
export interface Place {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Path and query, already encoded (transport/url.ts). */
  path: string;
}

function parse(url: URL | string | Place): Target {
  if (typeof url === 'object' && 'scheme' in url) return { scheme: url.scheme, host: url.host, port: url.port, target: url.path };
  const u = typeof url === 'string' ? new URL(url) : url;
  const scheme = u.protocol === 'https:' || u.protocol === 'wss:' ? 'https' : 'http';
  return { scheme, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || (scheme === 'https' ? 443 : 80), target: `${u.pathname}${u.search}` };
}

/** What a run's transport did: connections dialed, GETs written ahead (pipelined), and sent again after a close. */
export interface TransportCounts {
  dialed: number;
  writtenAhead: number;
  resent: number;
}

export class Transport {
  readonly cache = new TlsCache();
  readonly counts: TransportCounts = { dialed: 0, writtenAhead: 0, resent: 0 };
  readonly secrets: Secrets;
  readonly #options: TransportOptions;
  readonly #slots = new Map<string, Slot>();
  // Kept-alive sockets whose idle and close handlers are set (once per socket, not once per request).
  readonly #watched = new WeakSet<object>();
  #closed = false;

  constructor(options: TransportOptions = {}) {
    this.#options = options;
    this.secrets = options.secrets ?? new Secrets();
    // One listener on the run's signal ends every request in flight.
    options.signal?.addEventListener('abort', () => {
      for (const limit of this.#live) limit.stop('the overall deadline passed');
    }, { once: true });
  }

  // The deadlines of the requests in flight.
  readonly #live = new Set<Deadline>();

  /** One request's deadline, ended early by the run's signal or the caller's; `#ended` when the request is. */
  #deadline(timeoutMs: number, signal: AbortSignal | undefined): Deadline {
    const limit = new Deadline(timeoutMs, signal);
    if (this.#options.signal?.aborted) limit.stop('the overall deadline passed');
    this.#live.add(limit);
    return limit;
  }

  #ended(limit: Deadline): void {
    limit.done();
    this.#live.delete(limit);
  }

  get signal(): AbortSignal | undefined {
    return this.#options.signal;
  }

  get timeoutMs(): number {
    return this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** One request and its whole answer, within the deadline and the cap; never throws for what a peer did. */
  async exchange(request: ExchangeRequest): Promise<Exchange> {
    const started = performance.now();
    const t = parse(request.url);
    const method = request.method ?? 'GET';
    const identity = request.identity;
    this.#remember(identity);
    const base = { method, url: `${t.scheme}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}${t.target}`, identity: identity?.name ?? 'anonymous' };
    if (requests.hasSubscribers) requests.publish({ ...base });
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const run = this.#options.signal;
    if (run?.aborted || this.#closed) return this.#result(base, { outcome: 'aborted', detail: 'the deadline passed before this request', body: [], established: false, reusable: false }, started);
    // A certificate-reading request dials a connection of its own (a full handshake), which then stays for the next.
    const keepAlive = this.#options.keepAlive === true && request.fresh !== true;
    const wire = this.#wire(request, method, t, keepAlive ? DRAIN_BYTES : 0);
    if (!keepAlive) {
      const limit = this.#deadline(timeoutMs, request.signal);
      try {
        return this.#result(base, await this.#once(request, wire, t, limit), started, limit);
      } finally {
        this.#ended(limit);
      }
    }
    const key = `${t.scheme}://${t.host}:${t.port}|${this.cache.sessionKey('', 0, request.trust?.serverName, identity)}|${request.trust?.ca ? 'ca' : ''}`;
    const slot = this.#slot(key);
    // A free slot is taken at once (no turn of the microtask queue); a busy one is handed over by #release, and a GET
    // may meanwhile be written ahead on the connection the slot is reading from.
    let waiter: Waiter | undefined;
    if (slot.busy) {
      const queued: Waiter = { resume: noop, ahead: request.certificate === true ? undefined : { wire, target: t }, written: undefined };
      const turn = new Promise<void>((resolve) => (queued.resume = resolve));
      slot.queue.push(queued);
      this.#writeAhead(slot);
      await turn;
      waiter = queued;
    } else slot.busy = true;
    try {
      if (Date.now() < slot.poisonedUntil) {
        const detail = slot.poisonDetail ?? 'an earlier request to this endpoint timed out';
        // A request written ahead was sent; its answer, behind the one that never came, is not waited for.
        return this.#result(base, { outcome: 'timeout', detail: waiter?.written ? detail.replace(/^not asked: /, 'sent ahead, its answer not waited for: ') : detail, body: [], established: false, reusable: false }, started);
      }
      const limit = this.#deadline(timeoutMs, request.signal);
      try {
        const result = await this.#kept(request, wire, t, slot, limit, waiter?.written);
        if (result.outcome === 'timeout' && !run?.aborted) {
          slot.poisonedUntil = Date.now() + POISON_FACTOR * timeoutMs;
          slot.poisonDetail = `not asked: an earlier request to ${t.host}:${t.port} got no whole answer within ${timeoutMs} ms`;
        }
        return this.#result(base, result, started, limit);
      } finally {
        this.#ended(limit);
      }
    } finally {
      this.#release(slot);
    }
  }

  /**
   * Opens a request and hands back the body as a stream once the head is in (container logs, `--follow`). The
   * deadline covers the dial and the head; the body runs until the peer ends it, `maxBytes` (when given) is reached,
   * or the caller destroys the stream. Always a new connection.
   */
  async open(request: ExchangeRequest): Promise<OpenedExchange> {
    const started = performance.now();
    const t = parse(request.url);
    const method = request.method ?? 'GET';
    this.#remember(request.identity);
    const base = { method, url: `${t.scheme}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}${t.target}`, identity: request.identity?.name ?? 'anonymous' };
    if (requests.hasSubscribers) requests.publish({ ...base });
    if (this.#options.signal?.aborted) return this.#result(base, { outcome: 'aborted', detail: 'the deadline passed before this request', body: [], established: false, reusable: false }, started);
    // The deadline covers the dial and the head; a streamed body runs past it.
    const abort = this.#deadline(request.timeoutMs ?? this.timeoutMs, request.signal);
    const streamIf = request.streamIf;
    // An answer that is not streamed (a refusal) is read whole, with the buffered cap.
    const wire = { ...this.#wire(request, method, t, 0), limits: { ...DEFAULT_LIMITS, maxBodyBytes: this.#options.maxBytes ?? DEFAULT_MAX_BYTES } };
    const connection = await this.#dial(request, t, abort);
    if (!('socket' in connection)) {
      this.#ended(abort);
      return this.#result(base, { ...connection, body: [], established: false, reusable: false }, started, abort);
    }
    const scrub = new StreamScrubber(this.secrets);
    // A streamed body is capped by the stream's own limit, not by the buffered one.
    const result = await exchangeOn(connection, wire, { ...t, keepAlive: false }, abort, {
      ...(streamIf ? { accept: (head) => streamIf(head.status) } : {}),
      transform: (chunk) => scrub.push(chunk),
      flush: () => scrub.flush(),
      ...(request.maxBytes !== undefined ? { limit: request.maxBytes } : {}),
    });
    this.#ended(abort);
    if (!result.stream) connection.socket.destroy();
    const opened: OpenedExchange = this.#result(base, { ...result, ...(connection.tls ? { tls: connection.tls } : {}) }, started, abort);
    const stream = result.stream;
    if (stream) {
      opened.stream = stream;
      if (request.wholeBodyMs !== undefined) {
        const left = Math.max(1, request.wholeBodyMs - (performance.now() - started));
        const timer = setTimeout(() => stream.destroy(Object.assign(new Error(`no whole answer within ${request.wholeBodyMs} ms`), { code: 'KIA_TIMEOUT' })), left);
        stream.once('close', () => clearTimeout(timer));
      }
    }
    return opened;
  }

  /** Ends every kept-alive connection; requests after this are `aborted`. */
  close(): void {
    this.#closed = true;
    for (const slot of this.#slots.values()) for (const c of slot.idle.splice(0)) c.socket.destroy();
    this.#slots.clear();
  }

  // Identities whose secrets are already held: a hunt sends tens of thousands of requests as the same few.
  readonly #remembered = new WeakSet<Identity>();

  #remember(identity: Identity | undefined): void {
    if (!identity || this.#remembered.has(identity)) return;
    this.#remembered.add(identity);
    if (identity.token) this.secrets.add(identity.token.reveal());
    if (identity.key) this.secrets.add(identity.key.reveal());
  }

  /** `drainBytes`: how much of an answer past its cap is read and dropped to keep the connection (kept-alive only). */
  #wire(request: ExchangeRequest, method: string, t: Target, drainBytes: number): WireRequest {
    const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body);
    return {
      method,
      target: t.target,
      headers: request.headers ? { ...DEFAULT_HEADERS, ...request.headers } : DEFAULT_HEADERS,
      ...(body ? { body } : {}),
      ...(request.identity ? { identity: request.identity } : {}),
      trust: request.trust ?? {},
      mode: request.mode ?? 'strict',
      limits: this.#limits(request.maxBytes ?? this.#options.maxBytes ?? DEFAULT_MAX_BYTES, drainBytes),
    };
  }

  // The reader's limits by cap and drain: a run uses a handful of them (readers never change theirs), looked up
  // without building a key.
  readonly #limitSets: ReaderLimits[] = [];

  #limits(maxBodyBytes: number, drainBytes: number): ReaderLimits {
    for (const limits of this.#limitSets) if (limits.maxBodyBytes === maxBodyBytes && limits.drainBytes === drainBytes) return limits;
    const limits: ReaderLimits = Object.freeze({ ...DEFAULT_LIMITS, maxBodyBytes, drainBytes });
    if (this.#limitSets.length >= 16) this.#limitSets.shift();
    this.#limitSets.push(limits);
    return limits;
  }

  #dial(request: ExchangeRequest, t: Target, abort: Deadline): ReturnType<typeof dial> {
    this.counts.dialed++;
    return dial(this.#dialFor(request, t), abort);
  }

  #dialFor(request: ExchangeRequest, t: Target) {
    const trust = request.trust ?? {};
    const v = request.tlsVersions;
    const extraContext = v ? { ...(v.min ? { minVersion: v.min } : {}), ...(v.max ? { maxVersion: v.max } : {}) } : undefined;
    return { host: t.host, port: t.port, scheme: t.scheme, ...(request.identity ? { identity: request.identity } : {}), trust, names: namesFor(t.host, trust, request.names), certificate: request.certificate === true, cache: this.cache, ...(extraContext ? { extraContext } : {}) };
  }

  async #once(request: ExchangeRequest, wire: WireRequest, t: Target, abort: Deadline): Promise<WireResult & { tls?: TlsInfo }> {
    const connection = await this.#dial(request, t, abort);
    if (!('socket' in connection)) return { ...connection, body: [], established: false, reusable: false };
    try {
      return { ...(await exchangeOn(connection, wire, { ...t, keepAlive: false }, abort)), ...(connection.tls ? { tls: connection.tls } : {}) };
    } finally {
      connection.socket.destroy();
    }
  }

  /**
   * `written`: the connection this request was written ahead on; its answer is read there, or, when that connection
   * is gone, the request is sent again on another (a GET or HEAD, once).
   */
  async #kept(request: ExchangeRequest, wire: WireRequest, t: Target, slot: Slot, abort: Deadline, written?: Connection): Promise<WireResult & { tls?: TlsInfo }> {
    // A kept connection the server closed while idle fails before any byte: that one request is tried on a new one.
    for (let attempt = 0; attempt < 2; attempt++) {
      let sent = false;
      let reused: Connection | undefined;
      if (written && attempt === 0) {
        written.ahead = Math.max(0, written.ahead - 1);
        const at = slot.idle.indexOf(written);
        if (at >= 0 && !written.socket.destroyed) {
          slot.idle.splice(at, 1);
          reused = written;
          sent = true;
        } else this.counts.resent++;
      }
      reused ??= request.certificate === true ? undefined : slot.idle.pop();
      const connection = reused ?? (await this.#dial(request, t, abort));
      if (!('socket' in connection)) return { ...connection, body: [], established: false, reusable: false };
      slot.active = connection;
      connection.socket.setTimeout(0);
      connection.socket.ref();
      const answer = exchangeOn(connection, wire, { ...t, keepAlive: true, sent }, abort);
      // Once this connection has answered with keep-alive, the requests queued behind this one (now written) follow;
      // nothing follows a request that is not a GET or HEAD before its answer is in (RFC 9112 §9.3.2).
      if (connection.persistent && (wire.method === 'GET' || wire.method === 'HEAD')) this.#writeAhead(slot);
      const result = await answer;
      if (result.reusable && !this.#closed) {
        this.#park(slot, connection);
        this.#writeAhead(slot);
      } else if (!result.unsent || result.outcome !== 'skipped') connection.socket.destroy();
      else this.#park(slot, connection);
      if (reused && result.unsent && result.outcome === 'reset' && (wire.method === 'GET' || wire.method === 'HEAD')) continue;
      if (connection.tls) (result as WireResult & { tls?: TlsInfo }).tls = connection.tls;
      return result;
    }
    return { outcome: 'reset', detail: 'connection closed without an answer', body: [], established: false, reusable: false };
  }

  #park(slot: Slot, connection: Connection): void {
    const { socket } = connection;
    if (socket.destroyed) return;
    // An idle connection never keeps the process alive, and is closed after a while.
    socket.unref();
    socket.setTimeout(IDLE_MS);
    if (!this.#watched.has(socket)) {
      this.#watched.add(socket);
      socket.on('timeout', () => socket.destroy());
      socket.once('close', () => {
        const at = slot.idle.indexOf(connection);
        if (at >= 0) slot.idle.splice(at, 1);
      });
    }
    slot.idle.push(connection);
  }

  #slot(key: string): Slot {
    let slot = this.#slots.get(key);
    if (!slot) {
      // Every field from the start (one shape); the time a double from the start (Date.now() is no small integer).
      slot = { idle: [], busy: false, queue: [], active: undefined, poisonedUntil: Number.NEGATIVE_INFINITY, poisonDetail: undefined };
      this.#slots.set(key, slot);
    }
    return slot;
  }

  #release(slot: Slot): void {
    const next = slot.queue.shift();
    if (next) next.resume();
    else slot.busy = false;
  }

  /**
   * Writes the queued GETs ahead, in queue order, on the connection the slot reads from, once it has answered with
   * keep-alive: up to the pipeline's depth, and never past a request that cannot be (a POST, a certificate read, one
   * the trust policy holds back), so that answers come back in the order the turns are taken.
   */
  #writeAhead(slot: Slot): void {
    const connection = slot.active;
    const depth = this.#options.pipeline ?? PIPELINE_DEPTH;
    if (!connection?.persistent || connection.socket.destroyed || depth <= 0 || this.#closed || Date.now() < slot.poisonedUntil) return;
    for (const waiter of slot.queue) {
      if (waiter.written === connection) continue;
      if (waiter.written || !waiter.ahead || connection.ahead >= depth) return;
      if (!writeAhead(connection, waiter.ahead.wire, waiter.ahead.target)) return;
      waiter.written = connection;
      this.counts.writtenAhead++;
    }
  }

  #result(base: { method: string; url: string; identity: string }, wire: WireResult & { tls?: TlsInfo }, started: number, abort?: Deadline): Exchange {
    const outcome: Outcome = wire.outcome === 'timeout' && this.#options.signal?.aborted ? 'aborted' : wire.outcome;
    const held = this.secrets.size > 0;
    const received = wire.head?.headers ?? {};
    // One look over every value for a held secret; the values are scrubbed one by one (a copy) only when one is there.
    let headers = received;
    if (held && this.secrets.holds(Object.values(received).join('\n'))) {
      headers = {};
      for (const [name, value] of Object.entries(received)) headers[name] = this.secrets.scrub(value, { shapes: false });
    }
    const body = wire.body.length === 1 ? (wire.body[0] as Buffer) : Buffer.concat(wire.body);
    const exchange: Exchange = { method: base.method, url: base.url, identity: base.identity, outcome, headers, body: held ? this.secrets.scrubBytes(body) : body, durationMs: Math.round((performance.now() - started) * 10) / 10 };
    if (wire.head) exchange.status = wire.head.status;
    const detail = outcome === 'aborted' ? 'the overall deadline passed' : outcome === 'timeout' && abort?.aborted ? `timed out: no whole answer within ${Math.round(performance.now() - started)} ms` : wire.detail;
    if (detail) exchange.detail = excerpt(detail, { secrets: this.secrets, max: 300 });
    if (wire.tls) exchange.tls = wire.tls;
    if (wire.plainHttp) exchange.plainHttp = true;
    return exchange;
  }
}

const noop = (): void => undefined;

/** Removes held secrets from a stream of chunks, keeping back enough bytes that a secret split across two is caught. */
class StreamScrubber {
  readonly #secrets: Secrets;
  readonly #keep: number;
  #carry: Buffer = Buffer.alloc(0);

  constructor(secrets: Secrets) {
    this.#secrets = secrets;
    this.#keep = Math.max(0, secrets.longest - 1);
  }

  push(chunk: Buffer): Buffer {
    if (this.#keep === 0) return chunk;
    const data = this.#secrets.scrubBytes(Buffer.concat([this.#carry, chunk]));
    const split = Math.max(0, data.length - this.#keep);
    this.#carry = data.subarray(split);
    return data.subarray(0, split);
  }

  flush(): Buffer {
    const rest = this.#secrets.scrubBytes(this.#carry);
    this.#carry = Buffer.alloc(0);
    return rest;
  }
}
