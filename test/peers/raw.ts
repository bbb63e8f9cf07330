// Hostile HTTP answers written byte by byte on a raw socket (plain or inside TLS): what Node's own HTTP server would
// never send. Each behaviour starts once the request's head has arrived and owns the socket from then on.
import type { Duplex } from 'node:stream';
import { gzipSync } from 'node:zlib';

export const RAW_KINDS = [
  'silent',
  'drip-head',
  'drip-body',
  'endless-body',
  'oversized-body',
  'gzip-bomb',
  'broken-status',
  'header-flood',
  'mega-header',
  'bad-chunking',
  'two-lengths',
] as const;
export type RawKind = (typeof RAW_KINDS)[number];

/** Bytes of the oversized body: over every byte cap kia has (64 MiB for `kia get`). */
const OVERSIZED_BYTES = 80 << 20;
/** What the gzip bomb inflates to (it is about 1 MB on the wire). */
const BOMB_INFLATED = 1 << 30;

export interface RawContext {
  /** Timers started for this socket, cleared when the peer closes. */
  timers: Set<NodeJS.Timeout>;
  /** The gzip bomb, built once per peer. */
  bomb(): Buffer;
}

const CRLF = '\r\n';
const head = (lines: string[]) => Buffer.from(`${lines.join(CRLF)}${CRLF}${CRLF}`, 'latin1');

function drip(socket: Duplex, bytes: Buffer, ctx: RawContext): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= bytes.length) return clearInterval(timer);
    socket.write(bytes.subarray(i, i + 1));
    i++;
  }, 1000);
  ctx.timers.add(timer);
}

/** Writes `total` bytes (or forever when undefined) of filler, honouring backpressure. */
function pour(socket: Duplex, total: number | undefined, chunked: boolean): void {
  const block = Buffer.alloc(64 << 10, 'a');
  const frame = chunked ? Buffer.concat([Buffer.from(`${block.length.toString(16)}${CRLF}`), block, Buffer.from(CRLF)]) : block;
  let left = total ?? Infinity;
  const go = (): void => {
    while (left > 0 && !socket.destroyed) {
      const piece = left >= block.length ? frame : block.subarray(0, left);
      left -= block.length;
      if (!socket.write(piece)) {
        socket.once('drain', go);
        return;
      }
    }
    if (!socket.destroyed) socket.end();
  };
  go();
}

export function gzipBomb(): Buffer {
  // Concatenated gzip members inflate to their concatenation: 64 x 16 MiB of zeros from about 1 MB.
  const member = gzipSync(Buffer.alloc(16 << 20), { level: 9 });
  return Buffer.concat(Array.from({ length: BOMB_INFLATED / (16 << 20) }, () => member));
}

export function rawAnswer(kind: RawKind, socket: Duplex, ctx: RawContext): void {
  switch (kind) {
    case 'silent':
      return;
    case 'drip-head':
      return drip(socket, head(['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Content-Length: 2']), ctx);
    case 'drip-body':
      socket.write(head(['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Content-Length: 100000']));
      return drip(socket, Buffer.alloc(100_000, 'x'), ctx);
    case 'endless-body':
      socket.write(head(['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Transfer-Encoding: chunked']));
      return pour(socket, undefined, true);
    case 'oversized-body':
      socket.write(head(['HTTP/1.1 200 OK', 'Content-Type: text/plain', `Content-Length: ${OVERSIZED_BYTES}`]));
      return pour(socket, OVERSIZED_BYTES, false);
    case 'gzip-bomb': {
      const bomb = ctx.bomb();
      socket.write(head(['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Content-Encoding: gzip', `Content-Length: ${bomb.length}`]));
      socket.end(bomb);
      return;
    }
    case 'broken-status':
      socket.end(head(['HTTP/1.1 2xx Sure Thing', 'Content-Length: 2']).toString('latin1') + 'ok');
      return;
    case 'header-flood': {
      const lines = Array.from({ length: 10_000 }, (_, i) => `X-Flood-${i}: ${i}`);
      socket.end(head(['HTTP/1.1 200 OK', 'Content-Type: text/plain', ...lines, 'Content-Length: 2']).toString('latin1') + 'ok');
      return;
    }
    case 'mega-header':
      socket.end(head(['HTTP/1.1 200 OK', 'Content-Type: text/plain', `X-Big: ${'a'.repeat(1 << 20)}`, 'Content-Length: 2']).toString('latin1') + 'ok');
      return;
    case 'bad-chunking':
      socket.end(head(['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Transfer-Encoding: chunked']).toString('latin1') + `zz${CRLF}hello${CRLF}0${CRLF}${CRLF}`);
      return;
    case 'two-lengths':
      socket.end(head(['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Content-Length: 5', 'Content-Length: 50']).toString('latin1') + 'hello');
      return;
  }
}
