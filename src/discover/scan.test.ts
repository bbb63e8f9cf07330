// The scan over real listeners on two loopback addresses: which ports are open, listed host by host in the targets'
// order and each host's in the ports' order (the attempts themselves go port by port across the hosts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { scan } from './scan.ts';

async function listen(host: string, port = 0): Promise<net.Server> {
  const server = net.createServer((socket) => socket.destroy()).listen(port, host);
  await once(server, 'listening');
  return server;
}

describe('scan', () => {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  let closed = 0;
  before(async () => {
    // Two ports open on both addresses (the second address takes the first's port numbers), one closed on both.
    for (let i = 0; i < 2; i++) {
      const first = await listen('127.0.0.1');
      const { port } = first.address() as net.AddressInfo;
      servers.push(first, await listen('127.0.0.2', port));
      ports.push(port);
    }
    const spare = await listen('127.0.0.1');
    closed = (spare.address() as net.AddressInfo).port;
    spare.close();
    await once(spare, 'close');
  });
  after(() => {
    for (const server of servers) server.close();
  });

  it('lists open ports host by host, in the order of the targets and of the ports', async () => {
    const targets = [
      { host: 'b', node: 'b', address: '127.0.0.2', source: 'argument' as const },
      { host: 'a', node: 'a', address: '127.0.0.1', source: 'argument' as const },
    ];
    const [p1, p2] = ports as [number, number];
    const progress: number[] = [];
    const open = await scan(targets, { ports: [p2, closed, p1], onProgress: (done, total) => progress.push(done, total) });
    assert.deepEqual(
      open.map((o) => `${o.target.node} ${o.address}:${o.port}`),
      [`b 127.0.0.2:${p2}`, `b 127.0.0.2:${p1}`, `a 127.0.0.1:${p2}`, `a 127.0.0.1:${p1}`],
    );
    assert.ok(open.every((o) => typeof o.connectMs === 'number' && o.connectMs >= 0));
    assert.deepEqual(progress.slice(-2), [6, 6]);
  });
});
