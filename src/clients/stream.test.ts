// The client's frames on the wire, read by a hand-written WebSocket peer: masked as RFC 6455 asks, with a random
// key whatever the scheme (ws masks natively through bufferutil; speed never trades the key away).
import { createHash } from 'node:crypto';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import tls from 'node:tls';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issue, validity } from '../lab/pki/certificates.ts';
import { tokenIdentity } from './identity.ts';
import { exec } from './remote-command.ts';

/** Answers one upgrade with v5.channel.k8s.io, then hands back the client's first frame, raw, and hangs up. */
function peer(server: net.Server): Promise<Buffer> {
  return new Promise((resolve) => {
    server.once(server instanceof tls.Server ? 'secureConnection' : 'connection', (socket: net.Socket) => {
      let buffered = Buffer.alloc(0);
      let upgraded = false;
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (!upgraded) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) return;
          const key = /sec-websocket-key: *(\S+)/i.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? '';
          const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
          socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`);
          buffered = buffered.subarray(end + 4);
          upgraded = true;
        }
        // FIN + binary, mask bit + a length under 126, the 4-byte key, then the payload.
        if (buffered.length >= 2 && buffered.length >= 6 + ((buffered[1] ?? 0) & 0x7f)) {
          resolve(buffered.subarray(0, 6 + ((buffered[1] ?? 0) & 0x7f)));
          socket.destroy();
        }
      });
    });
  });
}

async function firstFrame(scheme: 'http' | 'https'): Promise<Buffer> {
  const now = Date.now();
  const pair = scheme === 'https' ? await issue({ cn: 'peer', ips: ['127.0.0.1'], usage: 'server', ...validity(now, 1) }, 'ecdsa') : undefined;
  const server = pair ? tls.createServer({ cert: pair.certPem, key: pair.keyPem }) : net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const frame = peer(server);
    const stdin = new PassThrough();
    stdin.write('hi');
    const port = (server.address() as net.AddressInfo).port;
    const done = exec({ transport: { kind: 'apiserver', server: `${scheme}://127.0.0.1:${port}`, insecureSkipVerify: true }, identity: tokenIdentity('t'), ns: 'default', pod: 'p', container: 'c', command: ['cat'], stdin });
    const raw = await frame;
    await done;
    return raw;
  } finally {
    server.close();
  }
}

function unmask(frame: Buffer): Buffer {
  return Buffer.from(frame.subarray(6).map((byte, i) => byte ^ (frame[2 + (i % 4)] ?? 0)));
}

for (const scheme of ['https', 'http'] as const) {
  test(`over ${scheme === 'https' ? 'wss' : 'ws'}:// the stdin frame is masked with a fresh random key`, async () => {
    const [a, b] = [await firstFrame(scheme), await firstFrame(scheme)];
    for (const frame of [a, b]) {
      assert.deepEqual(frame.subarray(0, 2), Buffer.from([0x82, 0x83]));
      assert.notDeepEqual(frame.subarray(2, 6), Buffer.alloc(4));
      assert.deepEqual(unmask(frame), Buffer.from([0x00, 0x68, 0x69]));
    }
    assert.notDeepEqual(a.subarray(2, 6), b.subarray(2, 6), 'two connections, two keys');
  });
}

test('ws masks natively (bufferutil is installed and loads)', async () => {
  const { createRequire } = await import('node:module');
  const bufferutil = createRequire(import.meta.url)('bufferutil') as { mask?: unknown };
  assert.equal(typeof bufferutil.mask, 'function');
});
