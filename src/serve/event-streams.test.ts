// Event streams over real sockets: a reader that never reads is cut once it holds more than its budget, one that
// reads keeps every frame, and the streams open at once are capped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { eventStreams } from './event-streams.ts';

const FRAME = `event: cycle\ndata: ${'x'.repeat(256 * 1024)}\n\n`;
const BUDGET = 64 * 1024;

async function withStreams(maxClients: number, fn: (port: number, streams: ReturnType<typeof eventStreams>) => Promise<void>): Promise<void> {
  const streams = eventStreams({ maxClients, maxBufferedBytes: BUDGET, heartbeatMs: 60_000 });
  const server = http.createServer((_req, res) => streams.open(res, {}, 'retry: 2000\n\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port, streams);
  } finally {
    streams.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A raw client that sends its request and then reads nothing at all. */
function stalled(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      socket.pause();
      resolve(socket);
    });
  });
}

test('a stream that stops reading is cut at its budget; one that reads gets every frame', async () => {
  await withStreams(8, async (port, streams) => {
    const slow = await stalled(port);
    let received = 0;
    const reader = http.get({ host: '127.0.0.1', port, path: '/api/events' }, (res) => res.on('data', (chunk: Buffer) => (received += chunk.length)));
    while (streams.clients < 2) await new Promise((r) => setImmediate(r));
    let sent = 0;
    let peak = 0;
    // The kernel takes a few MB of a stalled socket first; a bounded number of frames, so that never cutting fails.
    for (let i = 0; i < 200 && streams.dropped === 0; i++) {
      streams.broadcast(FRAME);
      sent += FRAME.length;
      peak = Math.max(peak, streams.bufferedBytes);
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(streams.dropped, 1, `the stalled stream was not cut after ${sent} bytes`);
    assert.equal(streams.clients, 1);
    // Each stream holds at most its budget plus one frame: the stalled one and the reader's frame in flight.
    assert.ok(peak <= BUDGET + 2 * FRAME.length, `peak ${peak} bytes buffered`);
    const closed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
    slow.resume();
    await closed;
    streams.broadcast(FRAME);
    sent += FRAME.length;
    await new Promise<void>((resolve) => {
      const check = () => (received >= sent ? resolve() : setTimeout(check, 5));
      check();
    });
    reader.destroy();
  });
});

test('the streams open at once are capped: the next one is told to come back later', async () => {
  await withStreams(2, async (port, streams) => {
    const open = [await stalled(port), await stalled(port)];
    while (streams.clients < 2) await new Promise((r) => setImmediate(r));
    const refused = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port, path: '/' }, resolve));
    assert.equal(refused.statusCode, 503);
    assert.equal(refused.headers['retry-after'], '10');
    refused.resume();
    for (const s of open) s.destroy();
  });
});
