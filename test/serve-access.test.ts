// kia serve's HTTP side against what a hostile web page or client does, over loopback against a real lab: a Host
// that is not ours (DNS rebinding, also through Chromium resolving the attacker's name to us), a request from
// another site, no token, a stalled event-stream reader, a slow sender. Requests are raw (curl -H, a raw socket);
// expected statuses and bodies are literal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startTestLab, curl, type TestLab } from './helpers.ts';
import { CHROMIUM_PATH } from './browser.ts';
import { serve, type Service } from '../src/serve/index.ts';
import { labServeOptions } from './serve-lab.ts';

const PATHS = ['/', '/metrics', '/api/state', '/api/events', '/healthz'];
const ATTACKER = 'rebind.attacker.example';
const WRONG_HOST = 'forbidden: the Host header does not name this server (add the name with --allowed-host)\n';
const crossSite = (why: string) => `forbidden: a request from another site (${why}); open the dashboard by its own address\n`;
const BUDGET = 256 * 1024;

let t: TestLab;
/** The loopback default: no token, so without the checks anyone who can reach it reads everything. */
let open: Service;
/** With a token, two event streams at most and a short header timeout. */
let guarded: Service;
let port = 0;

before(async () => {
  t = await startTestLab({ network: 42, nodes: 3, kubernetesVersion: '1.36', profile: 'mixed' });
  const common = labServeOptions(t);
  open = await serve({ ...common, listen: { host: '127.0.0.1', port: 0, maxEventBufferBytes: BUDGET } });
  guarded = await serve({ ...common, listen: { host: '127.0.0.1', port: 0, token: 'let-me-in', maxEventClients: 2, headersTimeoutMs: 500 } });
  port = Number(new URL(open.url).port);
  await open.runCycle();
});

after(async () => {
  await open?.close();
  await guarded?.close();
  await t?.stop();
});

/** One raw HTTP/1.1 exchange: the request text as given, the answer as sent until the server closes or an event arrives. */
function raw(to: number, request: string, until = /\nevent: cycle\n/): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(to, '127.0.0.1', () => socket.write(request));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (until.test(answer)) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const request = (p: string, headers: string[]) => `GET ${p} HTTP/1.1\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`;
const statusLine = (answer: string) => answer.split('\r\n')[0];
const body = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4);

/** An event stream that has received its first frame (so the server counts it), then reads nothing more. */
function stalledStream(to: number, headers: string[]): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(to, '127.0.0.1', () => socket.write(request('/api/events', headers)));
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (!/\nevent: cycle\n/.test(seen)) return;
      socket.off('data', onData);
      socket.pause();
      resolve(socket);
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

test('a Host that is not ours gets 403 and no data on every path (curl -H and a raw socket)', async () => {
  for (const p of PATHS) {
    const viaCurl = await curl(['-s', '-i', '-H', `Host: ${ATTACKER}`, `http://127.0.0.1:${port}${p}`]);
    assert.equal(statusLine(viaCurl.stdout), 'HTTP/1.1 403 Forbidden', `curl ${p}`);
    assert.equal(body(viaCurl.stdout), WRONG_HOST, `curl ${p}`);
    for (const host of [ATTACKER, `${ATTACKER}:${port}`, `localhost:${port + 1}`, `127.0.0.1.nip.io:${port}`]) {
      const answer = await raw(port, request(p, [`Host: ${host}`]));
      assert.equal(statusLine(answer), 'HTTP/1.1 403 Forbidden', `${p} Host: ${host}`);
      assert.equal(body(answer), WRONG_HOST, `${p} Host: ${host}`);
    }
    // No Host at all (HTTP/1.0) names nothing either.
    assert.equal(statusLine(await raw(port, `GET ${p} HTTP/1.0\r\n\r\n`)), 'HTTP/1.1 403 Forbidden', `${p} without Host`);
  }
});

test('our own names still get in: the listen address, localhost and loopback literals, on our port', async () => {
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, '127.0.0.1']) {
    const state = await raw(port, request('/api/state', [`Host: ${host}`]));
    assert.equal(statusLine(state), 'HTTP/1.1 200 OK', host);
    assert.match(body(state), /^\{"cycle":1,/, host);
  }
  const stream = await raw(port, request('/api/events', [`Host: localhost:${port}`]));
  assert.equal(statusLine(stream), 'HTTP/1.1 200 OK');
  assert.match(stream, /\r\ncontent-type: text\/event-stream\r\n/i);
});

test('a request from another site gets 403 before any data on every path: Origin, Sec-Fetch-Site', async () => {
  for (const p of PATHS) {
    const viaCurl = await curl(['-s', '-i', '-H', 'Origin: http://attacker.example', `http://127.0.0.1:${port}${p}`]);
    assert.equal(statusLine(viaCurl.stdout), 'HTTP/1.1 403 Forbidden', `curl ${p}`);
    assert.equal(body(viaCurl.stdout), crossSite('Origin http://attacker.example'), `curl ${p}`);
    const cases: [string, string][] = [
      [`Origin: http://localhost:${port + 1}`, `Origin http://localhost:${port + 1}`],
      ['Origin: null', 'an unreadable Origin'],
      ['Sec-Fetch-Site: cross-site', 'Sec-Fetch-Site: cross-site'],
      ['Sec-Fetch-Site: same-site', 'Sec-Fetch-Site: same-site'],
    ];
    for (const [header, why] of cases) {
      const answer = await raw(port, request(p, [`Host: 127.0.0.1:${port}`, header]));
      assert.equal(statusLine(answer), 'HTTP/1.1 403 Forbidden', `${p} ${header}`);
      assert.equal(body(answer), crossSite(why), `${p} ${header}`);
    }
  }
  // The page's own requests (same origin, or typed in the address bar) are answered, with no CORS headers.
  for (const header of [`Origin: http://127.0.0.1:${port}`, 'Sec-Fetch-Site: same-origin', 'Sec-Fetch-Site: none']) {
    const answer = await raw(port, request('/api/state', [`Host: 127.0.0.1:${port}`, header]));
    assert.equal(statusLine(answer), 'HTTP/1.1 200 OK', header);
    assert.doesNotMatch(answer.slice(0, answer.indexOf('\r\n\r\n')), /\r\naccess-control-/i, header);
  }
});

test('Chromium resolving an attacker\'s name to kia serve (DNS rebinding) reads nothing', async () => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', `--host-resolver-rules=MAP ${ATTACKER} 127.0.0.1 , MAP * ~NOTFOUND , EXCLUDE 127.0.0.1`],
  });
  try {
    const page = await browser.newPage();
    for (const p of ['/', '/api/state']) {
      const res = await page.goto(`http://${ATTACKER}:${port}${p}`);
      assert.equal(res?.status(), 403, p);
      assert.equal(await res?.text(), WRONG_HOST, p);
    }
    // The same browser at our own address gets the dashboard.
    const ours = await page.goto(`http://127.0.0.1:${port}/`);
    assert.equal(ours?.status(), 200);
    await page.waitForSelector('body[data-cycle="1"]');
  } finally {
    await browser.close();
  }
});

test('with a token: 401 on every path without it, no CORS headers even to a preflight', async () => {
  const g = Number(new URL(guarded.url).port);
  for (const p of ['/', '/app.js', '/app.css', '/metrics', '/api/state', '/api/health', '/api/findings', '/api/cell?node=kia-worker-1&component=kubelet', '/api/events']) {
    const answer = await raw(g, request(p, [`Host: 127.0.0.1:${g}`]));
    assert.equal(statusLine(answer), 'HTTP/1.1 401 Unauthorized', p);
    assert.match(answer, /\r\nwww-authenticate: Bearer realm="kia"\r\n/i, p);
    assert.doesNotMatch(answer, /\r\naccess-control-/i, p);
  }
  const preflight = await raw(g, `OPTIONS /api/state HTTP/1.1\r\nHost: 127.0.0.1:${g}\r\nOrigin: http://127.0.0.1:${g}\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n`);
  assert.equal(statusLine(preflight), 'HTTP/1.1 405 Method Not Allowed');
  assert.doesNotMatch(preflight, /\r\naccess-control-/i);
  assert.equal(body(await raw(g, request('/healthz', [`Host: 127.0.0.1:${g}`]))), 'ok');
});

test('event streams are capped: the third gets 503 while two are open', async () => {
  const g = Number(new URL(guarded.url).port);
  const streams = await Promise.all([0, 1].map(() => stalledStream(g, [`Host: 127.0.0.1:${g}`, 'Authorization: Bearer let-me-in'])));
  try {
    const third = await raw(g, request('/api/events', [`Host: 127.0.0.1:${g}`, 'Authorization: Bearer let-me-in']));
    assert.equal(statusLine(third), 'HTTP/1.1 503 Service Unavailable');
    assert.match(third, /\r\nretry-after: 10\r\n/i);
    assert.equal(body(third), 'too many event streams\n');
  } finally {
    for (const s of streams) s.destroy();
  }
});

test('a client that sends its headers a byte at a time is cut (slowloris)', async () => {
  const g = Number(new URL(guarded.url).port);
  const socket = net.connect(g, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${g}\r\n`);
  // A header byte every 50 ms, forever; only the server's header timeout ends it (the test's own timeout fails it).
  const drip = setInterval(() => socket.writable && socket.write('X'), 50);
  try {
    await closed;
  } finally {
    clearInterval(drip);
  }
  assert.equal(statusLine(answer), 'HTTP/1.1 408 Request Timeout');
});

test('a dashboard that stops reading its event stream is cut while cycles run; one that reads keeps up', async () => {
  await open.runAudit();
  const stalled = await stalledStream(port, [`Host: 127.0.0.1:${port}`]);
  let frames = 0;
  let buffer = '';
  const reader = http.get(`http://127.0.0.1:${port}/api/events`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const parts = (buffer + chunk).split('\n\n');
      buffer = parts.pop() ?? '';
      frames += parts.filter((f) => /^event: cycle$/m.test(f)).length;
    });
  });
  try {
    while (frames < 1) await new Promise((r) => setTimeout(r, 10));
    const first = open.monitor.cycle;
    let peak = 0;
    let frame = 0;
    // The kernel takes about 4 MB of a stalled socket before kia buffers anything: a bounded number of cycles.
    while (open.monitor.cycle - first < 250 && (open.server?.droppedClients ?? 0) === 0) {
      await open.runCycle();
      frame = Math.max(frame, JSON.stringify(open.monitor.state()).length);
      peak = Math.max(peak, open.server?.eventBufferedBytes ?? Infinity);
    }
    const cycles = open.monitor.cycle - first;
    assert.equal(open.server?.droppedClients, 1, `the stalled reader was not cut after ${cycles} cycles`);
    assert.equal(open.server?.clients, 1, 'the reader that keeps up is still there');
    assert.ok(peak <= BUDGET + 2 * (frame + 64), `at most the budget plus a frame each: peak ${peak} bytes, frames of ${frame}`);
    // The reader got the first state and every cycle since, the stalled one's socket is closed by kia.
    await open.runCycle();
    while (frames < cycles + 2) await new Promise((r) => setTimeout(r, 10));
    const ended = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    stalled.resume();
    await ended;
  } finally {
    stalled.destroy();
    reader.destroy();
  }
});

test('kia serve --allowed-host: that name gets in, others are still refused', { timeout: 60_000 }, async () => {
  const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kia.js');
  const child = spawn(process.execPath, [bin, 'serve', '--lab', t.dir, '--listen', '127.0.0.1:0', '--allowed-host', 'kia.example.test', '--audit-interval', '0', '--interval', '3600'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const listening = new Promise<number>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /dashboard http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`kia serve exited ${code}: ${stderr.trim()}`)));
  });
  try {
    const p = await listening;
    const allowed = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: kia.example.test:${p}`, `http://127.0.0.1:${p}/api/state`]);
    assert.equal(allowed.stdout, '200');
    const other = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: other.example.test:${p}`, `http://127.0.0.1:${p}/api/state`]);
    assert.equal(other.stdout, '403');
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
  }
});
