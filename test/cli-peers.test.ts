// kia's client commands against peers this test starts on loopback (127.122.200.x, beside the network-61 lab's
// addresses): one that never answers (only --deadline ends a command waiting on it), and kube-proxy's metrics port
// answering a redirect, terminal escape sequences, or more than --max-bytes. Lines and codes are literal (CONVENTIONS).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneStderrLine, runKia, type KiaRun } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENV: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig', NO_COLOR: '1' };
const kia = (args: readonly string[], timeoutMs = 60_000): Promise<KiaRun> => runKia(args, { cwd: ROOT, env: ENV, timeoutMs });

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

describe('kia against misbehaving peers on loopback', () => {
  const servers: net.Server[] = [];
  const SILENT = '127.122.200.2';
  const REDIRECT = '127.122.200.3';

  before(async () => {
    // Accepts and never answers.
    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    // kube-proxy's metrics port answering a redirect, terminal escape sequences, or 5000 bytes.
    const redirect = http.createServer((req, res) => {
      if (req.url === '/metrics') res.writeHead(302, { location: 'http://elsewhere.example/metrics' }).end('moved');
      else if (req.url === '/proxyMode') res.writeHead(200, { 'content-type': 'text/plain' }).end('\x1b]0;pwned\x07\x1b[2Jiptables\tmode');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5000));
    });
    await listen(silent, SILENT, 10249);
    await listen(redirect, REDIRECT, 10249);
    servers.push(silent, redirect);
  });

  after(() => {
    for (const server of servers) {
      (server as http.Server).closeAllConnections?.();
      server.close();
    }
  });

  it('kia get: a redirect and an oversized answer are the peer\'s doing: exit 1, one line', async () => {
    const redirect = await kia(['get', `${REDIRECT}:10249/metrics`]);
    assert.equal(redirect.code, 1, redirect.stderr);
    assert.match(oneStderrLine(redirect), /^kia: GET http:\/\/127\.122\.200\.3:10249\/metrics \(no credential\): 302 Found.*redirect, not followed/);
    assert.equal(redirect.stdout, '');
    const large = await kia(['get', `${REDIRECT}:10249/configz`, '--max-bytes', '1000']);
    assert.equal(large.code, 1, large.stderr);
    assert.match(oneStderrLine(large), /the answer is larger than 1000 bytes: raise --max-bytes$/);
  });

  it("a peer's escape sequences reach a terminal escaped, and a pipe as they were sent", async () => {
    const command = `${process.execPath} ${path.join(ROOT, 'bin/kia.js')} get ${REDIRECT}:10249/proxyMode`;
    // util-linux script(1) gives kia a terminal for its stdout.
    const terminal = await new Promise<string>((resolve, reject) => execFile('script', ['-qec', command, '/dev/null'], { env: ENV, timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))));
    assert.equal(terminal, '\\x1b]0;pwned\\x07\\x1b[2Jiptables\tmode');
    const piped = await kia(['get', `${REDIRECT}:10249/proxyMode`]);
    assert.deepEqual([piped.code, piped.stdout], [0, '\x1b]0;pwned\x07\x1b[2Jiptables\tmode']);
  });

  it('--deadline ends one-shot commands on a peer that never answers: exit 3 with what they have', { timeout: 120_000 }, async () => {
    const get = await kia(['get', `${SILENT}:10249/metrics`, '--timeout', '60s', '--deadline', '2s'], 30_000);
    assert.equal(get.code, 3, get.stderr);
    assert.equal(oneStderrLine(get), `kia: GET http://${SILENT}:10249/metrics: no answer: the deadline of 2s passed (--deadline)`);
    const proxy = await kia(['proxy', 'metrics', SILENT, '--timeout', '60s', '--deadline', '2s'], 30_000);
    assert.equal(proxy.code, 3, proxy.stderr);
    assert.match(oneStderrLine(proxy), /the deadline of 2s passed \(--deadline\)$/);
    // The hunt prints a report that says it was cut short.
    const hunt = await kia(['hunt', SILENT, '--timeout', '60s', '--deadline', '3s', '-o', 'json'], 30_000);
    assert.equal(hunt.code, 3, hunt.stderr);
    const report = JSON.parse(hunt.stdout) as { notes: string[] };
    assert.ok(report.notes.includes('the deadline of 3s (--deadline) passed: the report holds what was found by then'), report.notes.join('\n'));
    const health = await kia(['health', SILENT, '--timeout', '60s', '--deadline', '3s'], 30_000);
    assert.equal(health.code, 3, health.stderr);
    assert.match(health.stderr, /the deadline of 3s passed \(--deadline\)/);
  });
});
