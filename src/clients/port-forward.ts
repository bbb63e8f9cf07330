// Port-forward over WebSocket: a loopback listener per [local, remote] pair and one WebSocket per accepted
// connection (data channel 0 and error channel 1, each opened by the port in two little-endian bytes). A connection
// whose peer misbehaves (a flood on the error channel, a frame over the limit) ends alone; the listeners go on.
import { setMaxListeners } from 'node:events';
import net from 'node:net';
import type { WebSocket } from 'ws';
import { UsageError } from '../errors.ts';
import { decodeFrame, encodeFrame } from './channel.ts';
import { excerpt } from '../redact.ts';
import { brokenBy } from './remote-command.ts';
import { MAX_STATUS_BYTES, openChannel, streamUrl, type StreamResult, type StreamTarget } from './stream.ts';

const QUIET_MS = 1000;
/** The largest data frame sent: well under the 32 MiB a kubelet (x/net/websocket) takes in one message. */
const MAX_FRAME = 256 << 10;
/** Bytes sent and not yet written to the connection before the local socket is paused. */
const MAX_IN_FLIGHT_BYTES = 2 << 20;

export interface PortForwardOptions extends StreamTarget {
  /** [local, remote] pairs; local 0 picks a free port. */
  ports: readonly (readonly [number, number])[];
  /** Where the local listeners bind (default 127.0.0.1). */
  address?: string;
  /** A connection the remote side refused or failed: the upgrade's status or the error channel's text. */
  onError?: (error: PortForwardError) => void;
}

export interface PortForwardError {
  local: number;
  remote: number;
  /** refused: the upgrade got an HTTP status; down: no answer; broken: the stream failed or the pod's port did. */
  outcome: Exclude<StreamResult['outcome'], 'ok'>;
  message: string;
}

export interface PortForwarder {
  readonly bound: readonly { address: string; local: number; remote: number }[];
  /** Connections currently forwarded. */
  readonly active: number;
  /** Connections that failed so far, by outcome. */
  readonly failed: Readonly<Record<PortForwardError['outcome'], number>>;
  /** Stops listening, closes every forwarded connection cleanly and waits for them. */
  close(): Promise<void>;
}

/** Listens on local ports and forwards each accepted connection over its own WebSocket to the pod's port. */
export async function portForward(o: PortForwardOptions): Promise<PortForwarder> {
  const address = o.address ?? '127.0.0.1';
  const servers: net.Server[] = [];
  const bound: { address: string; local: number; remote: number }[] = [];
  const live = new Set<{ socket: net.Socket; ws?: WebSocket; closed: Promise<void> }>();
  const failed = { refused: 0, down: 0, broken: 0 };
  // Stops the streams still being set up when the forwarder closes (and when the caller's signal does).
  const stopping = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stopping.signal]) : stopping.signal;
  // One listener per connection being set up: a burst of local connections is not a leak.
  setMaxListeners(0, signal);
  const options: PortForwardOptions = {
    ...o,
    signal,
    onError: (error) => {
      failed[error.outcome]++;
      o.onError?.(error);
    },
  };
  for (const [local, remote] of o.ports) {
    if (!Number.isInteger(remote) || remote < 1 || remote > 65535) throw new UsageError(`not a port: ${remote}`);
    let boundPort = local;
    // Half-open: the remote side may still answer after the local client has finished writing.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      let settle = () => undefined as void;
      const entry: { socket: net.Socket; ws?: WebSocket; closed: Promise<void> } = { socket, closed: new Promise((r) => (settle = r)) };
      live.add(entry);
      socket.on('close', () => {
        live.delete(entry);
        settle();
      });
      void forward(options, socket, { local: boundPort, remote }, (ws) => (entry.ws = ws));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: address, port: local }, () => resolve());
      });
    } catch (error) {
      for (const s of servers) s.close();
      throw new UsageError(`cannot listen on ${address}:${local}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
    servers.push(server);
    boundPort = (server.address() as net.AddressInfo).port;
    bound.push({ address, local: boundPort, remote });
  }
  return {
    bound,
    get active() {
      return live.size;
    },
    failed,
    async close() {
      const stopped = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      stopping.abort();
      // An open stream is closed cleanly; ws cuts it after CLOSE_GRACE_MS if the peer does not answer.
      for (const entry of live) {
        if (entry.ws && entry.ws.readyState === entry.ws.OPEN) entry.ws.close(1000);
        else entry.socket.destroy();
      }
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([Promise.all([...live].map((e) => e.closed)), deadline]);
      for (const entry of live) {
        entry.ws?.terminate();
        entry.socket.destroy();
      }
      await stopped;
    },
  };
}

async function forward(o: PortForwardOptions, socket: net.Socket, ports: { local: number; remote: number }, keep: (ws: WebSocket) => void): Promise<void> {
  socket.pause();
  socket.on('error', () => socket.destroy());
  const opened = await openChannel(streamUrl(o, 'portforward', { ports: [ports.remote] }), o);
  if (!('ws' in opened)) {
    if (!opened.aborted) o.onError?.({ ...ports, outcome: opened.outcome === 'ok' ? 'broken' : opened.outcome, message: setupFailure(opened) });
    socket.destroy();
    return;
  }
  const ws = opened.ws;
  keep(ws);
  const protocol = ws.protocol;
  if (socket.destroyed) return void ws.close(1000);
  // The first frame on each channel starts with the port (2 bytes, little-endian).
  const prefix = [true, true];
  const errorBytes: Buffer[] = [];
  let errorSize = 0;
  let broke: string | undefined;
  let full = false;
  let inFlight = 0;
  opened.listen((data, isBinary) => {
    if (broke !== undefined) return;
    const frame = decodeFrame(protocol, isBinary ? data : data.toString('latin1'));
    if (!frame || frame.channel > 1) return;
    let payload = frame.payload;
    if (prefix[frame.channel]) {
      prefix[frame.channel] = false;
      payload = payload.subarray(2);
    }
    if (payload.length === 0) return;
    if (frame.channel === 1) {
      // The error channel carries one line from the runtime; a flood of it is a peer to stop.
      if ((errorSize += payload.length) > MAX_STATUS_BYTES) {
        broke = `the peer sent more than ${MAX_STATUS_BYTES >> 10} KiB on the error channel`;
        return void ws.terminate();
      }
      errorBytes.push(payload);
    } else if (!socket.write(payload) && !full) {
      // The local reader is slow: stop reading the WebSocket (the peer is held by TCP) until it drains.
      full = true;
      ws.pause();
      socket.once('drain', () => {
        full = false;
        ws.resume();
      });
    }
  });
  // Reads that arrive together (libuv reads up to 32 times per wakeup) go out as one frame of up to MAX_FRAME:
  // fewer frames and TLS writes, and still one copy per byte.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (pendingBytes === 0 || ws.readyState !== ws.OPEN) return;
    const size = pendingBytes;
    const frame = encodeFrame(protocol, 0, pending);
    pending = [];
    pendingBytes = 0;
    inFlight += size;
    ws.send(frame, () => {
      inFlight -= size;
      if (inFlight < MAX_IN_FLIGHT_BYTES / 2) socket.resume();
    });
    if (inFlight >= MAX_IN_FLIGHT_BYTES) socket.pause();
  };
  socket.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= MAX_FRAME) flush();
    else scheduled ??= setImmediate(flush);
  });
  socket.on('close', () => {
    flush();
    ws.close(1000);
  });
  // The channel protocol has no half-close: once the local side has finished, the remote side gets until it has
  // been quiet for QUIET_MS (containerd's own grace after one direction ends is one second), then the stream closes.
  let quiet: NodeJS.Timeout | undefined;
  const settle = () => {
    clearTimeout(quiet);
    quiet = setTimeout(() => ws.close(1000), QUIET_MS);
  };
  socket.on('end', () => {
    flush();
    settle();
    ws.on('message', settle);
  });
  ws.on('error', (e) => (broke ??= brokenBy(e)));
  ws.on('close', () => {
    clearTimeout(quiet);
    if (scheduled) clearImmediate(scheduled);
    const errorText = Buffer.concat(errorBytes).toString('utf8');
    if (broke !== undefined || errorText !== '') {
      o.onError?.({ ...ports, outcome: 'broken', message: broke ?? excerpt(errorText, { max: 400 }) });
      socket.destroy();
    } else socket.end();
  });
  socket.resume();
}

/** One line for a stream that could not be set up. */
function setupFailure(result: StreamResult): string {
  if (result.outcome === 'refused') return `the upgrade was refused: ${result.httpStatus} ${excerpt(result.body ?? '')}`.trim();
  return excerpt(result.error ?? result.outcome);
}
