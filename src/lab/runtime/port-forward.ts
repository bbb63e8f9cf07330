// Port-forward over WebSocket as cri-streaming serves it (portforward/websocket.go): per requested port a data
// channel 2i and an error channel 2i+1, each opened with the port as two little-endian bytes; a port nothing listens
// on gets the runtime's error on its error channel; the connection closes when every forward has ended.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { decodeFrame, encodeFrame, portForwardChannels, portPrefix } from '../../clients/channel.ts';
import type { ContainerInfo } from './container.ts';
import { connectPodPort } from './pod-ports.ts';

/** Bytes sent toward the client and not yet written before the container side is paused. */
const MAX_IN_FLIGHT_BYTES = 2 << 20;

export function portForwardSession(ws: WebSocket, protocol: string, ports: readonly number[], info: ContainerInfo): void {
  const send = (channel: number, payload: Uint8Array | string, done?: () => void) => ws.send(encodeFrame(protocol, channel, payload), done);
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
