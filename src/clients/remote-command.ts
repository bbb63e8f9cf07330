// exec and attach over a stream opened by stream.ts: stdin in (paused while frames wait to be written), stdout and
// stderr out (the peer held by TCP while a destination is full), the exit status from the error channel (bounded),
// and an end even when the peer never closes: a short grace after the status, then the socket is cut.
import type { Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { UsageError } from '../errors.ts';
import { CHANNEL, closeFrame, decodeFrame, encodeFrame, exitCodeOf, resizeFrame } from './channel.ts';
import { excerpt } from '../redact.ts';
import { CLOSE_GRACE_MS, MAX_MESSAGE_BYTES, MAX_STATUS_BYTES, openChannel, streamUrl, type StreamResult, type StreamTarget } from './stream.ts';

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

/** WebSocket frames sent and not yet written before stdin is paused. */
export const MAX_IN_FLIGHT = 32;

/** Runs a command in a container; resolves when the remote side closes, with its exit status. */
export async function exec(options: ExecOptions): Promise<StreamResult> {
  if (options.command.length === 0) throw new UsageError('exec needs a command');
  return stream(options, 'exec', options.command);
}

/** Attaches to a container's main process; resolves when the stream ends or `signal` aborts it. */
export async function attach(options: AttachOptions): Promise<StreamResult> {
  return stream(options, 'attach', []);
}

/** What a WebSocket error after the upgrade says about the peer, in words. */
export function brokenBy(error: Error & { code?: unknown }): string {
  if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return `the peer sent a message over ${MAX_MESSAGE_BYTES >> 20} MiB (${error.message})`;
  if (typeof error.code === 'string' && error.code.startsWith('WS_ERR_')) return `the peer sent an invalid frame (${error.message})`;
  return `the connection failed (${error.message})`;
}

/** Copies payloads to their destinations; while any of them is full the WebSocket stops reading. */
function outputs(ws: WebSocket): (out: Writable | undefined, payload: Buffer) => void {
  const full = new Set<Writable>();
  return (out, payload) => {
    if (!out || payload.length === 0) return;
    if (out.write(payload) || full.has(out)) return;
    full.add(out);
    ws.pause();
    out.once('drain', () => {
      full.delete(out);
      if (full.size === 0) ws.resume();
    });
  };
}

function isV4OrLater(protocol: string): boolean {
  return protocol.startsWith('v4') || protocol.startsWith('v5');
}

async function stream(o: AttachOptions, kind: 'exec' | 'attach', command: readonly string[]): Promise<StreamResult> {
  const params = { command, container: o.container, stdin: !!o.stdin, stdout: !!o.stdout, stderr: !!o.stderr && !o.tty, tty: !!o.tty };
  const opened = await openChannel(streamUrl(o, kind, params), o);
  if (!('ws' in opened)) return opened;
  const ws = opened.ws;
  const protocol = ws.protocol;
  return new Promise((resolve) => {
    const status: Buffer[] = [];
    let statusSize = 0;
    let broke: string | undefined;
    // Set once the exit status came or the caller aborted: from then on ending the stream is ours to do.
    let ending = false;
    let aborted = false;
    let grace: NodeJS.Timeout | undefined;
    const breakWith = (why: string) => {
      broke ??= why;
      ws.terminate();
    };
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
    // ws.close() waits CLOSE_GRACE_MS (closeTimeout) for the peer's close frame, then cuts the socket.
    const abort = () => {
      ending = aborted = true;
      ws.close(1000);
    };
    o.signal?.addEventListener('abort', abort, { once: true });
    if (o.signal?.aborted) abort();
    const write = outputs(ws);
    opened.listen((data, isBinary) => {
      if (broke !== undefined) return;
      const frame = decodeFrame(protocol, isBinary ? data : data.toString('latin1'));
      // Empty frames and channels kia did not ask for (client-go discards unknown stream ids too).
      if (!frame) return;
      if (frame.channel === CHANNEL.stdout) write(o.stdout, frame.payload);
      else if (frame.channel === CHANNEL.stderr) write(o.stderr, frame.payload);
      else if (frame.channel === CHANNEL.error) {
        if ((statusSize += frame.payload.length) > MAX_STATUS_BYTES) return breakWith(`the peer sent more than ${MAX_STATUS_BYTES >> 10} KiB on the error channel`);
        status.push(frame.payload);
        // The v4+ status is the last thing a runtime sends (in one message): a peer that then never closes gets a
        // short grace. Only the first few messages are tried, so a status sent a byte at a time costs no more.
        if (!ending && status.length <= 4 && isV4OrLater(protocol) && statusOf(protocol, Buffer.concat(status).toString('utf8')).outcome === 'ok') {
          ending = true;
          grace = setTimeout(() => ws.close(1000), CLOSE_GRACE_MS);
        }
      }
    });
    ws.on('error', (error) => (broke ??= brokenBy(error)));
    ws.on('close', (code) => {
      clearTimeout(grace);
      o.stdin?.off('data', onData);
      o.stdin?.off('end', onEnd);
      o.signal?.removeEventListener('abort', abort);
      if (typeof unsubscribe === 'function') unsubscribe();
      const text = Buffer.concat(status).toString('utf8');
      const remote = text === '' ? undefined : statusOf(protocol, text);
      const exit = remote?.exitCode !== undefined ? { exitCode: remote.exitCode, ...(remote.status ? { status: remote.status } : {}) } : {};
      if (broke === undefined && remote === undefined && !aborted && code === 1006 && isV4OrLater(protocol)) broke = `the connection closed without an exit status (${code})`;
      if (broke !== undefined) resolve({ outcome: 'broken', protocol, error: broke, ...exit });
      else resolve({ ...(remote ?? { outcome: 'ok', exitCode: 0 }), protocol, ...(aborted ? { aborted } : {}) });
    });
  });
}

/**
 * The exit status a stream ended with: JSON status from v4 on, plain text before. A Failure that is not an exit
 * code (the container is gone, the runtime failed) is exit 1 with its message; a status that is not JSON is broken.
 */
function statusOf(protocol: string, text: string): StreamResult {
  if (isV4OrLater(protocol)) {
    try {
      const status = JSON.parse(text) as unknown;
      if (typeof status !== 'object' || status === null || Array.isArray(status)) throw new TypeError('not an object');
      const code = exitCodeOf(status as Parameters<typeof exitCodeOf>[0]);
      const fields = status as Record<string, unknown>;
      return code === undefined ? { outcome: 'ok', status: fields, error: excerpt(String(fields.message ?? text)), exitCode: 1 } : { outcome: 'ok', status: fields, exitCode: code };
    } catch {
      return { outcome: 'broken', error: `the status on the error channel is not JSON: ${excerpt(text)}` };
    }
  }
  const code = /exit code (\d+)/.exec(text);
  return code ? { outcome: 'ok', exitCode: Number(code[1]), error: excerpt(text) } : { outcome: 'ok', error: excerpt(text), exitCode: 1 };
}
