// etcd conformance: client 2379 (both addresses), peer 2380, metrics 2381, at 1.28, 1.31 and 1.36, plus the
// `insecure` and `insecure-http-etcd` profiles. Expected values are literal, from spec/internal-apis.md §2, §9 items
// 1-7 and §11. The lab's etcd is 3.5/3.6 (what kubeadm pairs with these releases), so the 3.4 fixtures
// (etcd-3.4.*.json: `{"health":"true"}` without `reason`) do not apply; §2.2/§9.3 give the 3.5+ bytes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LabFiles, LabNode } from '../src/lab/types.ts';
import { endpoint, endpoints, expectResponse, json, rawExchange, request, startTestLab, tcpConnect, tlsFacts } from './helpers.ts';
import type { Credentials, Expected, HttpResult, RequestOptions, TestLab } from './helpers.ts';

type Version = '1.28' | '1.31' | '1.36';
const VERSIONS: Version[] = ['1.28', '1.31', '1.36'];
const NETWORK: Record<Version, number> = { '1.28': 24, '1.31': 25, '1.36': 26 };
const INSECURE_NETWORK = 27;
const HTTP_ETCD_NETWORK = 28;

const TEXT = 'text/plain; charset=utf-8';
const GO_404 = '404 page not found\n';
// §9.3: healthy /health, no newline, no explicit Content-Type (sniffed as text).
const HEALTHY = '{"health":"true","reason":""}';
// §9.5: http.Error's bytes.
const METHOD_NOT_ALLOWED = 'Method Not Allowed\n';
// §2.6 / §9.2: every client-port response.
const CORS = {
  'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'accept, content-type, authorization',
};
// §2.1: the metrics and peer listeners have no CORS.
const NO_CORS = { 'access-control-allow-origin': null, 'access-control-allow-methods': null };

function etcdClient(files: LabFiles): Credentials & { ca: string } {
  return { cert: files.etcdClientCert, key: files.etcdClientKey, ca: files.etcdCa };
}

function semver(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  assert.ok(m, `etcd version ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
function atLeast(v: string, a: number, b: number, c: number): boolean {
  const [x, y, z] = semver(v);
  return x !== a ? x > a : y !== b ? y > b : z >= c;
}

for (const version of VERSIONS) {
  describe(`etcd with kubernetes ${version} (kubeadm profile)`, () => {
    let t: TestLab;
    let cp: LabNode;
    before(async () => {
      t = await startTestLab({ kubernetesVersion: version, network: NETWORK[version], nodes: 1 });
      cp = t.plan.nodes[0] as LabNode;
    });
    after(async () => {
      await t?.stop();
    });
    const client = (path: string, extra: Partial<RequestOptions> = {}, address = cp.ip): Promise<HttpResult> =>
      request({ url: `https://${address}:2379${path}`, ...etcdClient(t.plan.files), ...extra });
    const metrics = (path: string, extra: Partial<RequestOptions> = {}): Promise<HttpResult> =>
      request({ url: `http://${cp.localIp}:2381${path}`, ...extra });
    const peer = (path: string, extra: Partial<RequestOptions> = {}): Promise<HttpResult> =>
      request({ url: `https://${cp.ip}:2380${path}`, ...etcdClient(t.plan.files), ...extra });
    const livezAvailable = (): boolean => atLeast(t.plan.etcdVersion, 3, 5, 11);

    describe('address plan', () => {
      it('etcd version is the one kubeadm pairs: 3.5.x up to 1.31 (>= 3.5.11 from 1.31, whose probes use /livez), 3.6.x at 1.36', () => {
        if (version === '1.36') assert.match(t.plan.etcdVersion, /^3\.6\.\d+$/);
        else assert.match(t.plan.etcdVersion, /^3\.5\.\d+$/);
        // §2.9: kubeadm 1.31+ probes /livez and /readyz and needs etcd >= 3.5.11.
        if (version !== '1.28') assert.ok(atLeast(t.plan.etcdVersion, 3, 5, 11), t.plan.etcdVersion);
      });

      it('2379 https on the node IP and the node-local address, 2380 https on the node IP, 2381 http node-local only', async () => {
        const clients = endpoints(t.plan, cp, 'etcd', 'client');
        assert.deepEqual(clients.map((e) => [e.address, e.number, e.scheme]).sort(), [[cp.ip, 2379, 'https'], [cp.localIp, 2379, 'https']].sort());
        const p = endpoint(t.plan, cp, 'etcd', 'peer');
        assert.deepEqual([p.address, p.number, p.scheme, p.reach], [cp.ip, 2380, 'https', 'node-ip']);
        const m = endpoint(t.plan, cp, 'etcd', 'metrics');
        assert.deepEqual([m.address, m.number, m.scheme, m.reach], [cp.localIp, 2381, 'http', 'node-local']);
        assert.equal(await tcpConnect(cp.ip, 2381), 'ECONNREFUSED');
        assert.equal(await tcpConnect(cp.localIp, 2380), 'ECONNREFUSED');
        assert.equal(await tcpConnect(cp.ip, 2379), 'connected');
        assert.equal(await tcpConnect(cp.localIp, 2379), 'connected');
      });
    });

    describe('TLS on 2379 and 2380: RequireAndVerifyClientCert (§2.8, §9.1)', () => {
      const refused: { name: string; creds: (f: LabFiles) => Credentials }[] = [
        { name: 'anonymous (no certificate)', creds: () => ({}) },
        { name: 'alice (cluster CA, not the etcd CA)', creds: (f) => ({ cert: f.aliceCert, key: f.aliceKey }) },
        { name: 'admin (cluster CA, not the etcd CA)', creds: (f) => ({ cert: f.adminCert, key: f.adminKey }) },
        { name: 'foreign CA', creds: (f) => ({ cert: f.foreignCert, key: f.foreignKey }) },
        { name: 'bad token, no certificate', creds: () => ({ token: 'not-a-real-token' }) },
      ];
      for (const r of refused) {
        it(`${r.name}: no HTTP answer at all, on every TLS listener`, async () => {
          for (const [address, port] of [[cp.ip, 2379], [cp.localIp, 2379], [cp.ip, 2380]] as const) {
            await assert.rejects(
              request({ url: `https://${address}:${port}/health`, ...r.creds(t.plan.files), ca: t.plan.files.etcdCa }),
              (err: Error) => !/^timeout/.test(err.message),
              `${r.name} on ${address}:${port} must fail in TLS, never with an HTTP status`,
            );
            if (r.name.startsWith('bad token')) continue;
            // With TLS 1.2 the refusal happens inside the handshake itself.
            const facts = await tlsFacts({ host: address, port, ...r.creds(t.plan.files), maxVersion: 'TLSv1.2' });
            assert.notEqual(facts.outcome, 'ok', `TLS 1.2 handshake of ${r.name} on ${address}:${port} must fail`);
          }
        });
      }
      it('the etcd healthcheck-client certificate: handshake ok, server verified against the etcd CA on both addresses', async () => {
        for (const address of [cp.ip, cp.localIp]) {
          const facts = await tlsFacts({ host: address, port: 2379, cert: t.plan.files.etcdClientCert, key: t.plan.files.etcdClientKey, ca: t.plan.files.etcdCa });
          assert.equal(facts.outcome, 'ok');
          assert.equal(facts.authorized, true, facts.authorizationError);
          const res = await client('/health', {}, address);
          expectResponse(res, { status: 200, body: HEALTHY }, `/health on ${address}`);
        }
      });
      it('ALPN: h2 offered, http/1.1-only clients still served (§2.8)', async () => {
        const files = t.plan.files;
        const h2 = await tlsFacts({ host: cp.ip, port: 2379, cert: files.etcdClientCert, key: files.etcdClientKey, alpn: ['h2', 'http/1.1'] });
        assert.equal(h2.alpn, 'h2');
        const h1 = await tlsFacts({ host: cp.ip, port: 2379, cert: files.etcdClientCert, key: files.etcdClientKey, alpn: ['http/1.1'] });
        assert.equal(h1.outcome, 'ok');
      });
      it('plain HTTP to the TLS client port: the connection closes without a byte (§11)', async () => {
        const { bytes } = await rawExchange(cp.ip, 2379, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
        assert.equal(bytes.length, 0, JSON.stringify(bytes.toString('latin1')));
      });
    });

    describe('client port 2379 routes (etcd healthcheck-client certificate)', () => {
      const cases: { method: string; path: string; exp: () => Expected; check?: (body: string) => void }[] = [
        { method: 'GET', path: '/health', exp: () => ({ status: 200, body: HEALTHY, contentType: TEXT, headers: CORS }) },
        { method: 'GET', path: '/health?serializable=true', exp: () => ({ status: 200, body: HEALTHY, headers: CORS }) },
        { method: 'GET', path: '/health?exclude=NOSPACE', exp: () => ({ status: 200, body: HEALTHY }) },
        { method: 'GET', path: '/health?exclude=NOSPACE&serializable=true', exp: () => ({ status: 200, body: HEALTHY }) },
        { method: 'POST', path: '/health', exp: () => ({ status: 405, body: METHOD_NOT_ALLOWED, contentType: TEXT, headers: { allow: 'GET', ...CORS } }) },
        { method: 'PUT', path: '/version', exp: () => ({ status: 405, body: METHOD_NOT_ALLOWED, headers: { allow: 'GET' } }) },
        { method: 'POST', path: '/debug/vars', exp: () => ({ status: 405, body: METHOD_NOT_ALLOWED, headers: { allow: 'GET' } }) },
        {
          method: 'GET', path: '/debug/vars', exp: () => ({ status: 200, contentType: 'application/json; charset=utf-8', headers: CORS }),
          check: (body) => {
            const vars = JSON.parse(body) as Record<string, unknown>;
            assert.ok('cmdline' in vars && 'memstats' in vars, 'an expvar dump');
          },
        },
        {
          method: 'GET', path: '/metrics', exp: () => ({ status: 200, headers: CORS }),
          check: (body) => {
            assert.match(body, /^# TYPE etcd_server_has_leader gauge$/m);
            assert.match(body, /^etcd_server_has_leader 1$/m);
          },
        },
        { method: 'GET', path: '/foo', exp: () => ({ status: 404, body: GO_404, contentType: TEXT, headers: CORS }) },
        { method: 'OPTIONS', path: '/anything', exp: () => ({ status: 200, body: '', headers: CORS }) },
        { method: 'OPTIONS', path: '/health', exp: () => ({ status: 200, body: '', headers: CORS }) },
      ];
      for (const cs of cases) {
        it(`${cs.method} ${cs.path}`, async () => {
          for (const address of [cp.ip, cp.localIp]) {
            const res = await client(cs.path, { method: cs.method }, address);
            expectResponse(res, cs.exp(), `${cs.method} ${cs.path} on ${address}:2379`);
            cs.check?.(res.body);
          }
        });
      }

      it('GET /version: application/json, {"etcdserver","etcdcluster"} (3.5) + "storage" (3.6) (§2.4, §9.6)', async () => {
        const res = await client('/version');
        expectResponse(res, { status: 200, contentType: 'application/json', headers: CORS }, '/version');
        const v = t.plan.etcdVersion;
        if (version === '1.36') assert.equal(res.body, `{"etcdserver":"${v}","etcdcluster":"3.6.0","storage":"3.6.0"}`);
        else assert.equal(res.body, `{"etcdserver":"${v}","etcdcluster":"3.5.0"}`);
      });

      it('/metrics names the running server version', async () => {
        const res = await client('/metrics');
        assert.ok(res.body.includes(`etcd_server_version{server_version="${t.plan.etcdVersion}"} 1`), 'etcd_server_version line');
      });

      it('/livez, /readyz family (etcd >= 3.5.11; absent before)', async () => {
        if (!livezAvailable()) {
          for (const p of ['/livez', '/readyz']) expectResponse(await client(p), { status: 404, body: GO_404 }, p);
          return;
        }
        const nosniff = { 'x-content-type-options': 'nosniff', ...CORS };
        expectResponse(await client('/livez'), { status: 200, body: 'ok\n', contentType: TEXT, headers: nosniff }, '/livez');
        expectResponse(await client('/readyz'), { status: 200, body: 'ok\n', contentType: TEXT, headers: nosniff }, '/readyz');
        expectResponse(await client('/livez?verbose'), { status: 200, body: '[+]serializable_read ok\nok\n' }, '/livez?verbose');
        expectResponse(await client('/livez/serializable_read'), { status: 200, body: 'ok\n' }, '/livez/serializable_read');
        expectResponse(await client('/readyz/linearizable_read'), { status: 200, body: 'ok\n' }, '/readyz/linearizable_read');
        expectResponse(await client('/readyz/data_corruption'), { status: 200, body: 'ok\n' }, '/readyz/data_corruption');
        expectResponse(await client('/livez?exclude=no_such_check'), { status: 200, body: 'ok\n' }, '/livez?exclude=no_such_check');
        expectResponse(await client('/livez/nope'), { status: 404, body: GO_404 }, '/livez/nope');
        expectResponse(await client('/livez', { method: 'POST' }), { status: 405, body: METHOD_NOT_ALLOWED, headers: { allow: 'GET' } }, 'POST /livez');
        expectResponse(await client('/readyz', { method: 'DELETE' }), { status: 405, body: METHOD_NOT_ALLOWED, headers: { allow: 'GET' } }, 'DELETE /readyz');
        // §2.3: readyz = data_corruption, serializable_read, linearizable_read (+ non_learner from 3.5.19/3.6.0), map order.
        const verbose = await client('/readyz?verbose');
        assert.equal(verbose.status, 200);
        assert.ok(verbose.body.endsWith('ok\n'), verbose.body);
        const lines = verbose.body.split('\n').filter((l) => l !== '').slice(0, -1).sort();
        const expected = ['[+]data_corruption ok', '[+]linearizable_read ok', '[+]serializable_read ok'];
        if (atLeast(t.plan.etcdVersion, 3, 5, 19)) expected.push('[+]non_learner ok');
        assert.deepEqual(lines, expected.sort());
        if (atLeast(t.plan.etcdVersion, 3, 5, 19)) expectResponse(await client('/readyz/non_learner'), { status: 200, body: 'ok\n' }, '/readyz/non_learner');
      });

      it('the v3 JSON gateway: POST /v3/kv/range and /v3/maintenance/status answer JSON with a header (§2.5)', async () => {
        for (const [path, body] of [['/v3/kv/range', '{"key":"Zm9v"}'], ['/v3/maintenance/status', '{}']] as const) {
          const res = await client(path, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
          assert.equal(res.status, 200, `${path}: ${res.body}`);
          const answer = json(res) as { header?: { cluster_id?: unknown; revision?: unknown } };
          assert.ok(answer.header && 'cluster_id' in answer.header && 'revision' in answer.header, res.body);
        }
      });

      it('a bearer token is irrelevant (etcd auth off): bad token with the client certificate still gets /health', async () => {
        expectResponse(await client('/health', { token: 'not-a-real-token' }), { status: 200, body: HEALTHY }, 'bad token /health');
      });
    });

    describe('metrics port 2381 (plain HTTP, node-local, full access, no CORS)', () => {
      it('GET /health (anonymous and bad token)', async () => {
        for (const token of [undefined, 'not-a-real-token']) {
          expectResponse(await metrics('/health', { token }), { status: 200, body: HEALTHY, contentType: TEXT, headers: NO_CORS }, '2381 /health');
        }
      });
      it('GET /metrics', async () => {
        const res = await metrics('/metrics');
        expectResponse(res, { status: 200, headers: NO_CORS }, '2381 /metrics');
        assert.match(res.body, /^etcd_server_has_leader 1$/m);
      });
      it('/livez and /readyz (etcd >= 3.5.11), GET only', async () => {
        if (!livezAvailable()) {
          expectResponse(await metrics('/livez'), { status: 404, body: GO_404 }, '2381 /livez');
          return;
        }
        expectResponse(await metrics('/livez'), { status: 200, body: 'ok\n', contentType: TEXT, headers: { 'x-content-type-options': 'nosniff' } }, '2381 /livez');
        expectResponse(await metrics('/readyz'), { status: 200, body: 'ok\n' }, '2381 /readyz');
        expectResponse(await metrics('/livez?verbose'), { status: 200, body: '[+]serializable_read ok\nok\n' }, '2381 /livez?verbose');
      });
      it('no /version, no /debug/vars there: 404 (§2.1)', async () => {
        expectResponse(await metrics('/version'), { status: 404, body: GO_404 }, '2381 /version');
        expectResponse(await metrics('/debug/vars'), { status: 404, body: GO_404 }, '2381 /debug/vars');
        expectResponse(await metrics('/foo'), { status: 404, body: GO_404, headers: NO_CORS }, '2381 /foo');
      });
      it('POST /health → 405 Allow: GET; OPTIONS is not answered by a CORS layer (405)', async () => {
        expectResponse(await metrics('/health', { method: 'POST' }), { status: 405, body: METHOD_NOT_ALLOWED, headers: { allow: 'GET' } }, '2381 POST /health');
        expectResponse(await metrics('/health', { method: 'OPTIONS' }), { status: 405, body: METHOD_NOT_ALLOWED, headers: { allow: 'GET', ...NO_CORS } }, '2381 OPTIONS /health');
      });
    });

    describe('peer port 2380 (a certificate of the etcd CA)', () => {
      it('GET /members: the one member, X-Etcd-Cluster-ID (§2.7, §9.7)', async () => {
        const res = await peer('/members');
        expectResponse(res, { status: 200, contentType: 'application/json', headers: NO_CORS }, '/members');
        assert.match(String(res.headers['x-etcd-cluster-id']), /^[0-9a-f]+$/);
        const members = json(res) as Record<string, unknown>[];
        assert.equal(members.length, 1);
        const m = members[0] as Record<string, unknown>;
        assert.equal(typeof m['id'], 'number');
        assert.equal(m['name'], cp.name);
        // §2.9: kubeadm advertises https://<advertise>:2380 and https://<advertise>:2379.
        assert.deepEqual(m['peerURLs'], [`https://${cp.ip}:2380`]);
        assert.deepEqual(m['clientURLs'], [`https://${cp.ip}:2379`]);
        assert.ok(!('isLearner' in m), 'isLearner is omitted when false');
      });
      it('GET /version: the same JSON as the client port', async () => {
        const a = await peer('/version');
        const b = await client('/version');
        assert.equal(a.status, 200);
        assert.equal(a.body, b.body);
      });
      it('GET /raft → 405, Allow: POST', async () => {
        expectResponse(await peer('/raft'), { status: 405, body: METHOD_NOT_ALLOWED, headers: { allow: 'POST' } }, 'GET /raft');
      });
      it('GET /downgrade/enabled → false', async () => {
        expectResponse(await peer('/downgrade/enabled'), { status: 200, body: 'false' }, '/downgrade/enabled');
      });
      it('unknown path → 404', async () => {
        expectResponse(await peer('/foo'), { status: 404, body: GO_404 }, 'peer /foo');
      });
    });
  });
}

describe('etcd, insecure profile (no client-certificate authentication)', () => {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kubernetesVersion: '1.36', network: INSECURE_NETWORK, nodes: 1, profile: 'insecure' });
  });
  after(async () => {
    await t?.stop();
  });
  it('2379 https: a handshake without a certificate succeeds and /health answers (NoClientCert)', async () => {
    const cp = t.plan.nodes[0] as LabNode;
    assert.equal(cp.profile, 'insecure');
    const facts = await tlsFacts({ host: cp.ip, port: 2379, maxVersion: 'TLSv1.2' });
    assert.equal(facts.outcome, 'ok');
    for (const token of [undefined, 'not-a-real-token']) {
      const res = await request({ url: `https://${cp.ip}:2379/health`, ca: t.plan.files.etcdCa, token });
      expectResponse(res, { status: 200, body: HEALTHY, headers: CORS }, 'insecure /health');
    }
  });
});

describe('etcd, insecure-http-etcd profile (plain HTTP client port)', () => {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kubernetesVersion: '1.36', network: HTTP_ETCD_NETWORK, nodes: 1, profile: 'insecure-http-etcd' });
  });
  after(async () => {
    await t?.stop();
  });
  it('2379 is http: /health, /version and CORS to anyone; Host is not checked with the default whitelist `*`', async () => {
    const cp = t.plan.nodes[0] as LabNode;
    assert.equal(cp.profile, 'insecure-http-etcd');
    const ep = endpoints(t.plan, cp, 'etcd', 'client').find((e) => e.address === cp.ip);
    assert.ok(ep);
    assert.deepEqual([ep.number, ep.scheme], [2379, 'http']);
    expectResponse(await request({ url: `http://${cp.ip}:2379/health` }), { status: 200, body: HEALTHY, contentType: TEXT, headers: CORS }, 'http /health');
    expectResponse(await request({ url: `http://${cp.ip}:2379/health`, headers: { Host: 'rebinding.example' } }), { status: 200, body: HEALTHY }, 'Host rebinding.example');
    const v = await request({ url: `http://${cp.ip}:2379/version` });
    expectResponse(v, { status: 200, contentType: 'application/json', body: `{"etcdserver":"${t.plan.etcdVersion}","etcdcluster":"3.6.0","storage":"3.6.0"}` }, 'http /version');
  });
});
