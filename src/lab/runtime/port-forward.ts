// Port-forward over WebSocket as cri-streaming serves it (portforward/websocket.go): per requested port a data
// channel 2i and an error channel 2i+1, each opened with the port as two little-endian bytes; a port nothing listens
// on gets the runtime's error on its error channel; the connection closes when every forward has ended.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { decodeFrame, encodeFrame, isBase64, portForwardChannels, portPrefix } from '../../clients/channel.ts';
import type { ContainerInfo } from './container.ts';
import { connectPodPort } from './pod-ports.ts';

/** Bytes sent toward the client and not yet written before the container side is paused. */
const MAX_IN_FLIGHT_BYTES = 2 << 20;

/**
 * A payload the pod hands back that is one the client sent (the echo port returns the very buffers written to it) is
 * framed in place: decodeFrame's payload is the received message after its channel byte, and that byte, the
 * message's own (ws hands each message to us), becomes the outgoing channel. A copy per frame saved; any other
 * payload is framed by copying.
 */
function reframe(received: WeakSet<Buffer>, channel: number, payload: Buffer): Buffer | undefined {
  if (!received.has(payload) || payload.byteOffset === 0) return undefined;
  const frame = Buffer.from(payload.buffer, payload.byteOffset - 1, payload.length + 1);
  frame[0] = channel;
  return frame;
}

export function portForwardSession(ws: WebSocket, protocol: string, ports: readonly number[], info: ContainerInfo): void {
  const received = new WeakSet<Buffer>();
  const binary = !isBase64(protocol);
  const send = (channel: number, payload: Uint8Array | string, done?: () => void) => {
    const own = binary && Buffer.isBuffer(payload) ? reframe(received, channel, payload) : undefined;
    ws.send(own ?? encodeFrame(protocol, channel, payload), done);
  };
  for (const [i, port] of ports.entries()) {
    send(portForwardChannels(i).data, portPrefix(port));
    send(portForwardChannels(i).error, portPrefix(port));
  }
  const streams: (Duplex | undefined)[] = [];
  let remaining = ports.length;
  let inFlight = 0;
  const ended = () => {
    if (--remaining === 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };
  for (const [i, port] of ports.entries()) {
    const target = connectPodPort(port, info);
    if ('error' in target) {
      send(portForwardChannels(i).error, target.error);
      streams.push(undefined);
      queueMicrotask(ended);
      continue;
    }
    const stream = target.stream;
    streams.push(stream);
    stream.on('data', (chunk: Buffer) => {
      inFlight += chunk.length;
      send(portForwardChannels(i).data, chunk, () => {
        inFlight -= chunk.length;
        if (inFlight < MAX_IN_FLIGHT_BYTES / 2) for (const s of streams) s?.resume();
      });
      if (inFlight >= MAX_IN_FLIGHT_BYTES) stream.pause();
    });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      ended();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  }
  let waiting = false;
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const frame = decodeFrame(protocol, isBinary ? raw : raw.toString('latin1'));
    if (!frame || frame.channel % 2 !== 0) return;
    const stream = streams[frame.channel / 2];
    if (!stream || stream.destroyed || frame.payload.length === 0) return;
    if (binary && isBinary) received.add(frame.payload);
    if (!stream.write(frame.payload) && !waiting) {
      waiting = true;
      ws.pause();
      stream.once('drain', () => {
        waiting = false;
        ws.resume();
      });
    }
  });
  ws.on('close', () => {
    for (const stream of streams) stream?.destroy();
  });
}
