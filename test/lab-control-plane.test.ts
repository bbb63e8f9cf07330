// kube-controller-manager 10257, kube-scheduler 10259 and kube-apiserver 6443 conformance, every caller, at 1.28,
// 1.31 and 1.36. Literal expectations from spec/internal-apis.md §5, §6, §8, §9 items 22-27, §11 and the real v1.28
// fixtures (controller-manager.*, scheduler.*, apiserver.readyz-verbose.txt).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LabNode } from '../src/lab/types.ts';
import { CALLERS, endpoint, endpoints, expectResponse, fixture, json, kubeProxyPod, request, requestAs, startTestLab, tcpConnect, tlsFacts } from './helpers.ts';
import type { Caller, Expected, HttpResult, TestLab } from './helpers.ts';

type Version = '1.28' | '1.31' | '1.36';
const VERSIONS: Version[] = ['1.28', '1.31', '1.36'];
const NETWORK: Record<Version, number> = { '1.28': 33, '1.31': 34, '1.36': 35 };

const TEXT = 'text/plain; charset=utf-8';
const NOSNIFF = { 'x-content-type-options': 'nosniff' };
const GO_404 = '404 page not found\n';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
// The spec gives the compact JSON Status; Go's json.Encoder ends it with a newline, which the spec leaves open.
// (The byte-exact pretty form curl gets is checked against the real fixture in lab-clients.test.ts.)
function status(literal: string): RegExp {
  return new RegExp(`^${escapeRe(literal)}\\n?$`);
}
// §5.2 / §9.24
const STATUS_401 = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';
function status403(user: string, verb: string, path: string): string {
  return `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \\"${user}\\" cannot ${verb} path \\"${path}\\"","reason":"Forbidden","details":{},"code":403}`;
}
// Go's net/http/pprof index (Go 1.20-1.22, the toolchains of Kubernetes 1.28 and 1.31; pprof.go indexTmplExecute),
// written out from upstream: the <style> block after the <title>, the goroutine dump link, the descriptions, and no
// newline after </html>. Only the counts (all 0) are the lab's.
const PPROF_INDEX = `<html>
<head>
<title>/debug/pprof/</title>
<style>
.profile-name{
	display:inline-block;
	width:6rem;
}
</style>
</head>
<body>
/debug/pprof/
<br>
<p>Set debug=1 as a query parameter to export in legacy text format</p>
<br>
Types of profiles available:
<table>
<thead><td>Count</td><td>Profile</td></thead>
<tr><td>0</td><td><a href='allocs?debug=1'>allocs</a></td></tr>
<tr><td>0</td><td><a href='block?debug=1'>block</a></td></tr>
<tr><td>0</td><td><a href='cmdline?debug=1'>cmdline</a></td></tr>
<tr><td>0</td><td><a href='goroutine?debug=1'>goroutine</a></td></tr>
<tr><td>0</td><td><a href='heap?debug=1'>heap</a></td></tr>
<tr><td>0</td><td><a href='mutex?debug=1'>mutex</a></td></tr>
<tr><td>0</td><td><a href='profile?debug=1'>profile</a></td></tr>
<tr><td>0</td><td><a href='threadcreate?debug=1'>threadcreate</a></td></tr>
<tr><td>0</td><td><a href='trace?debug=1'>trace</a></td></tr>
</table>
<a href="goroutine?debug=2">full goroutine stack dump</a>
<br>
<p>
Profile Descriptions:
<ul>
<li><div class=profile-name>allocs: </div> A sampling of all past memory allocations</li>
<li><div class=profile-name>block: </div> Stack traces that led to blocking on synchronization primitives</li>
<li><div class=profile-name>cmdline: </div> The command line invocation of the current program</li>
<li><div class=profile-name>goroutine: </div> Stack traces of all current goroutines. Use debug=2 as a query parameter to export in the same format as an unrecovered panic.</li>
<li><div class=profile-name>heap: </div> A sampling of memory allocations of live objects. You can specify the gc GET parameter to run GC before taking the heap sample.</li>
<li><div class=profile-name>mutex: </div> Stack traces of holders of contended mutexes</li>
<li><div class=profile-name>profile: </div> CPU profile. You can specify the duration in the seconds GET parameter. After you get the profile file, use the go tool pprof command to investigate the profile.</li>
<li><div class=profile-name>threadcreate: </div> Stack traces that led to the creation of new OS threads</li>
<li><div class=profile-name>trace: </div> A trace of execution of the current program. You can specify the duration in the seconds GET parameter. After you get the trace file, use the go tool trace command to investigate the trace.</li>
</ul>
</p>
</body>
</html>`;
const PPROF_OK: Expected = { status: 200, body: PPROF_INDEX, contentType: 'text/html; charset=utf-8', headers: NOSNIFF };

// The real 403's headers (controller-manager.configz-anonymous-403.headers), less date/length.
const HEADERS_403 = { 'cache-control': 'no-cache, private', 'x-content-type-options': 'nosniff' };

const USER: Record<Caller, string> = {
  anonymous: 'system:anonymous',
  alice: 'alice',
  'alice-token': 'alice',
  foreign: '',
  'bad-token': '',
  admin: '',
  'admin-token': '',
};

interface Case {
  method: string;
  /** `{node}`: each node name in turn; `{pod}`: that node's kube-proxy pod. */
  path: string;
  body?: string;
  /** always-allow path (KCM/scheduler) or RBAC public-info path (apiserver, GET only): anonymous and alice get the admin answer. */
  open?: boolean;
  /** apiserver system:discovery path (bound to system:authenticated): alice gets the admin answer, anonymous 403. */
  discovery?: boolean;
  /** resource request on the apiserver: 403 body not fixed by the spec; checked as a Forbidden Status. */
  resource?: boolean;
  versions?: Version[];
  ok: Expected;
  check?: (res: HttpResult, node: LabNode, version: Version) => void;
}

function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => keyPaths(v, `${prefix}/${k}`));
}
function typeLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('# TYPE '));
}
function buildInfo(version: Version, body: string): void {
  const minor = version.split('.')[1];
  assert.match(body, new RegExp(`^kubernetes_build_info\\{.*git_version="v1\\.${minor}\\.\\d+".*major="1",minor="${minor}".*\\} 1$`, 'm'));
}
function sameShapeAsFixture(fixtureName: string, key: string) {
  return (res: HttpResult, _node: LabNode, version: Version): void => {
    const got = (json(res) as Record<string, unknown>)[key];
    assert.ok(got && typeof got === 'object', `/configz keyed ${key}`);
    if (version === '1.28') {
      const real = (JSON.parse(fixture(fixtureName)) as Record<string, unknown>)[key];
      assert.deepEqual(keyPaths(got).sort(), keyPaths(real).sort(), `the real 1.28 ${fixtureName} fields`);
    }
  };
}
function metricsCheck(fixtureName: string | null) {
  return (res: HttpResult, _node: LabNode, version: Version): void => {
    buildInfo(version, res.body);
    if (version === '1.28' && fixtureName) {
      const got = new Set(typeLines(res.body));
      assert.deepEqual(typeLines(fixture(fixtureName)).filter((l) => !got.has(l)), [], `families of the real 1.28 ${fixtureName}`);
    }
  };
}
function zpages(versions: Version[]): Case[] {
  // §5.3 / §8: /flagz and /statusz on by default from 1.36; §11: absent at 1.31.
  return [
    { method: 'GET', path: '/flagz', versions: versions.filter((v) => v === '1.36'), ok: { status: 200, contentType: TEXT } },
    { method: 'GET', path: '/statusz', versions: versions.filter((v) => v === '1.36'), ok: { status: 200, contentType: TEXT } },
    { method: 'GET', path: '/flagz', versions: versions.filter((v) => v !== '1.36'), ok: { status: 404, body: GO_404 } },
    { method: 'GET', path: '/statusz', versions: versions.filter((v) => v !== '1.36'), ok: { status: 404, body: GO_404 } },
  ];
}

const KCM: Case[] = [
  { method: 'GET', path: '/healthz', open: true, ok: { status: 200, body: 'ok', contentType: TEXT, headers: NOSNIFF } },
  // §5.2: always-allow paths match the path, whatever the verb.
  { method: 'POST', path: '/healthz', open: true, ok: { status: 200, body: 'ok' } },
  { method: 'GET', path: '/healthz?verbose', open: true, versions: ['1.28'], ok: { status: 200, body: fixture('controller-manager.healthz-verbose.txt'), contentType: TEXT } },
  { method: 'GET', path: '/healthz?verbose', open: true, versions: ['1.31', '1.36'], ok: { status: 200, bodyStartsWith: '[+]leaderElection ok\n', bodyMatch: /\nhealthz check passed\n$/ } },
  // §5.3 / §9.23 / §11: no /livez, /readyz on KCM: allowed, then the mux's 404.
  { method: 'GET', path: '/livez', open: true, ok: { status: 404, body: GO_404, contentType: TEXT } },
  { method: 'GET', path: '/readyz', open: true, ok: { status: 404, body: GO_404 } },
  // §5.2: /healthz/… is not in the always-allow list; §5.3: not routed on KCM.
  { method: 'GET', path: '/healthz/leaderElection', ok: { status: 404, body: GO_404 } },
  { method: 'GET', path: '/configz', ok: { status: 200, contentType: 'application/json', bodyStartsWith: '{"kubecontrollermanager.config.k8s.io":{' }, check: sameShapeAsFixture('controller-manager.configz.json', 'kubecontrollermanager.config.k8s.io') },
  { method: 'GET', path: '/metrics', ok: { status: 200, bodyMatch: /^# HELP /m }, check: metricsCheck(null) },
  { method: 'GET', path: '/metrics/slis', ok: { status: 200 } },
  // §5.3: KCM's /metrics is the legacy registry handler, any method (no reset); /metrics/slis resets on DELETE (§9.26).
  { method: 'DELETE', path: '/metrics', ok: { status: 200, bodyMatch: /^# HELP /m } },
  { method: 'DELETE', path: '/metrics/slis', ok: { status: 200, body: 'metrics reset\n' } },
  { method: 'GET', path: '/debug/pprof/', ok: PPROF_OK },
  // §9.27
  { method: 'GET', path: '/debug/flags/v', ok: { status: 406, body: 'unsupported http method\n' } },
  { method: 'PUT', path: '/debug/flags/v', body: '0', ok: { status: 200, body: 'successfully set klog.logging.verbosity to 0\n' } },
  ...zpages(VERSIONS),
  { method: 'GET', path: '/foo', ok: { status: 404, body: GO_404 } },
];

const SCHEDULER: Case[] = [
  { method: 'GET', path: '/healthz', open: true, ok: { status: 200, body: 'ok', contentType: TEXT, headers: NOSNIFF } },
  // Real bytes (scheduler.healthz-verbose.txt); §5.4: the one check is leaderElection with leader election on.
  { method: 'GET', path: '/healthz?verbose', open: true, ok: { status: 200, body: fixture('scheduler.healthz-verbose.txt'), contentType: TEXT } },
  { method: 'GET', path: '/healthz/leaderElection', ok: { status: 200, body: 'ok' } },
  // §11: 404 at 1.28 (after authorisation); answered from 1.31.
  { method: 'GET', path: '/livez', open: true, versions: ['1.28'], ok: { status: 404, body: GO_404 } },
  { method: 'GET', path: '/readyz', open: true, versions: ['1.28'], ok: { status: 404, body: GO_404 } },
  { method: 'GET', path: '/livez', open: true, versions: ['1.31', '1.36'], ok: { status: 200, body: 'ok', contentType: TEXT, headers: NOSNIFF } },
  { method: 'GET', path: '/readyz', open: true, versions: ['1.31', '1.36'], ok: { status: 200, body: 'ok' } },
  {
    method: 'GET', path: '/readyz?verbose', open: true, versions: ['1.31', '1.36'], ok: { status: 200, bodyMatch: /\nreadyz check passed\n$/ },
    check: (res) => {
      // §11 (real 1.31): lists leaderElection, shutdown, sched-handler-sync.
      const lines = res.body.split('\n').filter((l) => l.startsWith('[+]')).sort();
      assert.deepEqual(lines, ['[+]leaderElection ok', '[+]sched-handler-sync ok', '[+]shutdown ok']);
    },
  },
  { method: 'GET', path: '/livez/ping', versions: ['1.31', '1.36'], ok: { status: 200, body: 'ok' } },
  { method: 'GET', path: '/configz', ok: { status: 200, contentType: 'application/json', bodyStartsWith: '{"componentconfig":{' }, check: sameShapeAsFixture('scheduler.configz.json', 'componentconfig') },
  { method: 'GET', path: '/metrics', ok: { status: 200, bodyMatch: /^# HELP /m }, check: metricsCheck('scheduler.metrics') },
  { method: 'GET', path: '/metrics/resources', ok: { status: 200 } },
  { method: 'GET', path: '/metrics/slis', ok: { status: 200 } },
  // §9.26: the scheduler always installs the resetting /metrics.
  { method: 'DELETE', path: '/metrics', ok: { status: 200, body: 'metrics reset\n' } },
  { method: 'GET', path: '/debug/pprof/', ok: PPROF_OK },
  { method: 'GET', path: '/debug/flags/v', ok: { status: 406, body: 'unsupported http method\n' } },
  { method: 'PUT', path: '/debug/flags/v', body: '0', ok: { status: 200, body: 'successfully set klog.logging.verbosity to 0\n' } },
  ...zpages(VERSIONS),
  { method: 'GET', path: '/foo', ok: { status: 404, body: GO_404 } },
];

const APISERVER: Case[] = [
  // §6.1: system:public-info-viewer: GET on exactly /healthz, /livez, /readyz, /version, /version/.
  { method: 'GET', path: '/healthz', open: true, ok: { status: 200, body: 'ok', contentType: TEXT, headers: NOSNIFF } },
  { method: 'GET', path: '/livez', open: true, ok: { status: 200, body: 'ok' } },
  { method: 'GET', path: '/readyz', open: true, ok: { status: 200, body: 'ok' } },
  { method: 'GET', path: '/readyz?verbose', open: true, versions: ['1.28'], ok: { status: 200, body: fixture('apiserver.readyz-verbose.txt'), contentType: TEXT } },
  { method: 'GET', path: '/readyz?verbose', open: true, versions: ['1.31', '1.36'], ok: { status: 200, bodyStartsWith: '[+]ping ok\n[+]log ok\n', bodyIncludes: ['[+]etcd ok\n', '[+]etcd-readiness ok\n', '[+]informer-sync ok\n', '[+]shutdown ok\n'], bodyMatch: /\nreadyz check passed\n$/ } },
  { method: 'GET', path: '/livez?verbose', open: true, ok: { status: 200, bodyStartsWith: '[+]ping ok\n[+]log ok\n', bodyIncludes: ['[+]etcd ok\n'], bodyMatch: /\nlivez check passed\n$/ } },
  { method: 'GET', path: '/healthz?verbose', open: true, ok: { status: 200, bodyStartsWith: '[+]ping ok\n[+]log ok\n', bodyIncludes: ['[+]etcd ok\n'], bodyMatch: /\nhealthz check passed\n$/ } },
  {
    method: 'GET', path: '/version', open: true, ok: { status: 200, contentType: 'application/json' },
    check: (res, _n, version) => {
      const v = json(res) as Record<string, unknown>;
      assert.equal(v['major'], '1');
      assert.equal(v['minor'], version.split('.')[1]);
      assert.match(String(v['gitVersion']), new RegExp(`^v${escapeRe(version)}\\.\\d+`));
      for (const k of ['gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform']) assert.ok(k in v, `/version has ${k}`);
    },
  },
  { method: 'GET', path: '/version/', open: true, ok: { status: 200, contentType: 'application/json' } },
  // policy.go: system:discovery (GET /api, /api/*, /apis, /apis/*, /openapi, /openapi/*, and the public-info paths) is
  // bound to system:authenticated, so a user with no grants of its own (alice) discovers; anonymous is not in that group.
  { method: 'GET', path: '/api', discovery: true, ok: { status: 200, contentType: 'application/json', bodyStartsWith: '{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[' } },
  { method: 'GET', path: '/apis', discovery: true, ok: { status: 200, contentType: 'application/json', bodyStartsWith: '{"kind":"APIGroupList","apiVersion":"v1","groups":' } },
  // RBAC allows only GET there: POST /healthz is forbidden to anonymous (unlike KCM's always-allow list).
  { method: 'POST', path: '/healthz', ok: { status: 200, body: 'ok' } },
  { method: 'GET', path: '/healthz/etcd', ok: { status: 200, body: 'ok' } },
  { method: 'GET', path: '/livez/ping', ok: { status: 200, body: 'ok' } },
  { method: 'GET', path: '/readyz/shutdown', ok: { status: 200, body: 'ok' } },
  { method: 'GET', path: '/metrics', ok: { status: 200, bodyMatch: /^# HELP /m }, check: metricsCheck(null) },
  { method: 'GET', path: '/metrics/slis', ok: { status: 200 } },
  // §6.2 / §9.26: DELETE /metrics resets when profiling is on (the default; kubeadm leaves it).
  { method: 'DELETE', path: '/metrics', ok: { status: 200, body: 'metrics reset\n' } },
  { method: 'GET', path: '/debug/pprof/', ok: PPROF_OK },
  ...zpages(VERSIONS),
  { method: 'GET', path: '/foo', ok: { status: 404, body: GO_404 } },
  {
    method: 'GET', path: '/api/v1/nodes', resource: true, ok: { status: 200, contentType: 'application/json' },
    check: (res) => {
      const list = json(res) as { kind: string; items: { metadata: { name: string }; status: { addresses: { type: string; address: string }[]; daemonEndpoints: { kubeletEndpoint: { Port: number } } } }[] };
      assert.equal(list.kind, 'NodeList');
      assert.equal(list.items.length, 3);
      for (const item of list.items) {
        // §6.3: the apiserver reaches the kubelet at the InternalIP and daemonEndpoints.kubeletEndpoint.Port.
        assert.equal(item.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
        assert.ok(item.status.addresses.some((a) => a.type === 'InternalIP'), item.metadata.name);
      }
    },
  },
  // §6.3: node proxy to the kubelet with the apiserver's kubelet-client identity.
  {
    method: 'GET', path: '/api/v1/nodes/{node}/proxy/pods', resource: true, ok: { status: 200, contentType: 'application/json', bodyStartsWith: '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[' },
    check: (res, node) => {
      const list = json(res) as { items: { metadata: { namespace: string; name: string } }[] };
      assert.deepEqual(list.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`).sort(), node.pods.map((p) => `${p.namespace}/${p.name}`).sort());
    },
  },
  { method: 'GET', path: '/api/v1/nodes/{node}/proxy/healthz', resource: true, ok: { status: 200, body: 'ok' } },
  { method: 'GET', path: '/api/v1/nodes/{node}/proxy/runningpods/', resource: true, ok: { status: 200, contentType: 'application/json', bodyStartsWith: '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[' } },
  { method: 'GET', path: '/api/v1/namespaces/kube-system/pods/{pod}/log', resource: true, ok: { status: 200 } },
];

function fill(path: string, node: LabNode): string {
  return path.replaceAll('{node}', node.name).replaceAll('{pod}', kubeProxyPod(node));
}

function expected(cs: Case, caller: Caller, path: string): Expected | 'ok' | 'resource-forbidden' {
  switch (caller) {
    case 'foreign':
    case 'bad-token':
      // §5.2 / §9.24: a presented credential that fails is 401, before any authorisation (always-allow paths too).
      return { status: 401, bodyMatch: status(STATUS_401), contentType: 'application/json' };
    case 'admin':
    case 'admin-token':
      return 'ok';
    case 'anonymous':
    case 'alice':
    case 'alice-token':
      if (cs.open || (cs.discovery && caller !== 'anonymous')) return 'ok';
      if (cs.resource) return 'resource-forbidden';
      // Non-resource verbs are the lowercased method (§5.2); the path without its query.
      return { status: 403, bodyMatch: status(status403(USER[caller], cs.method.toLowerCase(), path.split('?')[0] as string)), contentType: 'application/json', headers: HEADERS_403 };
  }
}

async function runCase(t: TestLab, version: Version, base: string, cs: Case, caller: Caller): Promise<void> {
  const nodes = cs.path.includes('{') ? t.plan.nodes : [t.plan.nodes[0] as LabNode];
  for (const node of nodes) {
    const path = fill(cs.path, node);
    const res = await requestAs(t.plan.files, caller, { url: `${base}${path}`, method: cs.method, body: cs.body });
    const label = `${caller} ${cs.method} ${base}${path} (${version})`;
    const exp = expected(cs, caller, path);
    if (exp === 'ok') {
      expectResponse(res, cs.ok, label);
      cs.check?.(res, node, version);
    } else if (exp === 'resource-forbidden') {
      assert.equal(res.status, 403, label);
      const st = json(res) as Record<string, unknown>;
      assert.equal(st['kind'], 'Status');
      assert.equal(st['reason'], 'Forbidden');
      assert.equal(st['code'], 403);
      assert.ok(String(st['message']).includes(`User "${USER[caller]}"`), String(st['message']));
    } else {
      expectResponse(res, exp, label);
    }
  }
}

for (const version of VERSIONS) {
  describe(`control plane ${version}`, () => {
    let t: TestLab;
    let cp: LabNode;
    before(async () => {
      t = await startTestLab({ kubernetesVersion: version, network: NETWORK[version], nodes: 3 });
      cp = t.plan.nodes[0] as LabNode;
    });
    after(async () => {
      await t?.stop();
    });

    describe('address plan and TLS', () => {
      it('10257 and 10259 https node-local only; 6443 https on the node IP (kubeadm, §5.5, §7)', async () => {
        const kcm = endpoint(t.plan, cp, 'kube-controller-manager', 'secure');
        assert.deepEqual([kcm.number, kcm.scheme, kcm.address, kcm.reach], [10257, 'https', cp.localIp, 'node-local']);
        const sched = endpoint(t.plan, cp, 'kube-scheduler', 'secure');
        assert.deepEqual([sched.number, sched.scheme, sched.address, sched.reach], [10259, 'https', cp.localIp, 'node-local']);
        // §6.1 / §7: kubeadm sets no --bind-address: all interfaces.
        const api = endpoints(t.plan, cp, 'kube-apiserver', 'secure').map((e) => [e.number, e.scheme, e.address, e.reach]);
        assert.deepEqual(api.sort(), [[6443, 'https', cp.ip, 'node-ip'], [6443, 'https', cp.localIp, 'node-local']].sort());
        assert.equal(await tcpConnect(cp.ip, 10257), 'ECONNREFUSED');
        assert.equal(await tcpConnect(cp.ip, 10259), 'ECONNREFUSED');
        // §5.6: the insecure ports are gone.
        assert.equal(await tcpConnect(cp.localIp, 10251), 'ECONNREFUSED');
        assert.equal(await tcpConnect(cp.localIp, 10252), 'ECONNREFUSED');
        // Workers run no control plane.
        for (const w of t.plan.nodes.slice(1)) {
          assert.deepEqual([...new Set(t.plan.endpoints.filter((e) => e.node === w.name).map((e) => e.component))].sort(), ['kube-proxy', 'kubelet']);
        }
      });

      for (const [component, port] of [['kube-controller-manager', 10257], ['kube-scheduler', 10259]] as const) {
        it(`${component}: self-signed in-memory pair, CN=localhost@<unix time>, 2 certificates, h2 offered, no handshake rejection (§5.1, §11)`, async () => {
          for (const creds of [{}, { cert: t.plan.files.foreignCert, key: t.plan.files.foreignKey }]) {
            const facts = await tlsFacts({ host: cp.localIp, port, alpn: ['h2', 'http/1.1'], ...creds });
            assert.equal(facts.outcome, 'ok');
            assert.equal(facts.alpn, 'h2');
            assert.equal(facts.chain.length, 2, JSON.stringify(facts.chain));
            const leaf = facts.chain[0] as { subject: string; issuer: string; subjectaltname?: string };
            assert.match(leaf.subject, /^CN=localhost@\d+$/);
            assert.match(leaf.issuer, /^CN=localhost-ca@\d+$/);
            assert.equal((facts.chain[1] as { subject: string }).subject, leaf.issuer);
            const sans = (leaf.subjectaltname ?? '').split(', ');
            assert.ok(sans.includes('DNS:localhost') && sans.includes('IP Address:127.0.0.1'), leaf.subjectaltname);
          }
        });
      }

      it('kube-apiserver: serving certificate verifies against the cluster CA for the node IP; RequestClientCert; h2', async () => {
        const facts = await tlsFacts({ host: cp.ip, port: 6443, ca: t.plan.files.ca, alpn: ['h2', 'http/1.1'] });
        assert.equal(facts.outcome, 'ok');
        assert.equal(facts.authorized, true, facts.authorizationError);
        assert.equal(facts.alpn, 'h2');
        const res = await request({ url: `https://${cp.ip}:6443/healthz`, ca: t.plan.files.ca });
        expectResponse(res, { status: 200, body: 'ok' }, 'verified /healthz');
      });

      it('plain HTTP to 10257, 10259, 6443 → 400 "Client sent an HTTP request to an HTTPS server." (§11)', async () => {
        for (const [address, port] of [[cp.localIp, 10257], [cp.localIp, 10259], [cp.ip, 6443]] as const) {
          const res = await request({ url: `http://${address}:${port}/healthz` });
          assert.equal(res.status, 400, `${address}:${port}`);
          assert.ok(res.body.startsWith('Client sent an HTTP request to an HTTPS server.'), res.body);
        }
      });
    });

    const suites: [string, () => string, Case[]][] = [
      ['kube-controller-manager 10257', () => `https://${cp.localIp}:10257`, KCM],
      ['kube-scheduler 10259', () => `https://${cp.localIp}:10259`, SCHEDULER],
      ['kube-apiserver 6443', () => `https://${cp.ip}:6443`, APISERVER],
    ];
    for (const [name, base, cases] of suites) {
      describe(name, () => {
        for (const cs of cases.filter((c) => c.versions === undefined || c.versions.includes(version))) {
          describe(`${cs.method} ${cs.path}`, () => {
            for (const caller of CALLERS) {
              it(caller, () => runCase(t, version, base(), cs, caller));
            }
          });
        }
      });
    }

    it('the 403 for anonymous /configz carries the real headers and Status (controller-manager.configz-anonymous-403.*)', async () => {
      const res = await request({ url: `https://${cp.localIp}:10257/configz` });
      assert.equal(res.status, 403);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.equal(res.headers['cache-control'], 'no-cache, private');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      // Same Status as the real pretty-printed body, compared as data.
      assert.deepEqual(json(res), JSON.parse(fixture('controller-manager.configz-anonymous-403.json')));
    });
  });
}
