// Lab faults: down, hang, unhealthy, stale, frozen, cert-expiring and clear, in process, in the lab's child
// processes through `kia lab fault` against a detached lab, and on Debian's real etcd.
// Expected answers are literal, from spec/internal-apis.md §2.2, §2.3, §3.3, §4.2, §6.2, §9 and upstream's check
// errors (kubelet SyncLoopHealthCheck, the apiserver's etcd check, client-go's leader-election watchdog).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startLab, type Lab } from '../src/lab/index.ts';
import { expectResponse, json, openssl, request, requestAs, startTestLab, tcpConnect, type TestLab, runKia } from './helpers.ts';

const NETWORK = 12; // node IPs 127.24.x.y, node-local 127.25.x.y
const SYSTEM_NETWORK = 13; // 127.26.x.y, 127.27.x.y
const CP = '127.24.1.1';
const CP_LOCAL = '127.25.1.1';
const W1 = '127.24.1.2';
const W1_LOCAL = '127.25.1.2';
const W2 = '127.24.1.3';

const TEXT = 'text/plain; charset=utf-8';
const DAY = 24 * 3600 * 1000;
const KUBELET_VERBOSE_OK = '[+]ping ok\n[+]log ok\n[+]syncloop ok\nhealthz check passed\n';

/** One HTTP/1.1 keep-alive connection, plain or TLS, with the answers read as they come. */
class KeepAlive {
  readonly socket: net.Socket;
  private received = '';
  closed = false;
  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      socket.emit('answer');
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static async open(options: { host: string; port: number; tls?: tls.ConnectionOptions }): Promise<KeepAlive> {
    const socket = options.tls ? tls.connect({ host: options.host, port: options.port, rejectUnauthorized: false, ...options.tls }) : net.connect({ host: options.host, port: options.port });
    await once(socket, options.tls ? 'secureConnect' : 'connect');
    return new KeepAlive(socket);
  }

  send(path: string): void {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: lab\r\n\r\n`);
  }

  /** The next complete answer (headers and a Content-Length body), or undefined after `timeoutMs` without one. */
  async answer(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.received.indexOf('\r\n\r\n');
      if (end >= 0) {
        const length = Number(/content-length: (\d+)/i.exec(this.received.slice(0, end))?.[1] ?? 0);
        if (this.received.length >= end + 4 + length) {
          const answer = this.received.slice(0, end + 4 + length);
          this.received = this.received.slice(end + 4 + length);
          return answer;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.socket.once('answer', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Leaf {
  subject: string;
  issuer: string;
  san: string | undefined;
  serial: string;
  notAfter: number;
}

/** The leaf a TLS port serves (node's TLS), without verification. */
async function servedLeaf(host: string, port: number, creds: { cert?: string; key?: string } = {}): Promise<Leaf> {
  const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(creds.cert ? { cert: fs.readFileSync(creds.cert), key: fs.readFileSync(creds.key ?? '') } : {}) });
  await once(socket, 'secureConnect');
  const cert = socket.getPeerCertificate();
  socket.destroy();
  return { subject: JSON.stringify(cert.subject), issuer: JSON.stringify(cert.issuer), san: cert.subjectaltname, serial: cert.serialNumber, notAfter: Date.parse(cert.valid_to) };
}

function assertExpiresIn(leaf: Leaf, days: number, now: number): void {
  const left = (leaf.notAfter - now) / DAY;
  assert.ok(Math.abs(left - days) <= 1, `notAfter should be ${days} days from now (±1), is ${left.toFixed(2)} days`);
}

describe('lab faults in process (3 nodes, injected clock)', () => {
  let t: TestLab;
  let lab: Lab;
  let now = Date.now();
  const clock = { now: () => now };
  const admin = () => ({ cert: lab.plan.files.adminCert, key: lab.plan.files.adminKey });
  before(async () => {
    t = await startTestLab({ network: NETWORK, nodes: 3, clock });
    lab = t.lab;
  });
  after(async () => {
    await t?.stop();
  });

  it('down: the ports refuse, an open keep-alive connection is cut, the other worker is untouched; clear brings it back', async () => {
    const conn = await KeepAlive.open({ host: W1, port: 10250, tls: { cert: fs.readFileSync(admin().cert), key: fs.readFileSync(admin().key) } });
    conn.send('/healthz');
    assert.match((await conn.answer(5000)) ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    const cut = once(conn.socket, 'close');
    const event = once(lab.events, 'fault');
    await lab.fault('kia-worker-1', 'kubelet', 'down');
    assert.deepEqual((await event)[0], { node: 'kia-worker-1', component: 'kubelet', fault: 'down', faults: ['down'] });
    await cut;
    assert.equal(await tcpConnect(W1, 10250), 'ECONNREFUSED');
    assert.equal(await tcpConnect(W1_LOCAL, 10248), 'ECONNREFUSED');
    assert.equal(await tcpConnect(W2, 10250), 'connected');
    assert.equal(await tcpConnect(W1, 10256), 'connected', 'the kube-proxy of the same node stays up');
    assert.deepEqual(lab.faults, [{ node: 'kia-worker-1', component: 'kubelet', faults: ['down'] }]);
    await lab.fault('kia-worker-1', 'kubelet', 'clear');
    expectResponse(await request({ url: `https://${W1}:10250/healthz`, ...admin() }), { status: 200, body: 'ok' }, 'kubelet back after clear');
    assert.deepEqual(lab.faults, []);
  });

  it('hang: connections are accepted and never answered, an open one stops too; clear lets the held request through', async () => {
    const conn = await KeepAlive.open({ host: W1, port: 10256 });
    conn.send('/livez');
    assert.match((await conn.answer(5000)) ?? '', /^HTTP\/1\.1 200 OK\r\n/);
    await lab.fault('kia-worker-1', 'kube-proxy', 'hang');
    conn.send('/livez');
    assert.equal(await conn.answer(300), undefined, 'no bytes on the open connection while hung');
    assert.equal(await tcpConnect(W1, 10256), 'connected');
    await assert.rejects(request({ url: `http://${W1}:10256/healthz`, timeoutMs: 300 }), /timeout after 300 ms/);
    // A TLS port: the handshake itself gets no answer.
    await lab.fault('kia-control-plane', 'kube-apiserver', 'hang');
    await assert.rejects(request({ url: `https://${CP}:6443/healthz`, timeoutMs: 300 }), /timeout after 300 ms/);
    await lab.fault('kia-worker-1', 'kube-proxy', 'clear');
    assert.match((await conn.answer(5000)) ?? '', /^HTTP\/1\.1 200 OK\r\n/, 'the request sent while hung is answered after clear');
    conn.close();
    await lab.fault('kia-control-plane', 'kube-apiserver', 'clear');
    expectResponse(await request({ url: `https://${CP}:6443/healthz` }), { status: 200, body: 'ok' }, 'apiserver after clear');
  });

  it('hang holds an open TLS keep-alive connection too (TLS serves it straight off the TCP socket), clear lets it go on', async () => {
    const conn = await KeepAlive.open({ host: W2, port: 10250, tls: { cert: fs.readFileSync(admin().cert), key: fs.readFileSync(admin().key) } });
    conn.send('/healthz');
    assert.match((await conn.answer(5000)) ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    await lab.fault('kia-worker-2', 'kubelet', 'hang');
    conn.send('/healthz');
    assert.equal(await conn.answer(300), undefined, 'no bytes on the open TLS connection while hung');
    await lab.fault('kia-worker-2', 'kubelet', 'clear');
    assert.match((await conn.answer(5000)) ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/, 'the request sent while hung is answered after clear');
    conn.close();
  });

  it('unhealthy kubelet: syncloop fails on 10250 (reason withheld, error on the sub-path), 10248 still runs only ping (§3.3, §9.11)', async () => {
    await lab.fault('kia-worker-1', 'kubelet', 'unhealthy');
    assert.deepEqual(lab.faults, [{ node: 'kia-worker-1', component: 'kubelet', faults: ['unhealthy:syncloop'] }]);
    expectResponse(await request({ url: `https://${W1}:10250/healthz?verbose`, ...admin() }), {
      status: 500,
      body: '[+]ping ok\n[+]log ok\n[-]syncloop failed: reason withheld\nhealthz check failed\n',
      contentType: TEXT,
      headers: { 'x-content-type-options': 'nosniff' },
    }, 'kubelet /healthz?verbose');
    expectResponse(await request({ url: `https://${W1}:10250/healthz/syncloop`, ...admin() }), { status: 500, body: 'internal server error: sync Loop took longer than expected\n', contentType: TEXT }, '/healthz/syncloop');
    expectResponse(await request({ url: `http://${W1_LOCAL}:10248/healthz` }), { status: 200, body: 'ok' }, '10248 runs only ping');
    expectResponse(await request({ url: `https://${W2}:10250/healthz?verbose`, ...admin() }), { status: 200, body: KUBELET_VERBOSE_OK }, 'the other worker');
    await lab.fault('kia-worker-1', 'kubelet', 'clear');
    expectResponse(await request({ url: `https://${W1}:10250/healthz?verbose`, ...admin() }), { status: 200, body: KUBELET_VERBOSE_OK }, 'after clear');
  });

  it('unhealthy apiserver (etcd), controller-manager and scheduler (leaderElection), as §6.2 reports them', async () => {
    await lab.fault('kia-control-plane', 'kube-apiserver', 'unhealthy');
    const readyz = await request({ url: `https://${CP}:6443/readyz`, ...admin() });
    expectResponse(readyz, { status: 500, bodyIncludes: ['[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n'], contentType: TEXT }, 'apiserver /readyz');
    assert.ok(readyz.body.endsWith('\nreadyz check failed\n'), readyz.body);
    expectResponse(await request({ url: `https://${CP}:6443/livez/etcd`, ...admin() }), { status: 500, body: 'internal server error: error getting data from etcd: context deadline exceeded\n' }, '/livez/etcd');
    expectResponse(await request({ url: `https://${CP}:6443/healthz/ping`, ...admin() }), { status: 200, body: 'ok' }, '/healthz/ping still passes');

    await lab.fault('kia-control-plane', 'kube-controller-manager', 'unhealthy');
    const kcm = await request({ url: `https://${CP_LOCAL}:10257/healthz?verbose` });
    assert.equal(kcm.status, 500);
    assert.ok(kcm.body.startsWith('[-]leaderElection failed: reason withheld\n[+]'), kcm.body);
    assert.ok(kcm.body.endsWith('\nhealthz check failed\n'), kcm.body);

    await lab.fault('kia-control-plane', 'kube-scheduler', 'unhealthy:leaderElection');
    expectResponse(await request({ url: `https://${CP_LOCAL}:10259/healthz` }), { status: 500, body: '[-]leaderElection failed: reason withheld\nhealthz check failed\n' }, 'scheduler /healthz');
    expectResponse(await request({ url: `https://${CP_LOCAL}:10259/healthz/leaderElection`, ...admin() }), { status: 500, body: 'internal server error: failed election to renew leadership on lease kube-scheduler\n' }, 'scheduler /healthz/leaderElection');

    for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const) await lab.fault('kia-control-plane', component, 'clear');
    expectResponse(await request({ url: `https://${CP}:6443/readyz` }), { status: 200, body: 'ok' }, 'apiserver after clear');
    expectResponse(await request({ url: `https://${CP_LOCAL}:10257/healthz` }), { status: 200, body: 'ok' }, 'kcm after clear');
    expectResponse(await request({ url: `https://${CP_LOCAL}:10259/healthz` }), { status: 200, body: 'ok' }, 'scheduler after clear');
  });

  it('etcd: NOSPACE, CORRUPT and no leader on /health and /readyz (§2.2, §2.3, §9.3-4)', async () => {
    const health = (query = '') => request({ url: `http://${CP_LOCAL}:2381/health${query}` });
    await lab.fault('kia-control-plane', 'etcd', 'unhealthy');
    expectResponse(await health(), { status: 503, body: '{"health":"false","reason":"ALARM NOSPACE"}\n', contentType: TEXT, headers: { 'x-content-type-options': 'nosniff' } }, 'NOSPACE');
    expectResponse(await health('?exclude=NOSPACE'), { status: 200, body: '{"health":"true","reason":""}' }, 'NOSPACE excluded');
    expectResponse(await request({ url: `http://${CP_LOCAL}:2381/readyz` }), { status: 200, body: 'ok\n' }, 'readyz ignores NOSPACE');
    await lab.fault('kia-control-plane', 'etcd', 'clear');

    await lab.fault('kia-control-plane', 'etcd', 'unhealthy:CORRUPT');
    expectResponse(await health(), { status: 503, body: '{"health":"false","reason":"ALARM CORRUPT"}\n' }, 'CORRUPT');
    expectResponse(await request({ url: `http://${CP_LOCAL}:2381/readyz/data_corruption` }), { status: 503, body: '[-]data_corruption failed: alarm activated: CORRUPT\n\n' }, 'readyz data_corruption');
    await lab.fault('kia-control-plane', 'etcd', 'clear');

    await lab.fault('kia-control-plane', 'etcd', 'unhealthy:NO-LEADER');
    assert.deepEqual(lab.faults, [{ node: 'kia-control-plane', component: 'etcd', faults: ['unhealthy:leader'] }]);
    expectResponse(await health(), { status: 503, body: '{"health":"false","reason":"RAFT NO LEADER"}\n' }, 'no leader');
    expectResponse(await health('?serializable=true'), { status: 200, body: '{"health":"true","reason":""}' }, 'serializable skips the leader');
    const readyz = await request({ url: `http://${CP_LOCAL}:2381/readyz?exclude=data_corruption&exclude=serializable_read&exclude=non_learner` });
    expectResponse(readyz, { status: 503, bodyMatch: /^\[-\]linearizable_read failed: .+\n\n$/ }, 'readyz linearizable_read');
    expectResponse(await request({ url: `http://${CP_LOCAL}:2381/livez` }), { status: 200, body: 'ok\n' }, 'livez: serializable reads still work');
    await lab.fault('kia-control-plane', 'etcd', 'clear');
    expectResponse(await health(), { status: 200, body: '{"health":"true","reason":""}' }, 'after clear');
  });

  it('kube-proxy stale: 503 with healthy false and a lastUpdated that stops (§4.2); frozen: 200 with lastUpdated stuck', async () => {
    const health = async (host: string) => {
      const res = await request({ url: `http://${host}:10256/healthz` });
      return { res, body: json(res) as { lastUpdated: string; currentTime: string; healthy: boolean; nodeEligible: boolean; status: { IPv4: { healthy: boolean } } } };
    };
    await lab.fault('kia-worker-1', 'kube-proxy', 'stale');
    const first = await health(W1);
    expectResponse(first.res, { status: 503, contentType: 'application/json', headers: { 'x-content-type-options': 'nosniff' } }, 'stale /healthz');
    assert.equal(first.body.healthy, false);
    assert.equal(first.body.status.IPv4.healthy, false);
    now += 7000;
    const second = await health(W1);
    assert.equal(second.res.status, 503);
    assert.equal(second.body.lastUpdated, first.body.lastUpdated, 'lastUpdated stopped');
    assert.notEqual(second.body.currentTime, first.body.currentTime);
    assert.ok(Date.parse(second.body.currentTime) - Date.parse(second.body.lastUpdated) > 60_000, 'older than healthTimeout (60 s)');
    const other = await health(W2);
    assert.equal(other.res.status, 200);
    assert.equal(other.body.healthy, true);
    await lab.fault('kia-worker-1', 'kube-proxy', 'clear');
    const cleared = await health(W1);
    assert.equal(cleared.res.status, 200);
    assert.equal(cleared.body.lastUpdated, cleared.body.currentTime);

    await lab.fault('kia-worker-1', 'kube-proxy', 'unhealthy');
    assert.deepEqual(lab.faults, [{ node: 'kia-worker-1', component: 'kube-proxy', faults: ['stale'] }]);
    assert.equal((await health(W1)).res.status, 503);
    await lab.fault('kia-worker-1', 'kube-proxy', 'clear');

    await lab.fault('kia-worker-1', 'kube-proxy', 'frozen');
    const a = await health(W1);
    now += 5000;
    const b = await health(W1);
    assert.deepEqual([a.res.status, b.res.status], [200, 200]);
    assert.equal(b.body.healthy, true);
    assert.equal(b.body.lastUpdated, a.body.lastUpdated, 'frozen lastUpdated');
    assert.equal(Date.parse(b.body.currentTime) - Date.parse(a.body.currentTime), 5000);
    await lab.fault('kia-worker-1', 'kube-proxy', 'clear');
    const moving = await health(W1);
    assert.equal(moving.body.lastUpdated, moving.body.currentTime);
  });

  it('cert-expiring 5: the served leaf expires in 5 days, same names and issuer, verified by the same CA; clear restores it', async () => {
    const before = await servedLeaf(W1, 10250);
    const beforeEtcd = await servedLeaf(CP, 2379, { cert: lab.plan.files.etcdClientCert, key: lab.plan.files.etcdClientKey });
    await lab.fault('kia-worker-1', 'kubelet', 'cert-expiring:5');
    await lab.fault('kia-control-plane', 'etcd', 'cert-expiring:5');
    for (const [leaf, was] of [[await servedLeaf(W1, 10250), before], [await servedLeaf(CP, 2379, { cert: lab.plan.files.etcdClientCert, key: lab.plan.files.etcdClientKey }), beforeEtcd]] as const) {
      assertExpiresIn(leaf, 5, now);
      assert.deepEqual([leaf.subject, leaf.issuer, leaf.san], [was.subject, was.issuer, was.san]);
      assert.notEqual(leaf.serial, was.serial);
    }
    assertExpiresIn(await servedLeaf(W2, 10250), 365, now);
    // openssl, a client we did not write: the chain verifies against the etcd CA, and the leaf says when it ends.
    const files = lab.plan.files;
    const sClient = await openssl(['s_client', '-connect', `${CP}:2379`, '-CAfile', files.etcdCa, '-cert', files.etcdClientCert, '-key', files.etcdClientKey, '-verify_return_error'], { input: '' });
    assert.match(sClient.stdout, /Verify return code: 0 \(ok\)/);
    const end = await openssl(['x509', '-noout', '-enddate'], { input: sClient.stdout });
    assertExpiresIn({ ...before, notAfter: Date.parse(end.stdout.trim().replace('notAfter=', '')) }, 5, now);
    await lab.fault('kia-worker-1', 'kubelet', 'clear');
    await lab.fault('kia-control-plane', 'etcd', 'clear');
    assert.equal((await servedLeaf(W1, 10250)).serial, before.serial);
    assert.equal((await servedLeaf(CP, 2379, { cert: files.etcdClientCert, key: files.etcdClientKey })).serial, beforeEtcd.serial);
  });

  it('refuses what does not exist, with a clear error, and leaves the lab as it was', async () => {
    await assert.rejects(lab.fault('kia-worker-9', 'kubelet', 'down'), { name: 'InputError', message: 'no node "kia-worker-9" in this lab; its nodes: kia-control-plane, kia-worker-1, kia-worker-2' });
    await assert.rejects(lab.fault('kia-worker-1', 'etcd', 'down'), { name: 'InputError', message: 'no etcd on kia-worker-1; it runs: kubelet, kube-proxy' });
    await assert.rejects(lab.fault('kia-worker-1', 'kubelet', 'unhealthy:nope'), { name: 'InputError', message: 'kubelet on kia-worker-1 has no check "nope"; its checks: ping, log, syncloop' });
    await assert.rejects(lab.fault('kia-worker-1', 'kubelet', 'stale'), { name: 'InputError', message: 'stale is a kube-proxy fault, not one of kubelet' });
    await assert.rejects(lab.fault('kia-worker-1', 'kube-proxy', 'cert-expiring:5'), /kube-proxy on kia-worker-1 serves no TLS/);
    await assert.rejects(lab.fault('kia-control-plane', 'etcd', 'unhealthy:SPACE'), /its checks: NOSPACE, CORRUPT, leader$/);
    assert.deepEqual(lab.faults, []);
    assert.equal(await tcpConnect(W1, 10250), 'connected');
  });
});

// The CLI as a user runs it, from the sources; asynchronous so this process keeps answering meanwhile.
const KIA = ['--import', 'tsx', path.join(process.cwd(), 'src/cli/main.ts')];
const kia = (...args: string[]) => runKia(args, { entry: KIA, timeoutMs: 90_000 });

describe('kia lab fault against a detached lab (child processes)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-fault-'));
  let up: Awaited<ReturnType<typeof kia>>;
  before(async () => {
    up = await kia('lab', 'up', '--detach', '--dir', dir, '--nodes', '3', '--network', String(NETWORK));
  });
  after(async () => {
    await kia('lab', 'down', '--dir', dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts, with a control socket', () => {
    assert.equal(up.code, 0, up.stderr);
    assert.ok(fs.statSync(path.join(dir, 'control.sock')).isSocket());
  });

  it('down on one worker\'s kubelet leaves the other worker\'s kubelet (same process) up; status lists it; clear brings it back', async () => {
    const down = await kia('lab', 'fault', 'kia-worker-1', 'kubelet', 'down', '--dir', dir);
    assert.deepEqual([down.code, down.stdout, down.stderr], [0, 'kubelet on kia-worker-1: down (active: down)\n', '']);
    assert.equal(await tcpConnect(W1, 10250), 'ECONNREFUSED');
    assert.equal(await tcpConnect(W2, 10250), 'connected');
    const status = await kia('lab', 'status', '--dir', dir);
    assert.match(status.stdout, /\nfaults:\n {2}kia-worker-1 +kubelet +down\n/);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'lab.json'), 'utf8')).faults, [{ node: 'kia-worker-1', component: 'kubelet', faults: ['down'] }]);
    const clear = await kia('lab', 'fault', 'kia-worker-1', 'kubelet', 'clear', '--dir', dir);
    assert.deepEqual([clear.code, clear.stdout], [0, 'kubelet on kia-worker-1: clear (no faults)\n']);
    assert.equal(await tcpConnect(W1, 10250), 'connected');
  });

  it('unhealthy in a child process: the kubelet of worker 2 fails syncloop, worker 1 does not', async () => {
    const files = JSON.parse(fs.readFileSync(path.join(dir, 'lab.json'), 'utf8')).files as Parameters<typeof requestAs>[0];
    const res = await kia('lab', 'fault', 'kia-worker-2', 'kubelet', 'unhealthy', '--dir', dir);
    assert.deepEqual([res.code, res.stdout], [0, 'kubelet on kia-worker-2: unhealthy (active: unhealthy:syncloop)\n']);
    expectResponse(await requestAs(files, 'admin', { url: `https://${W2}:10250/healthz?verbose` }), { status: 500, body: '[+]ping ok\n[+]log ok\n[-]syncloop failed: reason withheld\nhealthz check failed\n' }, 'worker 2');
    expectResponse(await requestAs(files, 'admin', { url: `https://${W1}:10250/healthz?verbose` }), { status: 200, body: KUBELET_VERBOSE_OK }, 'worker 1');
    await kia('lab', 'fault', 'kia-worker-2', 'kubelet', 'clear', '--dir', dir);
    expectResponse(await requestAs(files, 'admin', { url: `https://${W2}:10250/healthz?verbose` }), { status: 200, body: KUBELET_VERBOSE_OK }, 'worker 2 cleared');
  });

  it('bad input: one line on stderr and exit 2, whether the CLI, the lab or the child process finds it', async () => {
    const cases = [
      [['kia-worker-1', 'kubelet', 'sideways'], 'kia: unknown fault "sideways": a fault is one of: down, hang, unhealthy[:<check>], stale, frozen, cert-expiring <days>, drift <field>=<value>, clear\n'],
      [['kia-worker-1', 'etcd', 'down'], 'kia: no etcd on kia-worker-1; it runs: kubelet, kube-proxy\n'],
      [['kia-worker-1', 'kubelet', 'stale'], 'kia: stale is a kube-proxy fault, not one of kubelet\n'],
      [['kia-worker-1', 'kube-proxy', 'drift', 'metricsBindAddress=0.0.0.0:10249'], "kia: drift changes a running configuration (/configz) of the kubelet, controller manager or scheduler, not kube-proxy's\n"],
      [['kia-worker-1', 'kubelet', 'drift', 'readOnlyPort'], 'kia: drift takes one <field>=<value> of the running configuration, e.g. drift readOnlyPort=10255 (got "readOnlyPort")\n'],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => kia('lab', 'fault', ...args, '--dir', dir)));
    cases.forEach(([args, line], i) => {
      const res = results[i];
      assert.deepEqual([res?.code, res?.stderr, res?.stdout], [2, line, ''], args.join(' '));
    });
  });

  it('after kia lab down: no control socket, and kia lab fault says there is no running lab (exit 2)', async () => {
    const down = await kia('lab', 'down', '--dir', dir);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(fs.existsSync(path.join(dir, 'control.sock')), false);
    const res = await kia('lab', 'fault', 'kia-worker-1', 'kubelet', 'down', '--dir', dir);
    assert.equal(res.code, 2);
    assert.equal(res.stderr, `kia: no running lab in ${fs.realpathSync(dir)} (start one with kia lab up --detach)\n`);
  });
});

describe('faults on Debian\'s real etcd', { skip: !fs.existsSync('/usr/bin/etcd') && 'no /usr/bin/etcd' }, () => {
  let lab: Lab;
  let dir: string;
  const local = `127.${2 * SYSTEM_NETWORK + 1}.1.1`;
  const health = (timeoutMs = 5000) => request({ url: `http://${local}:2381/health`, timeoutMs });
  /** The real etcd answers 503 until it has elected itself: ask until it says healthy (its own readiness, not ours). */
  const healthy = async () => {
    const deadline = Date.now() + 20_000;
    let last = await health();
    while (last.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      last = await health();
    }
    return last;
  };
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-fault-etcd-'));
    lab = await startLab({ dir, nodes: 1, network: SYSTEM_NETWORK, etcd: 'system', kubernetesVersion: '1.28', inProcess: true });
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('down kills it (refused), clear starts it again with the same command line', async () => {
    // etcd 3.4's own answer (fixtures/real-v1.28/etcd-3.4.health.json, §11).
    expectResponse(await healthy(), { status: 200, body: '{"health":"true"}' }, 'before');
    const pid = lab.plan.processes.find((p) => p.name === 'etcd')?.pid;
    await lab.fault('kia-control-plane', 'etcd', 'down');
    assert.equal(await tcpConnect(local, 2381), 'ECONNREFUSED');
    assert.equal(await tcpConnect(`127.${2 * SYSTEM_NETWORK}.1.1`, 2379), 'ECONNREFUSED');
    await lab.fault('kia-control-plane', 'etcd', 'clear');
    expectResponse(await healthy(), { status: 200, body: '{"health":"true"}' }, 'after clear');
    assert.notEqual(lab.plan.processes.find((p) => p.name === 'etcd')?.pid, pid, 'a new etcd process');
  });

  it('hang stops it (accepted, never answered), clear continues it', async () => {
    await lab.fault('kia-control-plane', 'etcd', 'hang');
    assert.equal(await tcpConnect(local, 2381), 'connected');
    await assert.rejects(health(300), /timeout after 300 ms/);
    await lab.fault('kia-control-plane', 'etcd', 'clear');
    expectResponse(await healthy(), { status: 200, body: '{"health":"true"}' }, 'after clear');
  });

  it('other faults need the stand-in', async () => {
    await assert.rejects(lab.fault('kia-control-plane', 'etcd', 'unhealthy'), { name: 'InputError', message: 'unhealthy needs the etcd stand-in: this lab runs Debian\'s etcd (--etcd system), which takes only down, hang and clear' });
  });
});
