// An HTTP/1.1 response reader for one exchange, fed bytes as they come: status line, headers and body (length,
// chunked, or until close), with caps on what it keeps and on what it parses. A peer that breaks the protocol gets
// `bad-answer` with the reason, never an exception; bytes beyond the cap stop the read with `too-large`.

export interface ResponseHead {
  status: number;
  reason: string;
  /** Lower-case names; a repeated header's values joined with `, ` (set-cookie included). */
  headers: Record<string, string>;
  /** HTTP/1.1 and no `Connection: close`: the connection can carry the next request once the body is read. */
  keepAlive: boolean;
}

export interface ReaderLimits {
  /** Bytes of status line and headers together. */
  maxHeaderBytes: number;
  maxHeaders: number;
  /** Body bytes kept; past them the read stops with `too-large`. */
  maxBodyBytes: number;
  /**
   * Body bytes past the cap read and dropped, so that a kept-alive connection carries the next request (a new
   * handshake costs more than reading a metrics page to its end); past them, or with a body that runs to the close,
   * `too-large` ends the connection.
   */
  drainBytes?: number;
}

export const DEFAULT_LIMITS: ReaderLimits = { maxHeaderBytes: 64 << 10, maxHeaders: 256, maxBodyBytes: 16 << 20 };

export type ReadEvent =
  | { kind: 'head'; head: ResponseHead }
  | { kind: 'body'; chunk: Buffer }
  /**
   * The whole answer is in; `reusable` when the connection may carry another request (the answer said keep-alive);
   * `rest`: bytes that came after it (the next pipelined answer's, or bytes nobody asked for).
   */
  | { kind: 'end'; reusable: boolean; rest?: Buffer }
  /** `reusable`: the rest of the body was read and dropped (drainBytes), the connection may carry another request. */
  | { kind: 'too-large'; reusable?: boolean; rest?: Buffer }
  | { kind: 'bad'; detail: string };

type BodyMode = { kind: 'none' } | { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };
type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_CHUNK_LINE = 4096;
// What a reader holds between answers: one empty buffer for all of them.
const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const HTTP_PREFIX = Buffer.from('HTTP/', 'latin1');

function preview(bytes: Buffer): string {
  return JSON.stringify(bytes.subarray(0, 40).toString('latin1'));
}

/** Reads one response; `push` bytes, `close` when the peer ends; events go to the sink's `event`. */
export class ResponseReader {
  #limits: ReaderLimits;
  readonly #noBody: boolean;
  readonly #sink: { event(event: ReadEvent): void };
  #pending: Buffer = EMPTY;
  #head: ResponseHead | undefined;
  #mode: BodyMode | undefined;
  #chunk: ChunkState = 'size';
  #chunkLeft = 0;
  #bodyBytes = 0;
  /** Past the cap and dropping the rest: how many bytes were dropped. */
  #drained: number | undefined;
  #done = false;

  /** `sink.event` hears what the reader finds (an object: one reader per answer, no closure each). */
  constructor(options: { method: string; limits: ReaderLimits; sink: { event(event: ReadEvent): void } }) {
    this.#limits = options.limits;
    this.#noBody = options.method === 'HEAD';
    this.#sink = options.sink;
  }

  get done(): boolean {
    return this.#done;
  }

  get head(): ResponseHead | undefined {
    return this.#head;
  }

  /** A caller that streams the body applies its own limit from the head on. */
  unlimitBody(): void {
    this.#limits = { ...this.#limits, maxBodyBytes: Number.MAX_SAFE_INTEGER };
  }

  push(data: Buffer): void {
    if (this.#done) return;
    this.#pending = this.#pending.length === 0 ? data : Buffer.concat([this.#pending, data]);
    if (!this.#mode && !this.#readHead()) return;
    this.#readBody();
  }

  /** The peer closed its side: what is in is all there is. */
  close(): void {
    if (this.#done) return;
    if (!this.#head) return this.#finish({ kind: 'bad', detail: this.#pending.length === 0 ? 'connection closed without an answer' : `connection closed inside the headers: ${preview(this.#pending)}` });
    if (this.#mode?.kind === 'close') return this.#finish({ kind: 'end', reusable: false });
    this.#finish({ kind: 'bad', detail: this.#mode?.kind === 'length' ? `connection closed ${this.#mode.left} bytes before the end of the body` : 'connection closed inside a chunked body' });
  }

  #finish(event: ReadEvent): void {
    if (this.#done) return;
    this.#done = true;
    this.#pending = EMPTY;
    this.#sink.event(event);
  }

  /** Parses status line and headers once they are all in; false while incomplete or after a failure. */
  #readHead(): boolean {
    for (;;) {
      const end = this.#pending.indexOf(HEAD_END);
      if (end < 0) {
        if (this.#pending.length > this.#limits.maxHeaderBytes) this.#finish({ kind: 'bad', detail: `headers larger than ${this.#limits.maxHeaderBytes} bytes` });
        else if (this.#pending.length >= 5 && this.#pending.compare(HTTP_PREFIX, 0, 5, 0, 5) !== 0) this.#finish({ kind: 'bad', detail: `not an HTTP answer: ${preview(this.#pending)}` });
        return false;
      }
      if (end > this.#limits.maxHeaderBytes) {
        this.#finish({ kind: 'bad', detail: `headers larger than ${this.#limits.maxHeaderBytes} bytes` });
        return false;
      }
      const lines = this.#pending.subarray(0, end).toString('latin1').split('\r\n');
      const rest = this.#pending.subarray(end + 4);
      const status = STATUS_LINE.exec(lines[0] ?? '');
      if (!status) {
        this.#finish({ kind: 'bad', detail: `not an HTTP status line: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}` });
        return false;
      }
      if (lines.length - 1 > this.#limits.maxHeaders) {
        this.#finish({ kind: 'bad', detail: `more than ${this.#limits.maxHeaders} headers` });
        return false;
      }
      const headers: Record<string, string> = {};
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i] as string;
        const colon = line.indexOf(':');
        const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
        if (!TOKEN.test(name)) {
          this.#finish({ kind: 'bad', detail: `malformed header line: ${JSON.stringify(line.slice(0, 60))}` });
          return false;
        }
        const value = line.slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      const code = Number(status[2]);
      this.#pending = rest;
      // Interim answers (100 Continue, 103 Early Hints) come before the real one.
      if (code >= 100 && code < 200 && code !== 101) continue;
      const keepAlive = status[1] === '1' && (headers.connection === undefined || !/\bclose\b/i.test(headers.connection));
      const mode = this.#bodyMode(code, headers);
      if (typeof mode === 'string') {
        this.#finish({ kind: 'bad', detail: mode });
        return false;
      }
      this.#mode = mode;
      this.#head = { status: code, reason: status[3] ?? '', headers, keepAlive: keepAlive && mode.kind !== 'close' };
      this.#sink.event({ kind: 'head', head: this.#head });
      return true;
    }
  }

  #bodyMode(code: number, headers: Record<string, string>): BodyMode | string {
    if (this.#noBody || code === 101 || code === 204 || code === 304) return { kind: 'none' };
    const te = headers['transfer-encoding'];
    if (te !== undefined) return /(^|,)\s*chunked\s*$/i.test(te) ? { kind: 'chunked' } : { kind: 'close' };
    const cl = headers['content-length'];
    if (cl === undefined) return { kind: 'close' };
    // One value, as nearly every answer sends; a list only when repeated (the same value repeated is allowed).
    const values = cl.includes(',') ? [...new Set(cl.split(',').map((v) => v.trim()))] : [cl.trim()];
    if (values.length > 1) return `conflicting Content-Length values: ${cl.slice(0, 60)}`;
    const length = /^\d{1,15}$/.test(values[0] ?? '') ? Number(values[0]) : NaN;
    if (!Number.isSafeInteger(length)) return `invalid Content-Length: ${JSON.stringify(cl.slice(0, 40))}`;
    return length === 0 ? { kind: 'none' } : { kind: 'length', left: length };
  }

  #deliver(chunk: Buffer): boolean {
    if (chunk.length === 0) return true;
    if (this.#drained !== undefined) return this.#drop(chunk.length);
    const room = this.#limits.maxBodyBytes - this.#bodyBytes;
    if (chunk.length > room) {
      if (room > 0) this.#sink.event({ kind: 'body', chunk: chunk.subarray(0, room) });
      this.#bodyBytes = this.#limits.maxBodyBytes;
      if ((this.#limits.drainBytes ?? 0) > 0 && this.#mode?.kind !== 'close') {
        this.#drained = 0;
        return this.#drop(chunk.length - room);
      }
      this.#finish({ kind: 'too-large' });
      return false;
    }
    this.#bodyBytes += chunk.length;
    this.#sink.event({ kind: 'body', chunk });
    return true;
  }

  #drop(bytes: number): boolean {
    this.#drained = (this.#drained ?? 0) + bytes;
    if (this.#drained <= (this.#limits.drainBytes ?? 0)) return true;
    this.#finish({ kind: 'too-large' });
    return false;
  }

  /** The body's end: a whole answer, or one cut at the cap whose rest was dropped; bytes past it are handed on. */
  #end(reusable: boolean): void {
    const rest = this.#pending.length > 0 ? { rest: this.#pending } : {};
    this.#finish(this.#drained === undefined ? { kind: 'end', reusable, ...rest } : { kind: 'too-large', reusable, ...rest });
  }

  #readBody(): void {
    const mode = this.#mode;
    if (!mode || this.#done) return;
    const head = this.#head as ResponseHead;
    if (mode.kind === 'none') return this.#end(head.keepAlive);
    if (mode.kind === 'close') {
      const data = this.#pending;
      this.#pending = EMPTY;
      this.#deliver(data);
      return;
    }
    if (mode.kind === 'length') {
      const take = this.#pending.subarray(0, mode.left);
      this.#pending = this.#pending.subarray(take.length);
      mode.left -= take.length;
      if (!this.#deliver(take)) return;
      if (mode.left === 0) this.#end(head.keepAlive);
      return;
    }
    this.#readChunks(head);
  }

  #readChunks(head: ResponseHead): void {
    for (;;) {
      if (this.#chunk === 'data') {
        if (this.#pending.length === 0) return;
        const take = this.#pending.subarray(0, this.#chunkLeft);
        this.#pending = this.#pending.subarray(take.length);
        this.#chunkLeft -= take.length;
        if (!this.#deliver(take)) return;
        if (this.#chunkLeft > 0) return;
        this.#chunk = 'data-end';
        continue;
      }
      const eol = this.#pending.indexOf('\r\n');
      if (eol < 0) {
        if (this.#pending.length > MAX_CHUNK_LINE) this.#finish({ kind: 'bad', detail: 'invalid chunked body: a line longer than 4 KiB' });
        return;
      }
      const line = this.#pending.subarray(0, eol).toString('latin1');
      this.#pending = this.#pending.subarray(eol + 2);
      if (this.#chunk === 'data-end') {
        if (line !== '') return this.#finish({ kind: 'bad', detail: 'invalid chunked body: data longer than its size' });
        this.#chunk = 'size';
        continue;
      }
      if (this.#chunk === 'trailer') {
        if (line === '') return this.#end(head.keepAlive);
        continue;
      }
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line);
      if (!size) return this.#finish({ kind: 'bad', detail: `invalid chunk size: ${JSON.stringify(line.slice(0, 40))}` });
      this.#chunkLeft = Number.parseInt(size[1] as string, 16);
      this.#chunk = this.#chunkLeft === 0 ? 'trailer' : 'data';
    }
  }
}
