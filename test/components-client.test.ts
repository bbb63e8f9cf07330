// The client commands `kia etcd|proxy|controller-manager|scheduler|apiserver …` and `kia get`, run as the built CLI
// (an async child process: the labs run inside this process), against the kia lab (1.36 on network 8, 1.28 on
// network 9 for kube-proxy's old 10256 body) and against Debian's real etcd 3.4 over mTLS (network 10).
// Expected values are literal, from spec/internal-apis.md (§2, §4, §5, §6.2, §9, §11) and fixtures/real-v1.28.
import { runKia, type KiaRun } from './helpers.ts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHealthChecks, parseProxyHealth, type CallTarget } from '../src/clients/components.ts';
import { etcdMembers, parseEtcdHealth, parseEtcdVersion, parseMemberList, parseStatus } from '../src/clients/etcd.ts';
import { startLab, type Lab, type StandIn } from '../src/lab/index.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const FIXTURES = path.join(ROOT, 'fixtures', 'real-v1.28');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

type Run = KiaRun;

const kia = (args: string[]): Promise<Run> => runKia(args);

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-m', '10', ...args], (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** One line on stderr, exit code as given. */
function assertOneLine(run: Run, code: number, ...mentions: string[]): void {
  assert.equal(run.code, code, `exit ${run.code}, stderr: ${run.stderr}`);
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, `one line: ${run.stderr}`);
  assert.ok(run.stderr.startsWith('kia: '), run.stderr);
  for (const m of mentions) assert.ok(run.stderr.includes(m), `stderr names ${m}: ${run.stderr}`);
}

const json = (run: Run): Record<string, unknown> => JSON.parse(run.stdout) as Record<string, unknown>;

function standIn(lab: Lab, component: string): StandIn {
  const found = lab.standIns.find((s) => s.component === component);
  assert.ok(found, `stand-in ${component}`);
  return found;
}

async function freshLab(options: { network: number; kubernetesVersion?: '1.28'; etcd?: 'system' }): Promise<{ lab: Lab; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-components-'));
  try {
    return { lab: await startLab({ dir, nodes: 1, inProcess: true, ...options }), dir };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsers, on the real and the spec's bodies.

describe('body parsers', () => {
  it('verbose healthz of the real v1.28 controller-manager: 34 named checks, all ok', () => {
    const report = parseHealthChecks(fixture('controller-manager.healthz-verbose.txt'), 200);
    assert.equal(report.healthy, true);
    assert.equal(report.checks.length, 34);
    assert.deepEqual(report.checks[0], { name: 'leaderElection', ok: true });
    assert.deepEqual(report.checks.at(-1), { name: 'namespace-controller', ok: true });
    assert.equal(report.summary, 'healthz check passed');
  });

  it('a failing readyz (§6.2): [-] lines with `reason withheld`, excluded checks, `readyz check failed`', () => {
    const report = parseHealthChecks('[+]ping ok\n[+]log excluded: ok\n[-]etcd failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n', 500);
    assert.equal(report.healthy, false);
    assert.deepEqual(report.checks, [
      { name: 'ping', ok: true },
      { name: 'log', ok: true, excluded: true },
      { name: 'etcd', ok: false, reason: 'reason withheld' },
      { name: 'shutdown', ok: true },
    ]);
    assert.equal(report.summary, 'readyz check failed');
  });

  it("etcd's failing /readyz (§2.3) keeps the real error and has no trailer", () => {
    const report = parseHealthChecks('[+]data_corruption ok\n[-]linearizable_read failed: etcdserver: leader changed\n\n', 503);
    assert.equal(report.healthy, false);
    assert.deepEqual(report.checks[1], { name: 'linearizable_read', ok: false, reason: 'etcdserver: leader changed' });
    assert.equal(report.summary, undefined);
  });

  it("kube-proxy 10256, old body (real v1.28): Go time strings, nodeEligible, the monotonic reading", () => {
    const health = parseProxyHealth(fixture('kube-proxy.10256-healthz.json'));
    assert.deepEqual(health, {
      format: 'go-time-string',
      lastUpdated: '2026-11-28T17:45:37.562461257Z',
      currentTime: '2026-11-28T17:45:37.562461257Z',
      ageMs: 0,
      nodeEligible: true,
      uptimeSeconds: 547.421199072,
    });
    const livez = parseProxyHealth(fixture('kube-proxy.10256-livez.json'));
    assert.equal(livez.nodeEligible, undefined);
    assert.equal(livez.lastUpdated, '2026-11-28T18:21:24.321828002Z');
  });

  it('kube-proxy 10256, old body with a zone offset: `+0100 CET` becomes +01:00', () => {
    const health = parseProxyHealth('{"lastUpdated": "2026-11-28 18:45:37.5 +0100 CET m=+1.5","currentTime": "2026-11-28 18:45:39 +0100 CET m=+3.000000001"}');
    assert.equal(health.lastUpdated, '2026-11-28T18:45:37.5+01:00');
    assert.equal(health.currentTime, '2026-11-28T18:45:39+01:00');
    assert.equal(health.ageMs, 1500);
  });

  it('kube-proxy 10256, current body (§4.2): RFC 3339, healthy, per-family status', () => {
    const body = '{"lastUpdated":"2026-11-28T17:45:37.562461257Z","currentTime":"2026-11-28T17:46:40.1Z","nodeEligible":false,"healthy":false,"status":{"IPv4":{"lastUpdated":"2026-11-28T17:45:37.562461257Z","healthy":false}}}';
    assert.deepEqual(parseProxyHealth(body), {
      format: 'rfc3339',
      lastUpdated: '2026-11-28T17:45:37.562461257Z',
      currentTime: '2026-11-28T17:46:40.1Z',
      ageMs: 62538,
      nodeEligible: false,
      healthy: false,
      families: { IPv4: { lastUpdated: '2026-11-28T17:45:37.562461257Z', healthy: false } },
    });
    assert.throws(() => parseProxyHealth('ok'), /not kube-proxy's health answer: "ok"/);
    assert.throws(() => parseProxyHealth('{"lastUpdated":"yesterday","currentTime":"2026-11-28T17:46:40Z"}'), /not kube-proxy's health answer/);
  });

  it('etcd /health: the 3.4 body without reason, the 3.5+ body with it, the unhealthy one', () => {
    assert.deepEqual(parseEtcdHealth(fixture('etcd-3.4.health.json')), { healthy: true, format: '3.4' });
    assert.deepEqual(parseEtcdHealth('{"health":"true","reason":""}'), { healthy: true, reason: '', format: '3.5+' });
    assert.deepEqual(parseEtcdHealth('{"health":"false","reason":"RAFT NO LEADER"}\n'), { healthy: false, reason: 'RAFT NO LEADER', format: '3.5+' });
  });

  it('etcd /version: 3.4 (real), 3.6 with storage (§9.6)', () => {
    assert.deepEqual(parseEtcdVersion(fixture('etcd-3.4.version.json')), { server: '3.4.23', cluster: '3.4.0' });
    assert.deepEqual(parseEtcdVersion('{"etcdserver":"3.6.8","etcdcluster":"3.6.0","storage":"3.6.0"}'), { server: '3.6.8', cluster: '3.6.0', storage: '3.6.0' });
  });

  // What Debian's etcd 3.4.23 answered through its gateway (proto names, uint64 as decimal strings, zero values omitted).
  const MEMBERS_34 = '{"header":{"cluster_id":"2591315027620679434","member_id":"6593922627325396731","raft_term":"2"},"members":[{"ID":"6593922627325396731","name":"kia-control-plane","peerURLs":["https://127.20.1.1:2380"],"clientURLs":["https://127.20.1.1:2379"]}]}';
  const STATUS_34 = '{"header":{"cluster_id":"2591315027620679434","member_id":"6593922627325396731","revision":"1","raft_term":"2"},"version":"3.4.23","dbSize":"20480","leader":"6593922627325396731","raftIndex":"6","raftTerm":"2","raftAppliedIndex":"6","dbSizeInUse":"16384"}';

  it('gateway member list: ids stay decimal strings, plus the hex etcdctl prints', () => {
    assert.deepEqual(parseMemberList(MEMBERS_34), {
      header: { clusterId: '2591315027620679434', memberId: '6593922627325396731', raftTerm: '2' },
      members: [{ id: '6593922627325396731', idHex: '5b8251b1862406fb', name: 'kia-control-plane', peerURLs: ['https://127.20.1.1:2380'], clientURLs: ['https://127.20.1.1:2379'], isLearner: false }],
    });
  });

  it('gateway status: sizes as numbers, leader as id and hex, isLeader, and 3.6 storageVersion', () => {
    assert.deepEqual(parseStatus(STATUS_34), {
      header: { clusterId: '2591315027620679434', memberId: '6593922627325396731', revision: '1', raftTerm: '2' },
      version: '3.4.23',
      leader: '6593922627325396731',
      leaderHex: '5b8251b1862406fb',
      isLeader: true,
      isLearner: false,
      errors: [],
      dbSize: 20480,
      dbSizeInUse: 16384,
      raftIndex: '6',
      raftTerm: '2',
      raftAppliedIndex: '6',
    });
    const v36 = parseStatus('{"header":{"member_id":"1"},"version":"3.6.8","leader":"2","storageVersion":"3.6.0","errors":["NOSPACE"]}');
    assert.equal(v36.storageVersion, '3.6.0');
    assert.equal(v36.isLeader, false);
    assert.deepEqual(v36.errors, ['NOSPACE']);
  });

  it('the gateway call falls back to /v3beta/ when /v3/ is 404 (etcd 3.3)', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url?.startsWith('/v3beta/')) res.end(MEMBERS_34);
      else res.writeHead(404).end('404 page not found\n');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const target: CallTarget = { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5000, maxBytes: 1 << 20 };
      const result = await etcdMembers(target);
      assert.deepEqual(seen, ['POST /v3/cluster/member/list', 'POST /v3beta/cluster/member/list']);
      assert.equal(result.value?.members[0]?.idHex, '5b8251b1862406fb');
    } finally {
      server.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The kia lab, 1.36 (network 8: node IP 127.16.1.1, node-local 127.17.1.1).

describe('against the kia lab (1.36, network 8)', () => {
  let lab: Lab;
  let dir: string;
  let etcdTls: string[];
  const NODE = '127.16.1.1';
  const LOCAL = '127.17.1.1';
  before(async () => {
    ({ lab, dir } = await freshLab({ network: 8 }));
    const f = lab.plan.files;
    etcdTls = ['--cacert', f.etcdCa, '--cert', f.etcdClientCert, '--key', f.etcdClientKey];
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('kia etcd', () => {
    it('health over mTLS: healthy, the 3.5+ body (with reason)', async () => {
      const text = await kia(['etcd', 'health', NODE, ...etcdTls]);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, 'healthy\n');
      const out = await kia(['etcd', 'health', NODE, ...etcdTls, '-o', 'json']);
      assert.deepEqual(json(out), { url: `https://${NODE}:2379/health`, status: 200, healthy: true, reason: '', format: '3.5+' });
    });

    it('version: 3.6 with the storage key, as curl sees it', async () => {
      const out = await kia(['etcd', 'version', NODE, ...etcdTls, '-o', 'json']);
      assert.equal(out.code, 0, out.stderr);
      const v = json(out);
      assert.match(String(v.server), /^3\.6\.\d+$/);
      assert.equal(v.cluster, '3.6.0');
      assert.equal(v.storage, '3.6.0');
      const byCurl = JSON.parse(await curl(['--cacert', lab.plan.files.etcdCa, '--cert', lab.plan.files.etcdClientCert, '--key', lab.plan.files.etcdClientKey, `https://${NODE}:2379/version`])) as Record<string, string>;
      assert.deepEqual({ server: v.server, cluster: v.cluster, storage: v.storage }, { server: byCurl.etcdserver, cluster: byCurl.etcdcluster, storage: byCurl.storage });
      const text = await kia(['etcd', 'version', NODE, ...etcdTls]);
      assert.equal(text.stdout, `server ${String(v.server)}, cluster 3.6.0, storage 3.6.0\n`);
    });

    it('members and status through the v3 gateway (POST, proto names)', async () => {
      const members = await kia(['etcd', 'members', NODE, ...etcdTls, '-o', 'json']);
      assert.equal(members.code, 0, members.stderr);
      const list = (json(members).members as { name: string; peerURLs: string[]; idHex: string }[]);
      assert.equal(list.length, 1);
      assert.deepEqual(list[0]?.peerURLs, [`https://${NODE}:2380`]);
      assert.equal(list[0]?.name, lab.plan.nodes[0]?.name);
      const status = await kia(['etcd', 'status', NODE, ...etcdTls, '-o', 'json']);
      assert.equal(status.code, 0, status.stderr);
      const s = json(status);
      assert.match(String(s.version), /^3\.6\.\d+$/);
      assert.equal(s.leaderHex, list[0]?.idHex);
      const text = await kia(['etcd', 'members', NODE, ...etcdTls]);
      assert.equal(text.stdout.split('\n')[0], 'ID\tNAME\tPEER URLS\tCLIENT URLS\tLEARNER');
    });

    it('metrics: the Prometheus text, capped by --max-bytes', async () => {
      const out = await kia(['etcd', 'metrics', NODE, ...etcdTls]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^# TYPE etcd_server_has_leader gauge$/m);
      assertOneLine(await kia(['etcd', 'metrics', NODE, ...etcdTls, '--max-bytes', '100']), 1, 'larger than 100 bytes', '--max-bytes');
    });

    it('without the CA: the TLS failure names --cacert and --insecure-skip-tls-verify (exit 3)', async () => {
      assertOneLine(await kia(['etcd', 'health', NODE]), 3, `https://${NODE}:2379/health`, '--cacert', '--insecure-skip-tls-verify');
    });

    it('without a client certificate: the handshake refusal names --cert and --key (exit 1: the server answered, refusing)', async () => {
      assertOneLine(await kia(['etcd', 'health', NODE, '--cacert', lab.plan.files.etcdCa]), 1, 'requires a client certificate', '--cert and --key');
      assertOneLine(await kia(['etcd', 'health', NODE, '--cacert', lab.plan.files.etcdCa, '--cert', lab.plan.files.foreignCert, '--key', lab.plan.files.foreignKey]), 1, 'as cert:foreign.crt', '--cert/--key');
    });

    it('an alarm: unhealthy with the reason, exit 1', async () => {
      const etcd = standIn(lab, 'etcd');
      etcd.state.failCheck('alarm', 'NOSPACE');
      try {
        const out = await kia(['etcd', 'health', NODE, ...etcdTls]);
        assert.equal(out.code, 1);
        assert.equal(out.stdout, 'unhealthy: ALARM NOSPACE\n');
      } finally {
        etcd.state.clear();
      }
    });

    it('a bad credential file is a usage error naming it (exit 2)', async () => {
      assertOneLine(await kia(['etcd', 'health', NODE, '--cacert', '/nonexistent/ca.crt', '--cert', lab.plan.files.etcdClientCert, '--key', lab.plan.files.etcdClientKey]), 2, '--cacert /nonexistent/ca.crt');
      assertOneLine(await kia(['etcd', 'health', NODE, '--cert', lab.plan.files.etcdClientCert]), 2, '--cert and --key go together');
      assertOneLine(await kia(['etcd', 'health', NODE, '--endpoint', `https://${NODE}:2379`]), 2, 'not both');
    });
  });

  describe('kia proxy', () => {
    it('healthz on 10256: the current JSON body, healthy, node eligible', async () => {
      const out = await kia(['proxy', 'healthz', NODE, '-o', 'json']);
      assert.equal(out.code, 0, out.stderr);
      const v = json(out);
      assert.equal(v.url, `http://${NODE}:10256/healthz`);
      assert.equal(v.format, 'rfc3339');
      assert.equal(v.healthy, true);
      assert.equal(v.nodeEligible, true);
      assert.deepEqual(Object.keys(v.families as object), ['IPv4']);
      const text = await kia(['proxy', 'healthz', NODE]);
      assert.match(text.stdout, /^healthy \(200\): last updated \S+Z, \d+\.\d s before \S+Z, node eligible: true\n$/);
    });

    it('stale rules: 503, unhealthy, exit 1', async () => {
      const proxy = standIn(lab, 'kube-proxy');
      proxy.state.apply('stale');
      try {
        const out = await kia(['proxy', 'healthz', NODE]);
        assert.equal(out.code, 1);
        assert.match(out.stdout, /^unhealthy \(503\)/);
      } finally {
        proxy.state.clear();
      }
    });

    it('mode, configz and metrics on 10249 (node-local): iptables, kubeproxy.config.k8s.io, Prometheus text', async () => {
      const mode = await kia(['proxy', 'mode', LOCAL]);
      assert.deepEqual([mode.code, mode.stdout], [0, 'iptables\n']);
      const config = await kia(['proxy', 'configz', LOCAL, '-o', 'json']);
      assert.equal(config.code, 0, config.stderr);
      assert.deepEqual(Object.keys(json(config).config as object), ['kubeproxy.config.k8s.io']);
      const metrics = await kia(['proxy', 'metrics', LOCAL]);
      assert.equal(metrics.code, 0);
      assert.match(metrics.stdout, /^# TYPE /m);
    });

    it('10249 on the node IP: refused, one line saying kubeadm binds it to 127.0.0.1 (exit 3)', async () => {
      assertOneLine(await kia(['proxy', 'mode', NODE]), 3, `GET http://${NODE}:10249/proxyMode`, 'connection refused', '127.0.0.1', '--endpoint');
    });
  });

  describe('kia controller-manager and scheduler', () => {
    it('their self-signed serving certificates fail verification by default (exit 3, names the flags)', async () => {
      assertOneLine(await kia(['controller-manager', 'healthz', LOCAL]), 3, `https://${LOCAL}:10257/healthz?verbose`, '--cacert', '--insecure-skip-tls-verify');
    });

    it('controller-manager healthz: named checks, leaderElection first, `healthz check passed`', async () => {
      const out = await kia(['controller-manager', 'healthz', LOCAL, '--insecure-skip-tls-verify', '-o', 'json']);
      assert.equal(out.code, 0, out.stderr);
      const v = json(out) as { healthy: boolean; checks: { name: string; ok: boolean }[]; summary: string };
      assert.equal(v.healthy, true);
      assert.deepEqual(v.checks[0], { name: 'leaderElection', ok: true });
      assert.equal(v.summary, 'healthz check passed');
    });

    it('a failing check: 500, `[-] leaderElection failed: reason withheld`, exit 1', async () => {
      const kcm = standIn(lab, 'kube-controller-manager');
      kcm.state.failCheck('leaderElection', 'lost the lease');
      try {
        const out = await kia(['controller-manager', 'healthz', LOCAL, '--insecure-skip-tls-verify']);
        assert.equal(out.code, 1);
        assert.match(out.stdout, /^unhealthy \(500\): /);
        assert.ok(out.stdout.includes('[-] leaderElection failed: reason withheld\n'), out.stdout);
        assert.ok(out.stdout.endsWith('healthz check failed\n'), out.stdout);
      } finally {
        kcm.state.clear();
      }
    });

    it('configz: 403 to anonymous and to alice as one line naming the credential flags; the admin certificate reads it', async () => {
      assertOneLine(await kia(['controller-manager', 'configz', LOCAL, '--insecure-skip-tls-verify']), 1, '403 Forbidden', 'forbidden: User "system:anonymous" cannot get path "/configz"', '--cert/--key', '--kubeconfig');
      assertOneLine(await kia(['controller-manager', 'configz', LOCAL, '--insecure-skip-tls-verify', '--cert', lab.plan.files.aliceCert, '--key', lab.plan.files.aliceKey]), 1, 'as cert:alice.crt', 'forbidden: User "alice"');
      const out = await kia(['controller-manager', 'configz', LOCAL, '--insecure-skip-tls-verify', '--cert', lab.plan.files.adminCert, '--key', lab.plan.files.adminKey, '-o', 'json']);
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(Object.keys(json(out).config as object), ['kubecontrollermanager.config.k8s.io']);
    });

    it('scheduler: healthz lists leaderElection; configz is `componentconfig`; a bad token is a 401 line (exit 1)', async () => {
      const health = await kia(['scheduler', 'healthz', LOCAL, '--insecure-skip-tls-verify']);
      assert.deepEqual([health.code, health.stdout], [0, 'healthy (200): 1/1 checks ok\n[+] leaderElection ok\nhealthz check passed\n']);
      const config = await kia(['scheduler', 'configz', LOCAL, '--insecure-skip-tls-verify', '--token-file', lab.plan.files.adminToken, '-o', 'json']);
      assert.equal(config.code, 0, config.stderr);
      assert.deepEqual(Object.keys(json(config).config as object), ['componentconfig']);
      assertOneLine(await kia(['scheduler', 'metrics', LOCAL, '--insecure-skip-tls-verify', '--token', 'not-a-real-token']), 1, '401 Unauthorized', 'as token', '--token');
    });

    it('a hung scheduler: no answer within --timeout, one line (exit 3)', async () => {
      const scheduler = standIn(lab, 'kube-scheduler');
      scheduler.setHang(true);
      try {
        assertOneLine(await kia(['scheduler', 'healthz', LOCAL, '--insecure-skip-tls-verify', '--timeout', '300']), 3, 'no answer within 300 ms', '--timeout');
      } finally {
        scheduler.setHang(false);
      }
    });
  });

  describe('kia apiserver', () => {
    it('readyz, livez, healthz verified against the cluster CA, checks parsed (§6.2)', async () => {
      const ready = await kia(['apiserver', 'readyz', NODE, '--cacert', lab.plan.files.ca, '-o', 'json']);
      assert.equal(ready.code, 0, ready.stderr);
      const r = json(ready) as { checks: { name: string }[]; summary: string };
      const names = r.checks.map((c) => c.name);
      for (const name of ['ping', 'log', 'etcd', 'etcd-readiness', 'informer-sync', 'shutdown']) assert.ok(names.includes(name), `readyz has ${name}`);
      assert.equal(r.summary, 'readyz check passed');
      const live = await kia(['apiserver', 'livez', NODE, '--cacert', lab.plan.files.ca, '-o', 'json']);
      const l = json(live) as { checks: { name: string }[]; summary: string };
      assert.equal(live.code, 0);
      assert.ok(!l.checks.some((c) => c.name === 'etcd-readiness'));
      assert.equal(l.summary, 'livez check passed');
      const healthz = await kia(['apiserver', 'healthz', NODE, '--cacert', lab.plan.files.ca]);
      assert.equal(healthz.code, 0);
      assert.ok(healthz.stdout.endsWith('healthz check passed\n'));
    });

    it('a failing etcd check makes readyz unhealthy (500, reason withheld, exit 1)', async () => {
      const apiserver = standIn(lab, 'kube-apiserver');
      apiserver.state.failCheck('etcd', 'context deadline exceeded');
      try {
        const out = await kia(['apiserver', 'readyz', NODE, '--cacert', lab.plan.files.ca]);
        assert.equal(out.code, 1);
        assert.ok(out.stdout.includes('[-] etcd failed: reason withheld\n'), out.stdout);
        assert.ok(out.stdout.endsWith('readyz check failed\n'));
      } finally {
        apiserver.state.clear();
      }
    });

    it('version: gitVersion as curl sees it; the kubeconfig identity works too', async () => {
      const out = await kia(['apiserver', 'version', NODE, '--cacert', lab.plan.files.ca, '-o', 'json']);
      assert.equal(out.code, 0, out.stderr);
      const v = json(out).version as Record<string, string>;
      assert.match(v.gitVersion ?? '', /^v1\.36\.\d+/);
      const byCurl = JSON.parse(await curl(['--cacert', lab.plan.files.ca, `https://${NODE}:6443/version`])) as Record<string, string>;
      assert.equal(v.gitVersion, byCurl.gitVersion);
      const text = await kia(['apiserver', 'version', NODE, '--cacert', lab.plan.files.ca, '--kubeconfig', lab.plan.files.adminConf]);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, `${byCurl.gitVersion} (${byCurl.goVersion}, ${byCurl.platform})\n`);
    });

    it('two credentials at once is a usage error', async () => {
      assertOneLine(await kia(['apiserver', 'version', NODE, '--cacert', lab.plan.files.ca, '--token', 'a', '--cert', lab.plan.files.adminCert, '--key', lab.plan.files.adminKey]), 2, 'give one credential');
    });
  });

  describe('kia get', () => {
    it('prints the body raw: /proxyMode has no newline (§9.19)', async () => {
      const out = await kia(['get', `${LOCAL}:10249/proxyMode`]);
      assert.deepEqual([out.code, out.stdout], [0, 'iptables']);
    });

    it('finds the component by port number, and a full URL works', async () => {
      const out = await kia(['get', `http://${NODE}:10256/livez`]);
      assert.equal(out.code, 0, out.stderr);
      const body = JSON.parse(out.stdout) as Record<string, unknown>;
      assert.equal(body.nodeEligible, undefined, '/livez has no nodeEligible (§4.2)');
      assert.equal(body.healthy, true);
    });

    it('an etcd gateway read is POSTed without -X; a gateway write is an act route refused without --act', async () => {
      const range = await kia(['get', `https://${NODE}:2379/v3/kv/range`, ...etcdTls, '-d', '{"key":"Lw=="}']);
      assert.equal(range.code, 0, range.stderr);
      assert.ok((JSON.parse(range.stdout) as { header?: unknown }).header);
      assertOneLine(await kia(['get', `https://${NODE}:2379/v3/kv/put`, ...etcdTls, '-d', '{"key":"Lw==","value":"eA=="}']), 2, 'POST /v3/kv/put', '--act');
    });

    it('act routes need --act: DELETE /metrics/slis on 10249 (exit 2 without, 0 with)', async () => {
      assertOneLine(await kia(['get', `${LOCAL}:10249/metrics/slis`, '-X', 'DELETE']), 2, 'DELETE /metrics/slis', 'kube-proxy', '--act');
      assert.equal((await kia(['get', `${LOCAL}:10249/metrics/slis`, '-X', 'DELETE', '--act'])).code, 0);
    });

    it('a kubelet /run is an act route even with admin credentials', async () => {
      assertOneLine(await kia(['get', `${NODE}:10250/run/kube-system/x/y`, '--cert', lab.plan.files.adminCert, '--key', lab.plan.files.adminKey]), 2, 'POST /run/', '--act');
    });

    it('kubelet /pods as admin: the PodList', async () => {
      const out = await kia(['get', `${NODE}:10250/pods`, '--insecure-skip-tls-verify', '--cert', lab.plan.files.adminCert, '--key', lab.plan.files.adminKey]);
      assert.equal(out.code, 0, out.stderr);
      assert.ok(out.stdout.startsWith('{"kind":"PodList","apiVersion":"v1","metadata":{}'), out.stdout.slice(0, 80));
    });

    it('unknown paths, unknown ports and bad arguments are one usage line', async () => {
      assertOneLine(await kia(['get', `${LOCAL}:10249/nothing`]), 2, '/nothing', 'kube-proxy');
      assertOneLine(await kia(['get', `${LOCAL}:1234/x`]), 2, 'port 1234', '--component');
      assertOneLine(await kia(['get', 'not a target']), 2, 'node:port/path');
      assertOneLine(await kia(['get', `${LOCAL}:10249/proxyMode`, '-X', 'POST', '--component', 'etcd']), 2, 'not a route');
    });

    it('401 and 403 as one line naming the credential flags (exit 1: the peer refused)', async () => {
      assertOneLine(await kia(['get', `${NODE}:10250/pods`, '--insecure-skip-tls-verify']), 1, '401 Unauthorized', '(no credential)', '--cert/--key');
      assertOneLine(await kia(['get', `${NODE}:6443/metrics`, '--cacert', lab.plan.files.ca]), 1, '403 Forbidden', 'cannot get path "/metrics"');
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A 1.28 lab (network 9): kube-proxy's old 10256 body, and routes 1.28 does not have.

describe('against a 1.28 kia lab (network 9)', () => {
  let lab: Lab;
  let dir: string;
  before(async () => {
    ({ lab, dir } = await freshLab({ network: 9, kubernetesVersion: '1.28' }));
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('proxy healthz parses the Go time-string body (§11), node eligible', async () => {
    const raw = await curl(['http://127.18.1.1:10256/healthz']);
    assert.match(raw, /^\{"lastUpdated": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000 UTC m=\+[\d.]+","currentTime": "[^"]+", "nodeEligible": true\}$/);
    const out = await kia(['proxy', 'healthz', '127.18.1.1', '-o', 'json']);
    assert.equal(out.code, 0, out.stderr);
    const v = json(out);
    assert.equal(v.format, 'go-time-string');
    assert.equal(v.nodeEligible, true);
    assert.equal(v.healthy, true);
    assert.match(String(v.lastUpdated), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
    assert.equal(typeof v.uptimeSeconds, 'number');
  });

  it('the 1.28 scheduler has no /livez (§11): a 404 line pointing at the catalog (exit 1)', async () => {
    assertOneLine(await kia(['get', 'https://127.19.1.1:10259/livez', '--insecure-skip-tls-verify']), 1, '404', 'kia catalog kube-scheduler');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Debian's real etcd 3.4.23 over mTLS (network 10: node IP 127.20.1.1, node-local 127.21.1.1).

describe("against Debian's real etcd 3.4 (network 10)", { skip: fs.existsSync('/usr/bin/etcd') ? false : '/usr/bin/etcd not installed' }, () => {
  let lab: Lab;
  let dir: string;
  let tls: string[];
  let curlTls: string[];
  const NODE = '127.20.1.1';
  before(async () => {
    ({ lab, dir } = await freshLab({ network: 10, etcd: 'system' }));
    const f = lab.plan.files;
    tls = ['--cacert', f.etcdCa, '--cert', f.etcdClientCert, '--key', f.etcdClientKey];
    curlTls = ['--cacert', f.etcdCa, '--cert', f.etcdClientCert, '--key', f.etcdClientKey];
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('health: the 3.4 body without reason, healthy', async () => {
    const out = await kia(['etcd', 'health', NODE, ...tls, '-o', 'json']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(json(out), { url: `https://${NODE}:2379/health`, status: 200, healthy: true, format: '3.4' });
    assert.equal((await kia(['etcd', 'health', NODE, ...tls])).stdout, 'healthy\n');
  });

  it('version: server 3.4.23, cluster 3.4.0, no storage key', async () => {
    const out = await kia(['etcd', 'version', NODE, ...tls]);
    assert.deepEqual([out.code, out.stdout], [0, 'server 3.4.23, cluster 3.4.0\n']);
    const v = json(await kia(['etcd', 'version', NODE, ...tls, '-o', 'json']));
    assert.equal('storage' in v, false);
  });

  it('members and status through the real gateway, the same ids curl sees', async () => {
    const byCurl = JSON.parse(await curl([...curlTls, '-X', 'POST', '-d', '{}', `https://${NODE}:2379/v3/cluster/member/list`])) as { members: { ID: string }[] };
    const members = await kia(['etcd', 'members', NODE, ...tls, '-o', 'json']);
    assert.equal(members.code, 0, members.stderr);
    const list = json(members).members as { id: string; idHex: string; peerURLs: string[]; clientURLs: string[]; isLearner: boolean }[];
    assert.equal(list.length, 1);
    assert.equal(list[0]?.id, byCurl.members[0]?.ID);
    assert.deepEqual(list[0]?.peerURLs, [`https://${NODE}:2380`]);
    assert.ok(list[0]?.clientURLs.includes(`https://${NODE}:2379`));
    assert.equal(list[0]?.isLearner, false);
    const status = await kia(['etcd', 'status', NODE, ...tls, '-o', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const s = json(status) as { version: string; isLeader: boolean; leader: string; leaderHex: string; dbSize: number };
    assert.equal(s.version, '3.4.23');
    assert.equal(s.isLeader, true);
    assert.equal(s.leader, list[0]?.id);
    assert.equal(s.leaderHex, list[0]?.idHex);
    assert.ok(s.dbSize > 0);
    const text = await kia(['etcd', 'status', NODE, ...tls]);
    assert.ok(text.stdout.startsWith('version: 3.4.23\n'), text.stdout);
  });

  it('the metrics listener (http, node-local) via --endpoint: /health and /metrics', async () => {
    const health = await kia(['etcd', 'health', '--endpoint', 'http://127.21.1.1:2381']);
    assert.deepEqual([health.code, health.stdout], [0, 'healthy\n']);
    // The node address with the port asks in that port's scheme (plain HTTP on 2381), no --endpoint needed.
    const byPort = await kia(['etcd', 'health', '127.21.1.1:2381']);
    assert.deepEqual([byPort.code, byPort.stdout, byPort.stderr], [0, 'healthy\n', '']);
    const metrics = await kia(['etcd', 'metrics', '--endpoint', 'http://127.21.1.1:2381']);
    assert.equal(metrics.code, 0);
    assert.match(metrics.stdout, /^etcd_server_has_leader 1$/m);
  });

  it('a client without a certificate is refused in the handshake: one line naming --cert and --key (exit 1)', async () => {
    assertOneLine(await kia(['etcd', 'health', NODE, '--cacert', lab.plan.files.etcdCa]), 1, 'requires a client certificate', '--cert and --key');
  });

  it('without --cacert the TLS failure names --cacert and --insecure-skip-tls-verify (exit 3)', async () => {
    assertOneLine(await kia(['etcd', 'version', NODE, '--cert', lab.plan.files.etcdClientCert, '--key', lab.plan.files.etcdClientKey]), 3, '--cacert', '--insecure-skip-tls-verify');
  });
});
