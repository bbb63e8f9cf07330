// The scan's connects against real sockets on loopback: open, refused, silent (a full accept queue), host names and
// IPv6 through the fallback, results in job order, an abort that stops starting attempts, refused sockets that connect
// again (Linux) without leaving a descriptor behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connectMany, type ConnectCounts } from './connect.ts';

/** A port nobody listens on: bound and released. */
async function closedPort(host: string): Promise<number> {
  const server = net.createServer().listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('connectMany', () => {
  let server: net.Server;
  let port = 0;
  let closed = 0;
  // A process that listens with a backlog of 1 and never runs its event loop again: the kernel completes two
  // handshakes into its accept queue, then drops every SYN, so later connects neither succeed nor fail.
  let silent: ChildProcess;
  let silentPort = 0;
  before(async () => {
    server = net.createServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
    closed = await closedPort('127.0.0.1');
    silent = spawn(process.execPath, ['-e', "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(String(s.address().port)+'\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0),50)})"], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(silent.stdout!, 'data')) as [Buffer];
    silentPort = Number(String(line).trim());
    await new Promise((r) => setTimeout(r, 200));
  });
  after(() => {
    server.close();
    silent.kill('SIGKILL');
  });

  it('closes an accepted connection with a reset, as nmap does (no FIN, no TIME_WAIT left)', async () => {
    const ends: string[] = [];
    const listener = net.createServer((socket) => {
      socket.on('error', (error: NodeJS.ErrnoException) => ends.push(error.code ?? 'error'));
      socket.on('end', () => ends.push('end'));
      socket.resume();
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const { port: open } = listener.address() as net.AddressInfo;
    const [result] = await connectMany([{ address: '127.0.0.1', port: open }], { timeoutMs: 2000 });
    assert.equal(result?.outcome, 'ok');
    for (let i = 0; i < 100 && ends.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    listener.close();
    assert.deepEqual(ends, ['ECONNRESET']);
  });

  it('says open and refused per port, in job order, with a result for each', async () => {
    const seen: number[] = [];
    const results = await connectMany(
      [
        { address: '127.0.0.1', port: closed },
        { address: '127.0.0.1', port },
        { address: '127.0.0.1', port: closed },
      ],
      { timeoutMs: 2000, onResult: (index) => seen.push(index) },
    );
    assert.deepEqual(
      results.map((r) => [r?.open, r?.outcome]),
      [
        [false, 'refused'],
        [true, 'ok'],
        [false, 'refused'],
      ],
    );
    assert.deepEqual([...seen].sort(), [0, 1, 2]);
  });

  it('connects again on a refused socket, and the answers stay right (open after refused, refused after open)', async (t) => {
    if (process.platform !== 'linux') return t.skip('Linux only: elsewhere a refused socket is closed');
    const descriptors = () => readdirSync('/proc/self/fd').length;
    const before = descriptors();
    const counts: ConnectCounts = { sockets: 0, reused: 0 };
    const order = [closed, closed, port, closed, port, closed, closed];
    const results = await connectMany(
      order.map((p) => ({ address: '127.0.0.1', port: p })),
      { timeoutMs: 2000, window: 1, counts },
    );
    assert.deepEqual(
      results.map((r) => r?.outcome),
      ['refused', 'refused', 'ok', 'refused', 'ok', 'refused', 'refused'],
    );
    // One attempt at a time: every attempt after a refusal runs on the refused socket, so three sockets serve seven.
    assert.deepEqual(counts, { sockets: 3, reused: 4 });
    await new Promise((r) => setImmediate(r));
    assert.equal(descriptors(), before, 'the kept socket is closed at the end');
    // And each address family keeps its own: the refused IPv6 socket waits for the next IPv6 attempt, and the IPv4
    // attempts in between get sockets of their own.
    const v6Closed = await closedPort('::1');
    const mixedCounts: ConnectCounts = { sockets: 0, reused: 0 };
    const mixed = await connectMany(
      [
        { address: '::1', port: v6Closed },
        { address: '127.0.0.1', port },
        { address: '::1', port: v6Closed },
        { address: '127.0.0.1', port: closed },
      ],
      { timeoutMs: 2000, window: 1, counts: mixedCounts },
    );
    assert.deepEqual(
      mixed.map((r) => r?.outcome),
      ['refused', 'ok', 'refused', 'refused'],
    );
    assert.deepEqual(mixedCounts, { sockets: 3, reused: 1 });
  });

  it('reaches a host name and an IPv6 address', async () => {
    const v6 = net.createServer((socket) => socket.destroy()).listen(0, '::1');
    await once(v6, 'listening');
    try {
      const v6Port = (v6.address() as net.AddressInfo).port;
      const results = await connectMany(
        [
          { address: 'localhost', port },
          { address: '::1', port: v6Port },
          { address: '::1', port: await closedPort('::1') },
        ],
        { timeoutMs: 2000 },
      );
      assert.deepEqual(
        results.map((r) => r?.outcome),
        ['ok', 'ok', 'refused'],
      );
    } finally {
      v6.close();
    }
  });

  it('gives up on a silent port after the timeout, with a small window too', async () => {
    const jobs = Array.from({ length: 6 }, () => ({ address: '127.0.0.1', port: silentPort }));
    const results = await connectMany(jobs, { timeoutMs: 400, window: 1, slowAfterMs: 20 });
    const outcomes = results.map((r) => r?.outcome);
    assert.ok(outcomes.filter((o) => o === 'timeout').length >= 3, `some attempts time out: ${outcomes.join(' ')}`);
    assert.ok(outcomes.every((o) => o === 'timeout' || o === 'ok'), outcomes.join(' '));
    assert.ok(results.every((r) => r !== undefined && (r.outcome !== 'timeout' || r.ms >= 390)));
  });

  it('starts nothing once the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const results = await connectMany([{ address: '127.0.0.1', port }], { timeoutMs: 1000, signal: controller.signal });
    assert.deepEqual(results, [undefined]);
  });
});
