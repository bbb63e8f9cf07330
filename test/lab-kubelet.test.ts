// kubelet conformance: 10250 (every route, every caller), 10248, 10255 (insecure profile), at 1.28, 1.31 and 1.36.
// Expected values are written literally from spec/internal-apis.md (§3, §8, §9 items 8-18, §11) and the real v1.28
// fixtures in test/fixtures/real-v1.28. Nothing here is derived from src/catalog or the lab's own tables; the plan is
// used only as the address book (where to connect, which pods exist).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LabNode } from '../src/lab/types.ts';
import {
  CALLERS,
  endpoint,
  endpoints,
  expectResponse,
  fixture,
  json,
  kubeProxyPod,
  rawExchange,
  request,
  requestAs,
  startTestLab,
  tcpConnect,
  tlsFacts,
} from './helpers.ts';
import type { Caller, Expected, HttpResult, TestLab } from './helpers.ts';

type Version = '1.28' | '1.31' | '1.36';
const VERSIONS: Version[] = ['1.28', '1.31', '1.36'];
const NETWORK: Record<Version, number> = { '1.28': 20, '1.31': 21, '1.36': 22 };
const INSECURE_NETWORK = 23;

const TEXT = 'text/plain; charset=utf-8';
const NOSNIFF = { 'x-content-type-options': 'nosniff' };
// §3.9 / §9.9: the plain Go mux answer for paths outside every registered root (no authentication).
const GO_404 = '404 page not found\n';
// §9.9 and the real bytes: kubelet.pods-anonymous-401.txt is exactly `Unauthorized`.
const UNAUTHORIZED = fixture('kubelet.pods-anonymous-401.txt');
const POD_LIST_START = '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[';

/**
 * §3.11 / §8 / §9.10 / §11: up to 1.31 one attribute, `subresource=<s>`, no newline (real 1.28 bytes:
 * `Forbidden (user=alice, verb=get, resource=nodes, subresource=proxy)`); from 1.32 (KubeletFineGrainedAuthz, on by
 * default from 1.33) the list of attributes tried, `subresource(s)=[<s> ...]`, then a newline.
 */
function forbidden(version: Version, user: string, verb: string, sub: string, fine: string[]): string {
  if (version === '1.36') return `Forbidden (user=${user}, verb=${verb}, resource=nodes, subresource(s)=[${fine.join(' ')}])\n`;
  return `Forbidden (user=${user}, verb=${verb}, resource=nodes, subresource=${sub})`;
}

interface Ctx {
  version: Version;
  node: LabNode;
  pod: string;
}

interface Route {
  method: string;
  /** `{pod}` is the node's kube-proxy pod. */
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** Authorisation attributes (§3.11): verb, subresource up to 1.31, fine-grained list at 1.36 (null: unverified). */
  verb: string;
  sub: string;
  fine: string[] | null;
  versions?: Version[];
  /** What an authorised caller gets. */
  ok: (c: Ctx) => Expected;
  check?: (res: HttpResult, c: Ctx) => void;
}

const PROXY = { sub: 'proxy', fine: ['proxy'] };

function podNames(c: Ctx): string[] {
  return c.node.pods.map((p) => `${p.namespace}/${p.name}`).sort();
}

function checkPodList(res: HttpResult, c: Ctx): void {
  const list = json(res) as { items: { metadata: { namespace: string; name: string; uid: string; annotations?: Record<string, string> } }[] };
  assert.deepEqual(list.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`).sort(), podNames(c), `/pods on ${c.node.name}`);
  // Real 1.28 bytes (kubelet.pods.json): a static pod carries config.source=file and config.hash = its UID.
  for (const item of list.items) {
    const planned = c.node.pods.find((p) => p.name === item.metadata.name);
    if (planned?.static) {
      assert.equal(item.metadata.annotations?.['kubernetes.io/config.source'], 'file', `${item.metadata.name} config.source`);
      assert.equal(item.metadata.annotations?.['kubernetes.io/config.hash'], item.metadata.uid, `${item.metadata.name} config.hash`);
    }
  }
  // Exactly one kube-proxy pod per node, in kube-system (the plan, checked against the kubelet's own answer).
  assert.equal(list.items.filter((i) => i.metadata.namespace === 'kube-system' && /^kube-proxy-[a-z0-9]{5}$/.test(i.metadata.name)).length, 1);
  assert.ok(res.body.endsWith(']}\n'), 'the real /pods body ends with `]}` and a newline (json.Encoder)');
}

function checkRunningPods(res: HttpResult, c: Ctx): void {
  const list = json(res) as { items: { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[] }; status: unknown }[] };
  assert.deepEqual(list.items.map((i) => `${i.metadata['namespace']}/${i.metadata['name']}`).sort(), podNames(c));
  // §3.4 and kubelet.runningpods.json: only name/namespace/uid (+ the null creationTimestamp), containers name/image.
  for (const item of list.items) {
    assert.deepEqual(Object.keys(item), ['metadata', 'spec', 'status']);
    assert.deepEqual(Object.keys(item.metadata), ['name', 'namespace', 'uid', 'creationTimestamp']);
    assert.equal(item.metadata['creationTimestamp'], null);
    assert.deepEqual(item.status, {});
    for (const ctr of item.spec.containers) assert.deepEqual(Object.keys(ctr), ['name', 'image', 'resources']);
  }
}

function checkSummary(res: HttpResult, c: Ctx): void {
  // kubelet.stats-summary.json: indented with one space, `node` first.
  assert.ok(res.body.startsWith(`{\n "node": {\n  "nodeName": "${c.node.name}",\n`), `summary head: ${res.body.slice(0, 80)}`);
  const summary = json(res) as { node: Record<string, unknown>; pods: { podRef: { name: string; namespace: string } }[] };
  assert.deepEqual(Object.keys(summary), ['node', 'pods']);
  if (c.version === '1.28') {
    assert.deepEqual(Object.keys(summary.node), ['nodeName', 'systemContainers', 'startTime', 'cpu', 'memory', 'network', 'fs', 'runtime', 'rlimit', 'swap']);
  }
  assert.ok(Array.isArray(summary.pods));
}

function typeLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('# TYPE '));
}

function checkMetricsFamilies(fixtureName: string) {
  return (res: HttpResult, c: Ctx): void => {
    const minor = c.version.split('.')[1];
    if (fixtureName === 'kubelet.metrics') {
      // The real exposition's build-info line: kubernetes_build_info{...git_version="v1.28.7",...,major="1",minor="28",...} 1
      assert.match(res.body, new RegExp(`^kubernetes_build_info\\{.*git_version="v1\\.${minor}\\.\\d+".*major="1",minor="${minor}".*\\} 1$`, 'm'));
    }
    if (c.version !== '1.28') return;
    const got = new Set(typeLines(res.body));
    const missing = typeLines(fixture(fixtureName)).filter((l) => !got.has(l));
    assert.deepEqual(missing, [], `metric families of the real 1.28 ${fixtureName} missing`);
  };
}

const ROUTES: Route[] = [
  // §3.3 / §9.11
  { method: 'GET', path: '/healthz', verb: 'get', sub: 'proxy', fine: ['healthz', 'proxy'], ok: () => ({ status: 200, body: 'ok', contentType: TEXT, headers: NOSNIFF }) },
  { method: 'GET', path: '/healthz?verbose', verb: 'get', sub: 'proxy', fine: ['healthz', 'proxy'], ok: () => ({ status: 200, body: fixture('kubelet.healthz-verbose.txt'), contentType: TEXT }) },
  { method: 'GET', path: '/healthz/ping', verb: 'get', sub: 'proxy', fine: ['healthz', 'proxy'], ok: () => ({ status: 200, body: 'ok' }) },
  { method: 'GET', path: '/healthz/log', verb: 'get', sub: 'proxy', fine: ['healthz', 'proxy'], ok: () => ({ status: 200, body: 'ok' }) },
  { method: 'GET', path: '/healthz/syncloop', verb: 'get', sub: 'proxy', fine: ['healthz', 'proxy'], ok: () => ({ status: 200, body: 'ok' }) },
  { method: 'POST', path: '/healthz', verb: 'create', sub: 'proxy', fine: ['healthz', 'proxy'], ok: () => ({ status: 200, body: 'ok' }) },
  // §3.4 / §9.12
  { method: 'GET', path: '/pods', verb: 'get', sub: 'proxy', fine: ['pods', 'proxy'], ok: () => ({ status: 200, contentType: 'application/json', bodyStartsWith: POD_LIST_START }), check: checkPodList },
  { method: 'POST', path: '/pods', verb: 'create', sub: 'proxy', fine: ['pods', 'proxy'], ok: () => ({ status: 405, body: '405: Method Not Allowed', headers: { allow: 'GET' } }) },
  { method: 'GET', path: '/pods/x', verb: 'get', sub: 'proxy', fine: ['pods', 'proxy'], ok: () => ({ status: 404, body: '404: Page Not Found' }) },
  { method: 'GET', path: '/runningpods/', verb: 'get', sub: 'proxy', fine: ['pods', 'proxy'], ok: () => ({ status: 200, contentType: 'application/json', bodyStartsWith: POD_LIST_START }), check: checkRunningPods },
  // §3.2 / §9.17
  { method: 'GET', path: '/stats/summary', verb: 'get', sub: 'stats', fine: ['stats'], ok: () => ({ status: 200, contentType: 'application/json' }), check: checkSummary },
  { method: 'POST', path: '/stats/summary', verb: 'create', sub: 'stats', fine: ['stats'], ok: () => ({ status: 200, contentType: 'application/json' }), check: checkSummary },
  { method: 'GET', path: '/stats/summary?only_cpu_and_memory=true', verb: 'get', sub: 'stats', fine: ['stats'], ok: () => ({ status: 200, contentType: 'application/json' }) },
  { method: 'GET', path: '/metrics', verb: 'get', sub: 'metrics', fine: ['metrics'], ok: () => ({ status: 200, bodyMatch: /^# HELP /m }), check: checkMetricsFamilies('kubelet.metrics') },
  { method: 'GET', path: '/metrics/cadvisor', verb: 'get', sub: 'metrics', fine: ['metrics'], ok: () => ({ status: 200, bodyMatch: /^# TYPE /m }) },
  { method: 'GET', path: '/metrics/resource', verb: 'get', sub: 'metrics', fine: ['metrics'], ok: () => ({ status: 200, bodyMatch: /^# TYPE /m }), check: checkMetricsFamilies('kubelet-resource.metrics') },
  { method: 'GET', path: '/metrics/probes', verb: 'get', sub: 'metrics', fine: ['metrics'], ok: () => ({ status: 200, bodyMatch: /^# TYPE /m }), check: checkMetricsFamilies('kubelet-probes.metrics') },
  { method: 'GET', path: '/metrics/slis', verb: 'get', sub: 'metrics', fine: ['metrics'], ok: () => ({ status: 200 }) },
  // §3.2: /metrics answers any method; /metrics/slis resets on DELETE (§9.26: `metrics reset\n`).
  { method: 'POST', path: '/metrics', verb: 'create', sub: 'metrics', fine: ['metrics'], ok: () => ({ status: 200, bodyMatch: /^# HELP /m }) },
  { method: 'DELETE', path: '/metrics/slis', verb: 'delete', sub: 'metrics', fine: ['metrics'], ok: () => ({ status: 200, body: 'metrics reset\n' }) },
  {
    method: 'GET', path: '/configz', verb: 'get', sub: 'proxy', fine: ['configz', 'proxy'],
    ok: () => ({ status: 200, contentType: 'application/json', headers: NOSNIFF, bodyStartsWith: '{"kubeletconfig":{' }),
    check: (res, c) => {
      const cfg = (json(res) as { kubeletconfig: KubeletConfigz }).kubeletconfig;
      // §3.1: what kubeadm forces (anonymous-webhook: anonymous on, still Webhook authorization).
      assert.equal(cfg['port'], 10250);
      assert.equal(cfg['healthzPort'], 10248);
      assert.equal(cfg['authorization']?.mode, 'Webhook');
      assert.equal(cfg['authentication']?.webhook?.enabled, true);
      assert.equal(cfg['authentication']?.anonymous?.enabled, c.node.profile === 'anonymous-webhook');
      assert.equal(cfg['readOnlyPort'] ?? 0, 0);
    },
  },
  // §3.5 / §9.13
  {
    method: 'GET', path: '/containerLogs/kube-system/{pod}/kube-proxy', verb: 'get', ...PROXY,
    // §3.5: chunked; §11 (real 1.28): no Content-Type header on success.
    ok: (c) => ({ status: 200, headers: { 'transfer-encoding': 'chunked' }, ...(c.version === '1.28' ? { contentType: null } : {}) }),
  },
  {
    method: 'GET', path: '/containerLogs/kube-system/{pod}/kube-proxy?tail=1', verb: 'get', ...PROXY, ok: () => ({ status: 200 }),
    check: (res) => assert.ok(res.body.split('\n').filter((l) => l !== '').length <= 1, `tail=1 gave ${JSON.stringify(res.body)}`),
  },
  // §3.5 / §9.13: legacy tail=<n>|all.
  { method: 'GET', path: '/containerLogs/kube-system/{pod}/kube-proxy?tail=all', verb: 'get', ...PROXY, ok: () => ({ status: 200, headers: { 'transfer-encoding': 'chunked' } }) },
  { method: 'GET', path: '/containerLogs/kube-system/{pod}/kube-proxy?tailLines=x', verb: 'get', ...PROXY, ok: () => ({ status: 400, body: '{"message": "Unable to decode query."}' }) },
  { method: 'GET', path: '/containerLogs/kube-system/{pod}/kube-proxy?sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z', verb: 'get', ...PROXY, ok: () => ({ status: 422, body: '{"message": "Invalid request."}' }) },
  { method: 'GET', path: '/containerLogs/kube-system/{pod}/kube-proxy?tailLines=-1', verb: 'get', ...PROXY, ok: () => ({ status: 422, body: '{"message": "Invalid request."}' }) },
  { method: 'GET', path: '/containerLogs/kube-system/nope/kube-proxy', verb: 'get', ...PROXY, ok: () => ({ status: 404, body: 'pod "nope" does not exist' }) },
  { method: 'GET', path: '/containerLogs/kube-system/{pod}/nope', verb: 'get', ...PROXY, ok: (c) => ({ status: 404, body: `container "nope" not found in pod "${c.pod}"` }) },
  // §3.6
  { method: 'GET', path: '/logs/', verb: 'get', sub: 'log', fine: ['log'], ok: () => ({ status: 200, contentType: 'text/html; charset=utf-8', bodyIncludes: ['<a href="'] }) },
  // §3.7 / §9.14
  { method: 'POST', path: '/run/kube-system/{pod}/kube-proxy?cmd=id', verb: 'create', ...PROXY, ok: () => ({ status: 200, contentType: 'application/json', bodyStartsWith: 'uid=0(root) gid=0(root)' }) },
  { method: 'GET', path: '/run/kube-system/{pod}/kube-proxy?cmd=id', verb: 'get', ...PROXY, ok: () => ({ status: 405, body: '405: Method Not Allowed', headers: { allow: 'POST' } }) },
  { method: 'POST', path: '/run/kube-system/nope/kube-proxy?cmd=id', verb: 'create', ...PROXY, ok: () => ({ status: 404, body: 'pod does not exist' }) },
  // §3.8 / §9.15
  { method: 'POST', path: '/exec/kube-system/{pod}/kube-proxy?command=id', verb: 'create', ...PROXY, ok: () => ({ status: 400, body: 'you must specify at least 1 of stdin, stdout, stderr' }) },
  { method: 'POST', path: '/exec/kube-system/{pod}/kube-proxy?command=id&output=1', verb: 'create', ...PROXY, ok: () => ({ status: 500, body: 'Upgrade request required\n' }) },
  { method: 'GET', path: '/exec/kube-system/{pod}/kube-proxy?command=id&output=1', verb: 'get', ...PROXY, ok: () => ({ status: 500, body: 'Upgrade request required\n' }) },
  { method: 'POST', path: '/exec/kube-system/nope/kube-proxy?command=id&output=1', verb: 'create', ...PROXY, ok: () => ({ status: 404, body: 'pod does not exist' }) },
  { method: 'POST', path: '/attach/kube-system/{pod}/kube-proxy', verb: 'create', ...PROXY, ok: () => ({ status: 400, body: 'you must specify at least 1 of stdin, stdout, stderr' }) },
  { method: 'POST', path: '/attach/kube-system/{pod}/kube-proxy?output=1', verb: 'create', ...PROXY, ok: () => ({ status: 500, body: 'Upgrade request required\n' }) },
  { method: 'POST', path: '/portForward/kube-system/{pod}', verb: 'create', ...PROXY, ok: () => ({ status: 500, body: 'Upgrade request required\n' }) },
  { method: 'POST', path: '/portForward/kube-system/nope', verb: 'create', ...PROXY, ok: () => ({ status: 404, body: 'pod does not exist' }) },
  // §3.2 (B), §3.12, §9.16
  // Real kubelets (pkg/kubelet/server/server.go): the route is /debug/pprof/{subpath:*}, so the bare index matches no
  // route and go-restful answers its 404 after the auth filters; the named handlers and profiles answer.
  { method: 'GET', path: '/debug/pprof/', verb: 'get', ...PROXY, ok: () => ({ status: 404, body: '404: Page Not Found' }) },
  { method: 'GET', path: '/debug/pprof/cmdline', verb: 'get', ...PROXY, ok: () => ({ status: 200, contentType: TEXT, headers: NOSNIFF, bodyStartsWith: '/usr/bin/kubelet\0--' }) },
  { method: 'GET', path: '/debug/pprof/heap', verb: 'get', ...PROXY, ok: () => ({ status: 200, contentType: 'application/octet-stream', headers: { 'content-disposition': 'attachment; filename="heap"', ...NOSNIFF } }) },
  { method: 'GET', path: '/debug/pprof/goroutine', verb: 'get', ...PROXY, ok: () => ({ status: 200, contentType: 'application/octet-stream', headers: { 'content-disposition': 'attachment; filename="goroutine"' } }) },
  { method: 'GET', path: '/debug/flags/v', verb: 'get', ...PROXY, ok: () => ({ status: 406, body: 'unsupported http method\n' }) },
  { method: 'PUT', path: '/debug/flags/v', body: '0', verb: 'update', ...PROXY, ok: () => ({ status: 200, body: 'successfully set klog.logging.verbosity to 0\n' }) },
  // §3.12, §11 (1.31: exists, subresource=checkpoint, GET → 405 Allow: POST, POST → 500 without runtime support)
  {
    method: 'POST', path: '/checkpoint/kube-system/{pod}/kube-proxy', verb: 'create', sub: 'checkpoint', fine: ['checkpoint'], versions: ['1.31', '1.36'],
    ok: () => ({ status: 0 }),
    check: (res, c) => {
      if (res.status === 200) {
        assert.equal(res.headers['content-type'], 'application/json');
        assert.ok(Array.isArray((json(res) as { items: unknown }).items), res.body);
      } else {
        assert.equal(res.status, 500, res.body);
        assert.ok(res.body.startsWith(`checkpointing of kube-system/${c.pod}/kube-proxy failed (`), res.body);
      }
    },
  },
  { method: 'GET', path: '/checkpoint/kube-system/{pod}/kube-proxy', verb: 'get', sub: 'checkpoint', fine: ['checkpoint'], versions: ['1.31', '1.36'], ok: () => ({ status: 405, body: '405: Method Not Allowed', headers: { allow: 'POST' } }) },
  { method: 'POST', path: '/checkpoint/kube-system/nope/kube-proxy', verb: 'create', sub: 'checkpoint', fine: ['checkpoint'], versions: ['1.31', '1.36'], ok: () => ({ status: 404, body: 'pod does not exist' }) },
  { method: 'POST', path: '/checkpoint/kube-system/{pod}/nope', verb: 'create', sub: 'checkpoint', fine: ['checkpoint'], versions: ['1.31', '1.36'], ok: () => ({ status: 404, body: 'container nope does not exist' }) },
  { method: 'POST', path: '/checkpoint/kube-system/{pod}/kube-proxy?timeout=abc', verb: 'create', sub: 'checkpoint', fine: ['checkpoint'], versions: ['1.31', '1.36'], ok: () => ({ status: 404, body: 'cannot parse value of timeout parameter' }) },
  // §3.2, §3.12, §8: /flagz, /statusz on by default from 1.36; /flagz's authorisation attribute is unverified (§10).
  { method: 'GET', path: '/flagz', verb: 'get', sub: 'proxy', fine: null, versions: ['1.36'], ok: () => ({ status: 200, contentType: TEXT }) },
  { method: 'GET', path: '/statusz', verb: 'get', sub: 'proxy', fine: ['statusz', 'proxy'], versions: ['1.36'], ok: () => ({ status: 200, contentType: TEXT }) },
];

/** Paths the plain Go mux answers before any authentication (§3.9, §9.9): same answer for every caller. */
interface OpenRoute {
  method: string;
  path: string;
  versions?: Version[];
  exp: Expected;
}
const OPEN_ROUTES: OpenRoute[] = [
  { method: 'GET', path: '/foo', exp: { status: 404, body: GO_404, contentType: TEXT } },
  { method: 'GET', path: '/healthz/unknown', exp: { status: 404, body: GO_404, contentType: TEXT } },
  { method: 'GET', path: '/metrics/foo', exp: { status: 404, body: GO_404, contentType: TEXT } },
  // §3.2: the cAdvisor JSON endpoints were removed in 1.21.
  { method: 'GET', path: '/spec/', exp: { status: 404, body: GO_404 } },
  { method: 'GET', path: '/runningpods', exp: { status: 301, headers: { location: '/runningpods/' } } },
  { method: 'GET', path: '/stats', exp: { status: 301, headers: { location: '/stats/' } } },
  { method: 'GET', path: '/logs', exp: { status: 301, headers: { location: '/logs/' } } },
  { method: 'GET', path: '/debug/pprof', exp: { status: 301, headers: { location: '/debug/pprof/' } } },
  { method: 'GET', path: '/checkpoint', versions: ['1.31', '1.36'], exp: { status: 301, headers: { location: '/checkpoint/' } } },
  // ContainerCheckpoint was alpha (off) at 1.28, beta (on) from 1.30 (§3.2 note C): no root registered at 1.28.
  { method: 'POST', path: '/checkpoint/kube-system/{pod}/kube-proxy', versions: ['1.28'], exp: { status: 404, body: GO_404 } },
  // §11: no /flagz or /statusz anywhere before 1.36.
  { method: 'GET', path: '/flagz', versions: ['1.28', '1.31'], exp: { status: 404, body: GO_404 } },
  { method: 'GET', path: '/statusz', versions: ['1.28', '1.31'], exp: { status: 404, body: GO_404 } },
];

function fill(p: string, c: Ctx): string {
  return p.replaceAll('{pod}', c.pod).replaceAll('{node}', c.node.name);
}

function applies(versions: Version[] | undefined, version: Version): boolean {
  return versions === undefined || versions.includes(version);
}

/** What a caller must get on a route of the authenticated set, on a node of the given profile. */
function expectedFor(route: Route, caller: Caller, c: Ctx): Expected | 'ok' {
  const anonymousAllowed = c.node.profile === 'anonymous-webhook';
  switch (caller) {
    case 'anonymous':
      if (!anonymousAllowed) return { status: 401, body: UNAUTHORIZED, contentType: TEXT };
      return forbiddenExp(route, 'system:anonymous', c);
    case 'foreign':
    case 'bad-token':
      // §3.10 / §9.9: a presented but bad credential is 401, even with anonymous on.
      return { status: 401, body: UNAUTHORIZED, contentType: TEXT };
    case 'alice':
    case 'alice-token':
      return forbiddenExp(route, 'alice', c);
    case 'admin':
    case 'admin-token':
      return 'ok';
  }
}

function forbiddenExp(route: Route, user: string, c: Ctx): Expected {
  if (route.fine === null && c.version === '1.36') {
    return { status: 403, bodyStartsWith: `Forbidden (user=${user}, verb=${route.verb}, resource=nodes, subresource(s)=[` };
  }
  return { status: 403, body: forbidden(c.version, user, route.verb, route.sub, route.fine ?? []) };
}

for (const version of VERSIONS) {
  describe(`kubelet ${version} (node 1 and 2 kubeadm, node 3 anonymous-webhook)`, () => {
    let t: TestLab;
    before(async () => {
      t = await startTestLab({ kubernetesVersion: version, network: NETWORK[version], nodes: 3, nodeProfiles: { '3': 'anonymous-webhook' } });
    });
    after(async () => {
      await t?.stop();
    });
    const ctx = (node: LabNode): Ctx => ({ version, node, pod: kubeProxyPod(node) });

    describe('address plan and listeners', () => {
      it('every node: 10250 https on all interfaces (node IP and node-local), 10248 http on the node-local address only, no 10255', async () => {
        assert.equal(t.plan.kubernetesVersion, version);
        assert.deepEqual(t.plan.nodes.map((n) => [n.index, n.role, n.profile]), [
          [0, 'control-plane', 'kubeadm'],
          [1, 'worker', 'kubeadm'],
          [2, 'worker', 'anonymous-webhook'],
        ]);
        for (const node of t.plan.nodes) {
          // §7: kubeadm's kubelet binds 10250 on 0.0.0.0, so it answers on the node IP and on the node's loopback.
          const api = endpoints(t.plan, node, 'kubelet', 'api').map((e) => [e.number, e.scheme, e.address, e.reach]);
          assert.deepEqual(api.sort(), [[10250, 'https', node.ip, 'node-ip'], [10250, 'https', node.localIp, 'node-local']].sort());
          const hz = endpoint(t.plan, node, 'kubelet', 'healthz');
          assert.deepEqual([hz.number, hz.scheme, hz.address, hz.reach], [10248, 'http', node.localIp, 'node-local']);
          assert.deepEqual(endpoints(t.plan, node, 'kubelet', 'read-only'), []);
          assert.equal(await tcpConnect(node.ip, 10250), 'connected');
          assert.equal(await tcpConnect(node.localIp, 10250), 'connected');
          assert.equal(await tcpConnect(node.localIp, 10248), 'connected');
          assert.equal(await tcpConnect(node.ip, 10248), 'ECONNREFUSED', `10248 must not listen on the node IP of ${node.name}`);
          assert.equal(await tcpConnect(node.ip, 10255), 'ECONNREFUSED', `10255 must be off on ${node.name}`);
        }
      });

      it('node pods: one kube-system/kube-proxy-xxxxx each; static control-plane pods on node 1', () => {
        const [cp] = t.plan.nodes as [LabNode];
        for (const node of t.plan.nodes) kubeProxyPod(node);
        for (const component of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
          const pod = cp.pods.find((p) => p.namespace === 'kube-system' && p.name === `${component}-${cp.name}`);
          assert.ok(pod, `${component}-${cp.name}`);
          assert.equal(pod.static, true);
          assert.deepEqual(pod.containers, [component]);
        }
      });

      it('10250 TLS: RequestClientCert (handshakes with no or a foreign certificate succeed), self-signed 2-certificate chain, SAN only DNS:<node>', async () => {
        for (const node of t.plan.nodes) {
          const facts = await tlsFacts({ host: node.ip, port: 10250 });
          assert.equal(facts.outcome, 'ok', `${node.name}: ${facts.outcome}`);
          // §3.1: leaf CN <hostname>@<unix-time>, CA CN <hostname>-ca@<unix-time>; §11: 2 certificates, SAN DNS:<hostname>.
          assert.equal(facts.chain.length, 2, JSON.stringify(facts.chain));
          const [leaf, root] = facts.chain as [TlsFactsCert, TlsFactsCert];
          assert.match(leaf.subject, new RegExp(`^CN=${escapeRe(node.name)}@\\d+$`));
          assert.match(leaf.issuer, new RegExp(`^CN=${escapeRe(node.name)}-ca@\\d+$`));
          assert.equal(root.subject, leaf.issuer);
          assert.equal(leaf.subjectaltname, `DNS:${node.name}`);
          const foreign = await tlsFacts({ host: node.ip, port: 10250, cert: t.plan.files.foreignCert, key: t.plan.files.foreignKey });
          assert.equal(foreign.outcome, 'ok');
        }
      });

      it('10250 answers plain HTTP with 400 "Client sent an HTTP request to an HTTPS server." (§11)', async () => {
        for (const node of t.plan.nodes) {
          const res = await request({ url: `http://${node.ip}:10250/healthz` });
          assert.equal(res.status, 400);
          assert.ok(res.body.startsWith('Client sent an HTTP request to an HTTPS server.'), res.body);
        }
      });
    });

    describe('10250 authenticated routes × callers', () => {
      for (const route of ROUTES.filter((r) => applies(r.versions, version))) {
        describe(`${route.method} ${route.path}`, () => {
          for (const caller of CALLERS) {
            it(caller, async () => {
              for (const node of t.plan.nodes) {
                const c = ctx(node);
                const res = await requestAs(t.plan.files, caller, {
                  url: `https://${node.ip}:10250${fill(route.path, c)}`,
                  method: route.method,
                  body: route.body,
                  headers: route.headers,
                });
                const exp = expectedFor(route, caller, c);
                const label = `${caller} ${route.method} ${fill(route.path, c)} on ${node.name} (${node.profile}, ${version})`;
                if (exp === 'ok') {
                  const ok = route.ok(c);
                  if (ok.status !== 0) expectResponse(res, ok, label);
                  route.check?.(res, c);
                } else {
                  expectResponse(res, exp, label);
                }
              }
            });
          }
        });
      }
      if (version === '1.28') {
        it('alice GET /pods is byte-for-byte the real 1.28 refusal (kubelet.pods-alice-403.txt)', async () => {
          const node = t.plan.nodes[0] as LabNode;
          const res = await requestAs(t.plan.files, 'alice', { url: `https://${node.ip}:10250/pods` });
          expectResponse(res, { status: 403, body: fixture('kubelet.pods-alice-403.txt') }, 'alice /pods');
        });
      }
      it('/pods and /runningpods/ list the same pods with the same UIDs', async () => {
        for (const node of t.plan.nodes) {
          const pods = json(await requestAs(t.plan.files, 'admin', { url: `https://${node.ip}:10250/pods` })) as { items: { metadata: { uid: string } }[] };
          const running = json(await requestAs(t.plan.files, 'admin', { url: `https://${node.ip}:10250/runningpods/` })) as { items: { metadata: { uid: string } }[] };
          assert.deepEqual(running.items.map((i) => i.metadata.uid).sort(), pods.items.map((i) => i.metadata.uid).sort());
          assert.deepEqual(pods.items.map((i) => i.metadata.uid).sort(), node.pods.map((p) => p.uid).sort());
        }
      });
    });

    describe('10250 paths outside every registered root: answered before authentication (§3.9)', () => {
      for (const route of OPEN_ROUTES.filter((r) => applies(r.versions, version))) {
        it(`${route.method} ${route.path}: every caller`, async () => {
          for (const node of t.plan.nodes) {
            for (const caller of CALLERS) {
              const c = ctx(node);
              const res = await requestAs(t.plan.files, caller, { url: `https://${node.ip}:10250${fill(route.path, c)}`, method: route.method });
              expectResponse(res, route.exp, `${caller} ${route.method} ${route.path} on ${node.name}`);
            }
          }
        });
      }
    });

    describe('10248 (plain HTTP, node-local, no authentication)', () => {
      const cases: { method: string; path: string; exp: Expected }[] = [
        { method: 'GET', path: '/healthz', exp: { status: 200, body: 'ok', contentType: TEXT, headers: NOSNIFF } },
        // Real 1.28 bytes: 10248 lists only ping (§3.1, §11).
        { method: 'GET', path: '/healthz?verbose', exp: { status: 200, body: fixture('kubelet-10248.healthz-verbose.txt'), contentType: TEXT } },
        { method: 'GET', path: '/healthz/ping', exp: { status: 200, body: 'ok' } },
        { method: 'POST', path: '/healthz', exp: { status: 200, body: 'ok' } },
        { method: 'GET', path: '/healthz/log', exp: { status: 404, body: GO_404 } },
        { method: 'GET', path: '/healthz/syncloop', exp: { status: 404, body: GO_404 } },
        { method: 'GET', path: '/pods', exp: { status: 404, body: GO_404 } },
        { method: 'GET', path: '/metrics', exp: { status: 404, body: GO_404 } },
        { method: 'GET', path: '/', exp: { status: 404, body: GO_404 } },
      ];
      for (const cs of cases) {
        it(`${cs.method} ${cs.path} (anonymous and with a bad token)`, async () => {
          for (const node of t.plan.nodes) {
            for (const caller of ['anonymous', 'bad-token'] as const) {
              const res = await requestAs(t.plan.files, caller, { url: `http://${node.localIp}:10248${cs.path}`, method: cs.method });
              expectResponse(res, cs.exp, `${caller} ${cs.method} 10248${cs.path} on ${node.name}`);
            }
          }
        });
      }
    });

    describe('upgrade negotiation on /exec (§3.8, §9.15)', () => {
      const base = (node: LabNode): string => `https://${node.ip}:10250/exec/kube-system/${kubeProxyPod(node)}/kube-proxy?command=id&output=1&error=1`;
      it('SPDY/3.1 with v4.channel.k8s.io → 101 with X-Stream-Protocol-Version', async () => {
        const node = t.plan.nodes[1] as LabNode;
        const res = await requestAs(t.plan.files, 'admin', {
          url: base(node),
          method: 'POST',
          headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' },
        });
        assert.equal(res.status, 101);
        assert.equal(res.headers['x-stream-protocol-version'], 'v4.channel.k8s.io');
      });
      it('SPDY/3.1 with no common version → 403 + X-Accepted-Stream-Protocol-Versions', async () => {
        const node = t.plan.nodes[1] as LabNode;
        const res = await requestAs(t.plan.files, 'admin', {
          url: base(node),
          method: 'POST',
          headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v99.nope.k8s.io' },
        });
        assert.equal(res.status, 403);
        assert.ok(String(res.headers['x-accepted-stream-protocol-versions'] ?? '').includes('v4.channel.k8s.io'), JSON.stringify(res.headers));
      });
      it('SPDY/3.1 without X-Stream-Protocol-Version → 400 unable to upgrade', async () => {
        const node = t.plan.nodes[1] as LabNode;
        const res = await requestAs(t.plan.files, 'admin', { url: base(node), method: 'POST', headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' } });
        assert.equal(res.status, 400);
        assert.ok(res.body.startsWith('unable to upgrade: header X-Stream-Protocol-Version does not exist'), res.body);
      });
    });
  });
}

describe('kubelet 1.28, insecure profile on node 2 (anonymous + AlwaysAllow, read-only 10255)', () => {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kubernetesVersion: '1.28', network: INSECURE_NETWORK, nodes: 2, nodeProfiles: { '2': 'insecure' } });
  });
  after(async () => {
    await t?.stop();
  });
  const insecure = (): LabNode => t.plan.nodes[1] as LabNode;

  // The read-only port's legacy default address is 0.0.0.0: the node IP and the node's loopback.
  const readOnly = (): { address: string } => {
    const node = insecure();
    const ro = endpoints(t.plan, node, 'kubelet', 'read-only').find((e) => e.address === node.ip);
    assert.ok(ro, `no 10255 on ${node.ip}`);
    return ro;
  };

  it('the plan has a read-only 10255 (http, all interfaces) on the insecure node only', async () => {
    const node = insecure();
    assert.deepEqual(t.plan.nodes.map((n) => n.profile), ['kubeadm', 'insecure']);
    const ro = endpoints(t.plan, node, 'kubelet', 'read-only').map((e) => [e.number, e.scheme, e.address]);
    assert.deepEqual(ro.sort(), [[10255, 'http', node.ip], [10255, 'http', node.localIp]].sort());
    assert.deepEqual(endpoints(t.plan, t.plan.nodes[0] as LabNode, 'kubelet', 'read-only'), []);
    assert.equal(await tcpConnect(node.ip, 10255), 'connected');
  });

  it('10250 is open to anonymous: /pods 200 PodList, /run id as root', async () => {
    const node = insecure();
    const pods = await request({ url: `https://${node.ip}:10250/pods` });
    expectResponse(pods, { status: 200, contentType: 'application/json', bodyStartsWith: POD_LIST_START }, 'anonymous /pods');
    const run = await request({ url: `https://${node.ip}:10250/run/kube-system/${kubeProxyPod(node)}/kube-proxy?cmd=id`, method: 'POST' });
    expectResponse(run, { status: 200, contentType: 'application/json', bodyStartsWith: 'uid=0(root) gid=0(root)' }, 'anonymous /run id');
  });

  it('the kubeadm node of the same lab still answers anonymous 401', async () => {
    const node = t.plan.nodes[0] as LabNode;
    expectResponse(await request({ url: `https://${node.ip}:10250/pods` }), { status: 401, body: UNAUTHORIZED }, 'anonymous /pods on node 1');
  });

  const DISABLED = 'Debug endpoints are disabled.\n';
  const readOnlyCases: { method: string; path: string; exp: Expected; check?: (res: HttpResult) => void }[] = [
    { method: 'GET', path: '/healthz', exp: { status: 200, body: 'ok', contentType: TEXT } },
    { method: 'GET', path: '/pods', exp: { status: 200, contentType: 'application/json', bodyStartsWith: POD_LIST_START } },
    { method: 'GET', path: '/stats/summary', exp: { status: 200, contentType: 'application/json' } },
    { method: 'GET', path: '/metrics', exp: { status: 200, bodyMatch: /^# HELP /m } },
    { method: 'GET', path: '/metrics/cadvisor', exp: { status: 200 } },
    { method: 'GET', path: '/metrics/resource', exp: { status: 200 } },
    { method: 'GET', path: '/metrics/probes', exp: { status: 200 } },
    // §3.2 note D / §9.16 / §9.18: the debugging paths answer 405 on the read-only port, whatever the method.
    { method: 'POST', path: '/run/kube-system/{pod}/kube-proxy?cmd=id', exp: { status: 405, body: DISABLED, contentType: TEXT } },
    { method: 'POST', path: '/exec/kube-system/{pod}/kube-proxy?command=id&output=1', exp: { status: 405, body: DISABLED } },
    { method: 'POST', path: '/attach/kube-system/{pod}/kube-proxy?output=1', exp: { status: 405, body: DISABLED } },
    { method: 'POST', path: '/portForward/kube-system/{pod}', exp: { status: 405, body: DISABLED } },
    { method: 'GET', path: '/containerLogs/kube-system/{pod}/kube-proxy', exp: { status: 405, body: DISABLED } },
    { method: 'GET', path: '/runningpods/', exp: { status: 405, body: DISABLED } },
    { method: 'GET', path: '/debug/pprof/', exp: { status: 405, body: DISABLED } },
    { method: 'GET', path: '/logs/', exp: { status: 405, body: DISABLED } },
    // The whole "auth required" set (incl. /configz) is absent there (§3.2 note A).
    { method: 'GET', path: '/configz', exp: { status: 404, body: GO_404 } },
    { method: 'GET', path: '/foo', exp: { status: 404, body: GO_404 } },
  ];
  for (const cs of readOnlyCases) {
    it(`10255 ${cs.method} ${cs.path}: no 401/403 ever (anonymous, bad token, alice)`, async () => {
      const node = insecure();
      const ro = readOnly();
      const c: Ctx = { version: '1.28', node, pod: kubeProxyPod(node) };
      for (const caller of ['anonymous', 'bad-token'] as const) {
        const res = await requestAs(t.plan.files, caller, { url: `http://${ro.address}:10255${fill(cs.path, c)}`, method: cs.method });
        expectResponse(res, cs.exp, `${caller} 10255 ${cs.method} ${cs.path}`);
      }
    });
  }

  it('plain HTTP 10255 speaks no TLS: a raw request gets an HTTP/1.1 answer', async () => {
    const ro = readOnly();
    const { bytes } = await rawExchange(ro.address, 10255, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(bytes.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n/);
  });
});

interface KubeletConfigz {
  port?: number;
  healthzPort?: number;
  readOnlyPort?: number;
  authorization?: { mode?: string };
  authentication?: { webhook?: { enabled?: boolean }; anonymous?: { enabled?: boolean } };
}
type TlsFactsCert = { subject: string; issuer: string; subjectaltname?: string };
function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
