// The transport against peers on loopback that misbehave on purpose: every exchange ends with an outcome, within
// its deadline, with what it may keep; credentials go only where the trust policy lets them; secrets never come back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Secret, type Identity } from '../identity.ts';
import { Secrets } from '../../redact.ts';
import { Transport } from './transport.ts';

type Handler = (socket: net.Socket, request: string) => void;

interface Peer {
  port: number;
  requests: string[];
  connections: number;
  close(): Promise<void>;
}

/** A raw peer: every request's head is recorded, then `handler` answers on the socket as it likes. */
async function peer(handler: Handler, options: { tls?: tls.SecureContextOptions; raw?: boolean } = {}): Promise<Peer> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const onSocket = (socket: net.Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      if (options.raw) return handler(socket, chunk.toString('latin1'));
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const request = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        requests.push(request);
        handler(socket, request);
      }
    });
  };
  const server = options.tls ? tls.createServer(options.tls, onSocket) : net.createServer(onSocket);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const ok = (socket: net.Socket, body = 'ok') => socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

let dir: string;
let ca: string;
let serverCert: { cert: string; key: string };
let selfSigned: { cert: string; key: string };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kia-transport-'));
  const sh = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca']);
  sh(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'srv.ext'), 'subjectAltName=IP:127.0.0.1\n');
  sh(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'srv.ext']);
  sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=impostor', '-addext', 'subjectAltName=IP:127.0.0.1']);
  ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
  serverCert = { cert: readFileSync(join(dir, 'srv.crt'), 'utf8'), key: readFileSync(join(dir, 'srv.key'), 'utf8') };
  selfSigned = { cert: readFileSync(join(dir, 'self.crt'), 'utf8'), key: readFileSync(join(dir, 'self.key'), 'utf8') };
});

after(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'kia-test-token-0123456789abcdef';
const withToken: Identity = { name: 'token', token: new Secret(TOKEN) };

describe('transport: answers and their limits', () => {
  it('reads a whole answer and reuses a kept-alive connection', async () => {
    const p = await peer((s) => ok(s, 'hello'));
    const transport = new Transport({ keepAlive: true, timeoutMs: 2000 });
    const a = await transport.exchange({ url: `http://127.0.0.1:${p.port}/a` });
    const b = await transport.exchange({ url: `http://127.0.0.1:${p.port}/b` });
    assert.equal(a.outcome, 'ok');
    assert.equal(a.status, 200);
    assert.equal(a.body.toString(), 'hello');
    assert.equal(a.headers['content-type'], 'text/plain');
    assert.equal(b.outcome, 'ok');
    assert.equal(p.connections, 1);
    assert.match(p.requests[0] ?? '', /^GET \/a HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    transport.close();
    await p.close();
  });

  it('ends a body dripped a byte at a time at the whole-request deadline', async () => {
    const p = await peer((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n');
      const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write('x')), 100);
      s.on('close', () => clearInterval(timer));
    });
    const r = await new Transport({ timeoutMs: 600 }).exchange({ url: `http://127.0.0.1:${p.port}/` });
    assert.equal(r.outcome, 'timeout');
    assert.equal(r.status, 200);
    assert.match(r.detail ?? '', /no whole answer within/);
    await p.close();
  });

  it('ends a peer that never answers, and one that drips its status line', async () => {
    const silent = await peer(() => undefined);
    const drip = await peer((s) => {
      const text = 'HTTP/1.1 200 OK\r\n';
      let i = 0;
      const timer = setInterval(() => (s.destroyed || i >= text.length ? clearInterval(timer) : s.write(text[i++] as string)), 100);
    });
    const t = new Transport({ timeoutMs: 500 });
    assert.equal((await t.exchange({ url: `http://127.0.0.1:${silent.port}/` })).outcome, 'timeout');
    assert.equal((await t.exchange({ url: `http://127.0.0.1:${drip.port}/` })).outcome, 'timeout');
    await Promise.all([silent.close(), drip.close()]);
  });

  it('cuts an endless body at the cap and keeps the status', async () => {
    const p = await peer((s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = Buffer.alloc(16384, 'a');
      const pump = () => {
        while (!s.destroyed && s.write(`4000\r\n${chunk.toString()}\r\n`));
      };
      s.on('drain', pump);
      pump();
    });
    const r = await new Transport({ timeoutMs: 3000, maxBytes: 100_000 }).exchange({ url: `http://127.0.0.1:${p.port}/` });
    assert.equal(r.outcome, 'too-large');
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 100_000);
    await p.close();
  });

  it('kept alive, reads the rest of a body past the cap and drops it, so the next request takes the same connection', async () => {
    const big = 'm'.repeat(300_000);
    const p = await peer((s, request) => (request.startsWith('GET /metrics') ? ok(s, big) : ok(s, 'small')));
    const transport = new Transport({ keepAlive: true, timeoutMs: 3000 });
    const chunked = await peer((s) => s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n30000\r\n${'c'.repeat(0x30000)}\r\n0\r\n\r\n`));
    try {
      const first = await transport.exchange({ url: `http://127.0.0.1:${p.port}/metrics`, maxBytes: 65_536 });
      const second = await transport.exchange({ url: `http://127.0.0.1:${p.port}/healthz` });
      assert.equal(first.outcome, 'too-large');
      assert.equal(first.body.length, 65_536);
      assert.equal(second.outcome, 'ok');
      assert.equal(second.body.toString(), 'small');
      assert.equal(p.connections, 1, 'the connection carried both');
      // Chunked framing too.
      await transport.exchange({ url: `http://127.0.0.1:${chunked.port}/a`, maxBytes: 1000 });
      assert.equal((await transport.exchange({ url: `http://127.0.0.1:${chunked.port}/b`, maxBytes: 1000 })).outcome, 'too-large');
      assert.equal(chunked.connections, 1);
    } finally {
      transport.close();
      await p.close();
      await chunked.close();
    }
  });

  it('kept alive, ends the connection when the rest past the cap is more than it drops (1 MiB)', async () => {
    const huge = 'h'.repeat(3 << 20);
    const p = await peer((s) => ok(s, huge));
    const transport = new Transport({ keepAlive: true, timeoutMs: 5000 });
    try {
      assert.equal((await transport.exchange({ url: `http://127.0.0.1:${p.port}/a`, maxBytes: 1000 })).outcome, 'too-large');
      assert.equal((await transport.exchange({ url: `http://127.0.0.1:${p.port}/b`, maxBytes: 1000 })).outcome, 'too-large');
      assert.equal(p.connections, 2);
    } finally {
      transport.close();
      await p.close();
    }
  });

  for (const [name, answer, pattern] of [
    ['a broken status line', 'HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n', /not an HTTP status line/],
    ['not HTTP at all', 'SSH-2.0-OpenSSH_9.2\r\n', /not an HTTP answer/],
    ['two Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde', /conflicting Content-Length/],
    ['invalid chunking', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n', /invalid chunk size/],
    ['thousands of headers', `HTTP/1.1 200 OK\r\n${'X-A: b\r\n'.repeat(3000)}\r\n`, /more than 256 headers/],
    ['a megabyte header', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(1 << 20)}\r\n\r\n`, /headers larger than/],
  ] as const) {
    it(`reports ${name} as a bad answer`, async () => {
      const p = await peer((s) => s.end(answer));
      const r = await new Transport({ timeoutMs: 3000 }).exchange({ url: `http://127.0.0.1:${p.port}/` });
      assert.equal(r.outcome, 'bad-answer');
      assert.match(r.detail ?? '', pattern);
      await p.close();
    });
  }

  it('reports a peer that resets every connection, and a port where nothing listens', async () => {
    const p = await peer((s) => s.resetAndDestroy());
    const closed = await peer(() => undefined);
    await closed.close();
    const t = new Transport({ timeoutMs: 2000 });
    assert.equal((await t.exchange({ url: `http://127.0.0.1:${p.port}/` })).outcome, 'reset');
    assert.equal((await t.exchange({ url: `http://127.0.0.1:${closed.port}/` })).outcome, 'refused');
    await p.close();
  });

  it('answers requests queued behind a kept-alive endpoint that timed out at once, without sending them', async () => {
    let answered = 0;
    const p = await peer((s) => {
      if (answered++ === 0) ok(s);
    });
    const t = new Transport({ keepAlive: true, timeoutMs: 400, pipeline: 0 });
    const url = `http://127.0.0.1:${p.port}/`;
    try {
      assert.equal((await t.exchange({ url })).outcome, 'ok');
      const rest = await Promise.all(Array.from({ length: 6 }, (_, i) => t.exchange({ url: `${url}${i}` })));
      assert.deepEqual(rest.map((r) => r.outcome), ['timeout', 'timeout', 'timeout', 'timeout', 'timeout', 'timeout']);
      assert.equal(p.requests.length, 2);
      assert.match(rest[1]?.detail ?? '', /not asked: an earlier request/);
    } finally {
      t.close();
      await p.close();
    }
  });

  it('pipelined, answers the requests written ahead behind a tarpit at once and never sends them again', async () => {
    let answered = 0;
    const p = await peer((s) => {
      if (answered++ === 0) ok(s);
    });
    const t = new Transport({ keepAlive: true, timeoutMs: 400 });
    const url = `http://127.0.0.1:${p.port}/`;
    try {
      assert.equal((await t.exchange({ url })).outcome, 'ok');
      const rest = await Promise.all(Array.from({ length: 6 }, (_, i) => t.exchange({ url: `${url}${i}` })));
      assert.deepEqual(rest.map((r) => r.outcome), ['timeout', 'timeout', 'timeout', 'timeout', 'timeout', 'timeout']);
      assert.match(rest[0]?.detail ?? '', /^timed out: no whole answer within/);
      // The others did not wait out a deadline each: the first one's ended them.
      for (const r of rest.slice(1)) assert.match(r.detail ?? '', /^sent ahead, its answer not waited for: an earlier request to 127\.0\.0\.1:\d+ got no whole answer within 400 ms$/);
      assert.deepEqual(p.requests.map((r) => r.split(' ')[1]), ['/', '/0', '/1', '/2', '/3', '/4', '/5']);
      assert.equal(p.connections, 1);
    } finally {
      t.close();
      await p.close();
    }
  });

  it('ends everything at the run deadline', async () => {
    const p = await peer(() => undefined);
    const controller = new AbortController();
    const t = new Transport({ timeoutMs: 10_000, signal: controller.signal });
    const pending = t.exchange({ url: `http://127.0.0.1:${p.port}/` });
    setTimeout(() => controller.abort(), 100);
    assert.equal((await pending).outcome, 'aborted');
    assert.equal((await t.exchange({ url: `http://127.0.0.1:${p.port}/` })).outcome, 'aborted');
    await p.close();
  });

  it("ends one request at its caller's signal, and only that one", async () => {
    const p = await peer(() => undefined);
    const controller = new AbortController();
    const t = new Transport({ timeoutMs: 10_000 });
    const mine = t.exchange({ url: `http://127.0.0.1:${p.port}/a`, signal: controller.signal });
    let otherEnded = false;
    const other = t.exchange({ url: `http://127.0.0.1:${p.port}/b`, timeoutMs: 1500 }).finally(() => (otherEnded = true));
    setTimeout(() => controller.abort(), 100);
    const ended = await mine;
    assert.equal(ended.outcome, 'timeout');
    assert.match(ended.detail ?? '', /^timed out: no whole answer within \d+ ms$/);
    // Ended by its signal, before the other request's own deadline (which a 10 s deadline would not be).
    assert.equal(otherEnded, false);
    assert.equal((await other).outcome, 'timeout');
    await p.close();
  });
});

describe('transport: the trust policy', () => {
  it('speaks to a verified server and sends the token', async () => {
    const p = await peer((s, req) => ok(s, /authorization: bearer/i.test(req) ? 'with token' : 'anonymous'), { tls: serverCert });
    const r = await new Transport({ timeoutMs: 2000 }).exchange({ url: `https://127.0.0.1:${p.port}/`, identity: withToken, trust: { ca } });
    assert.equal(r.outcome, 'ok');
    assert.equal(r.body.toString(), 'with token');
    assert.equal(r.tls?.verified, true);
    await p.close();
  });

  it('does not speak to a server that does not verify, in strict mode', async () => {
    const p = await peer((s) => ok(s), { tls: selfSigned });
    const r = await new Transport({ timeoutMs: 2000 }).exchange({ url: `https://127.0.0.1:${p.port}/`, trust: { ca } });
    assert.equal(r.outcome, 'tls-verify');
    assert.equal(p.requests.length, 0);
    await p.close();
  });

  it('surveys an unverified server anonymously but withholds a token from it', async () => {
    const p = await peer((s) => ok(s), { tls: selfSigned });
    const t = new Transport({ timeoutMs: 2000 });
    const url = `https://127.0.0.1:${p.port}/`;
    const anonymous = await t.exchange({ url, trust: { ca }, mode: 'survey', certificate: true });
    const token = await t.exchange({ url, trust: { ca }, mode: 'survey', identity: withToken });
    const skipping = await t.exchange({ url, trust: { ca, insecureSkipVerify: true }, mode: 'survey', identity: withToken });
    assert.equal(anonymous.outcome, 'ok');
    assert.equal(anonymous.tls?.verified, false);
    assert.equal(anonymous.tls?.chain?.[0]?.subject, 'CN=impostor');
    assert.equal(token.outcome, 'skipped');
    assert.match(token.detail ?? '', /credential withheld/);
    assert.equal(skipping.outcome, 'ok');
    assert.equal(p.requests.length, 2);
    assert.ok(p.requests.every((r) => !r.includes(TOKEN)) || p.requests.filter((r) => r.includes(TOKEN)).length === 1);
    await p.close();
  });

  // A kept session has no server certificate (session.ts), and Node calls every resumed TLS 1.3 session verified and
  // no resumed TLS 1.2 one: the verdict of the full handshake behind the session must stand, the token with it.
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: a resumed session keeps the verdict of the handshake that made it`, async () => {
      const good = await peer((s, req) => ok(s, /authorization: bearer/i.test(req) ? 'with token' : 'anonymous'), { tls: { ...serverCert, maxVersion: version } });
      const bad = await peer((s) => ok(s), { tls: { ...selfSigned, maxVersion: version } });
      const t = new Transport({ timeoutMs: 2000 });
      const ask = (p: Peer, identity?: Identity) => t.exchange({ url: `https://127.0.0.1:${p.port}/`, trust: { ca }, mode: 'survey', ...(identity ? { identity } : {}) });
      after(() => Promise.all([good.close(), bad.close()]));
      const verified = [await ask(good, withToken), await ask(good, withToken)];
      const unverified = [await ask(bad), await ask(bad)];
      assert.deepEqual(
        verified.map((r) => [r.outcome, r.body.toString(), r.tls?.protocol, r.tls?.resumed, r.tls?.verified, r.tls?.chainVerified]),
        [
          ['ok', 'with token', version, false, true, true],
          ['ok', 'with token', version, true, true, true],
        ],
      );
      assert.deepEqual(
        unverified.map((r) => [r.outcome, r.tls?.protocol, r.tls?.resumed, r.tls?.verified, r.tls?.chainVerified, r.tls?.verifyError]),
        [
          ['ok', version, false, false, false, unverified[0]?.tls?.verifyError],
          ['ok', version, true, false, false, unverified[0]?.tls?.verifyError],
        ],
      );
      assert.match(unverified[0]?.tls?.verifyError ?? '', /self[- ]signed/i);
      // The token still goes nowhere unverified, resumed or not.
      const token = await ask(bad, withToken);
      assert.equal(token.outcome, 'skipped');
      assert.ok(bad.requests.every((r) => !r.includes(TOKEN)));
    });
  }

  it('never sends a token over plain HTTP', async () => {
    const p = await peer((s) => ok(s));
    const r = await new Transport().exchange({ url: `http://127.0.0.1:${p.port}/`, identity: withToken, mode: 'survey' });
    assert.equal(r.outcome, 'skipped');
    assert.equal(p.requests.length, 0);
    await p.close();
  });

  it('says when a TLS port answers in plain HTTP', async () => {
    const p = await peer((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), { raw: true });
    const r = await new Transport({ timeoutMs: 2000 }).exchange({ url: `https://127.0.0.1:${p.port}/`, mode: 'survey' });
    assert.equal(r.outcome, 'tls-error');
    assert.equal(r.plainHttp, true);
    await p.close();
  });
});

describe('transport: secrets a peer echoes', () => {
  it('scrubs held secrets from bodies, headers and streamed bodies', async () => {
    const p = await peer((s, req) => {
      const echoed = `you sent: ${req}`;
      if (req.startsWith('GET /stream')) {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        // The token split across two chunks.
        const at = echoed.indexOf(TOKEN) + 5;
        for (const part of [echoed.slice(0, at), echoed.slice(at)]) s.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
        s.end('0\r\n\r\n');
        return;
      }
      s.write(`HTTP/1.1 401 Unauthorized\r\nX-Echo: ${TOKEN}\r\nContent-Length: ${Buffer.byteLength(echoed)}\r\n\r\n${echoed}`);
    }, { tls: serverCert });
    const t = new Transport({ timeoutMs: 2000, secrets: new Secrets().add('another-secret-held-by-kia') });
    const r = await t.exchange({ url: `https://127.0.0.1:${p.port}/x`, identity: withToken, trust: { ca } });
    assert.equal(r.status, 401);
    assert.ok(!r.body.toString().includes(TOKEN));
    assert.match(r.body.toString(), /Bearer \[redacted\]/);
    assert.equal(r.headers['x-echo'], '[redacted]');
    const opened = await t.open({ url: `https://127.0.0.1:${p.port}/stream`, identity: withToken, trust: { ca } });
    assert.equal(opened.outcome, 'ok');
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream ?? []) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    assert.ok(!text.includes(TOKEN), text);
    assert.match(text, /you sent: GET \/stream/);
    await p.close();
  });
});

describe('transport: pipelining on kept-alive connections', () => {
  /** An answer whose body is the path asked, in the framing given. */
  const answer = (request: string, framing: 'length' | 'chunked' | 'empty' = 'length', extra = '') => {
    const path = request.split(' ')[1] ?? '';
    if (framing === 'empty') return `HTTP/1.1 204 No Content\r\n${extra}\r\n`;
    if (framing === 'chunked') return `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n${extra}\r\n${path.length.toString(16)}\r\n${path}\r\n0\r\n\r\n`;
    return `HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n${extra}\r\n${path}`;
  };

  it('writes queued GETs ahead on a connection that answered with keep-alive, and reads each answer in turn', async () => {
    // The peer answers nothing until four requests are in on the same connection, then all four in one write: a
    // transport that waits for each answer before it writes the next request never gets them.
    const held = new Map<net.Socket, string[]>();
    const p = await peer((s, request) => {
      if (request.startsWith('GET /warm ')) return void s.write(answer(request));
      const waiting = [...(held.get(s) ?? []), request];
      held.set(s, waiting);
      if (waiting.length < 4) return;
      s.write(answer(waiting[0] as string) + answer(waiting[1] as string, 'chunked') + answer(waiting[2] as string, 'empty') + answer(waiting[3] as string));
      held.set(s, []);
    });
    const t = new Transport({ keepAlive: true, timeoutMs: 3000 });
    const url = `http://127.0.0.1:${p.port}`;
    try {
      assert.equal((await t.exchange({ url: `${url}/warm` })).body.toString(), '/warm');
      const got = await Promise.all(['/a', '/b', '/c', '/d'].map((path) => t.exchange({ url: `${url}${path}` })));
      assert.deepEqual(got.map((r) => [r.outcome, r.status, r.body.toString()]), [['ok', 200, '/a'], ['ok', 200, '/b'], ['ok', 204, ''], ['ok', 200, '/d']]);
      assert.equal(p.connections, 1);
      assert.deepEqual(t.counts, { dialed: 1, writtenAhead: 3, resent: 0 });
    } finally {
      t.close();
      await p.close();
    }
  });

  it('sends the requests written ahead again, once each, on a new connection when the peer closes after an answer', async () => {
    // The first connection answers /warm and /a, says Connection: close on /a and drops whatever was pipelined behind it.
    let connection = 0;
    const seen = new WeakMap<net.Socket, number>();
    const p = await peer((s, request) => {
      if (!seen.has(s)) seen.set(s, ++connection);
      if (seen.get(s) === 1 && request.startsWith('GET /a ')) {
        s.end(answer(request, 'length', 'Connection: close\r\n'));
        return;
      }
      if (!s.writableEnded) s.write(answer(request));
    });
    const t = new Transport({ keepAlive: true, timeoutMs: 3000 });
    const url = `http://127.0.0.1:${p.port}`;
    try {
      await t.exchange({ url: `${url}/warm` });
      const got = await Promise.all(['/a', '/b', '/c', '/d'].map((path) => t.exchange({ url: `${url}${path}` })));
      assert.deepEqual(got.map((r) => [r.outcome, r.body.toString()]), [['ok', '/a'], ['ok', '/b'], ['ok', '/c'], ['ok', '/d']]);
      const asked = p.requests.map((r) => r.split(' ')[1]);
      // /b /c /d reached the first connection (written ahead) and the second one (sent again): twice each, never more.
      assert.deepEqual([...asked].sort(), ['/a', '/b', '/b', '/c', '/c', '/d', '/d', '/warm']);
      assert.equal(p.connections, 2);
      assert.equal(t.counts.resent, 3);
    } finally {
      t.close();
      await p.close();
    }
  });

  it('never writes a POST ahead, nor a GET queued behind one', async () => {
    // Answers come 20 ms after each request; a request that arrives while an earlier answer is still owed was pipelined.
    const owed = new Map<net.Socket, number>();
    const pipelined: string[] = [];
    const p = await peer((s, request) => {
      const line = request.split('\r\n')[0] as string;
      if ((owed.get(s) ?? 0) > 0) pipelined.push(line);
      owed.set(s, (owed.get(s) ?? 0) + 1);
      setTimeout(() => {
        owed.set(s, (owed.get(s) ?? 1) - 1);
        if (!s.destroyed) s.write(answer(request));
      }, 20);
    });
    const t = new Transport({ keepAlive: true, timeoutMs: 3000 });
    const url = `http://127.0.0.1:${p.port}`;
    try {
      await t.exchange({ url: `${url}/warm` });
      const got = await Promise.all([t.exchange({ url: `${url}/a` }), t.exchange({ url: `${url}/p`, method: 'POST', body: '' }), t.exchange({ url: `${url}/b` })]);
      assert.deepEqual(got.map((r) => r.body.toString()), ['/a', '/p', '/b']);
      assert.deepEqual(pipelined, []);
      // The same three GETs are pipelined: the peer sees the second while the first answer is owed.
      const gets = await Promise.all(['/c', '/d', '/e'].map((path) => t.exchange({ url: `${url}${path}` })));
      assert.deepEqual(gets.map((r) => r.body.toString()), ['/c', '/d', '/e']);
      assert.deepEqual(pipelined, ['GET /d HTTP/1.1', 'GET /e HTTP/1.1']);
      assert.equal(p.connections, 1);
    } finally {
      t.close();
      await p.close();
    }
  });

  it('ends a connection that sends an answer nobody asked for, instead of handing it to the next request', async () => {
    // Every answer is followed by a second one: with nothing written ahead, those bytes are nobody's.
    const p = await peer((s, request) => s.write(answer(request) + answer('GET /smuggled HTTP/1.1')));
    const t = new Transport({ keepAlive: true, timeoutMs: 3000, pipeline: 0 });
    const url = `http://127.0.0.1:${p.port}`;
    try {
      const a = await t.exchange({ url: `${url}/a` });
      const b = await t.exchange({ url: `${url}/b` });
      assert.deepEqual([a.body.toString(), b.body.toString()], ['/a', '/b']);
      assert.equal(p.connections, 2);
    } finally {
      t.close();
      await p.close();
    }
  });

  it('does not pipeline on a connection before it has answered with keep-alive', async () => {
    // The first answer says Connection: close: nothing is written ahead on a connection the peer is ending.
    const p = await peer((s, request) => s.end(answer(request, 'length', 'Connection: close\r\n')));
    const t = new Transport({ keepAlive: true, timeoutMs: 3000 });
    const url = `http://127.0.0.1:${p.port}`;
    try {
      const got = await Promise.all(['/a', '/b', '/c'].map((path) => t.exchange({ url: `${url}${path}` })));
      assert.deepEqual(got.map((r) => r.body.toString()), ['/a', '/b', '/c']);
      assert.deepEqual(p.requests.map((r) => r.split(' ')[1]), ['/a', '/b', '/c']);
      assert.deepEqual(t.counts, { dialed: 3, writtenAhead: 0, resent: 0 });
    } finally {
      t.close();
      await p.close();
    }
  });
});
