// The dashboards' server-sent event streams: a capped number of them, each with a byte budget. A reader that stops
// reading (a hidden tab, a hostile client) would otherwise make every broadcast grow this process's memory; one that
// still holds more than its budget when the next frame is due is cut, so each costs at most budget + one frame.
import type http from 'node:http';

export interface EventStreamOptions {
  /** Most streams open at once. */
  maxClients: number;
  /** Bytes a stream may still hold unsent (ours and the socket's) when a new frame is due. */
  maxBufferedBytes: number;
  /** Milliseconds between comment lines that keep proxies from closing an idle stream. */
  heartbeatMs: number;
}

export interface EventStreams {
  /** Answers an event-stream request: the headers and a first frame, or 503 when too many are open. */
  open(res: http.ServerResponse, headers: Readonly<Record<string, string>>, first: string): void;
  /** Sends one frame to every stream that keeps up; cuts the ones that do not. */
  broadcast(frame: string): void;
  readonly clients: number;
  /** Bytes waiting to be sent to all streams now. */
  readonly bufferedBytes: number;
  /** Streams cut for not reading, since the start. */
  readonly dropped: number;
  close(): void;
}

export function eventStreams(options: EventStreamOptions): EventStreams {
  const open = new Set<http.ServerResponse>();
  let dropped = 0;
  const send = (res: http.ServerResponse, frame: string) => {
    if (res.writableLength > options.maxBufferedBytes) {
      dropped++;
      open.delete(res);
      // destroy, not end: end() would wait for a reader that does not read, keeping every byte queued for it.
      res.destroy();
      return;
    }
    res.write(frame);
  };
  const heartbeat = setInterval(() => {
    for (const res of open) send(res, ': keep-alive\n\n');
  }, options.heartbeatMs);
  heartbeat.unref();
  return {
    open(res, headers, first) {
      if (open.size >= options.maxClients) {
        const body = 'too many event streams\n';
        res.writeHead(503, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '10' });
        res.end(body);
        return;
      }
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(first);
      open.add(res);
      res.on('close', () => open.delete(res));
    },
    broadcast(frame) {
      for (const res of open) send(res, frame);
    },
    get clients() {
      return open.size;
    },
    get bufferedBytes() {
      let total = 0;
      for (const res of open) total += res.writableLength;
      return total;
    },
    get dropped() {
      return dropped;
    },
    close() {
      clearInterval(heartbeat);
      for (const res of open) res.end();
      open.clear();
    },
  };
}
