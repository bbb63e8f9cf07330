// Finding texts match their evidence: the counts a message gives are the access matrix's, the evidence is the answer
// that proves the finding, and the fix names the field of the component the rule fired on. Observations and expected
// strings are written by hand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointObservation, RouteObservation } from '../model/index.ts';
import { audit } from './index.ts';
import { execAccess } from './exec-access.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const target = { host: 'kia-worker-3', address: '10.0.0.13', source: 'lab', node: 'kia-worker-3' } as const;

function answer(path: string, status: number, fields: Partial<RouteObservation> = {}): RouteObservation {
  return { route: `r${path}`, method: 'GET', path, identity: 'anonymous', outcome: 'ok', status, contentType: 'text/plain', bodySample: status === 200 ? 'ok' : '404 page not found\n', durationMs: 1, ...fields };
}

function endpoint(port: number, fingerprint: EndpointObservation['fingerprint'], routes: RouteObservation[], scheme: 'http' | 'https' = 'http'): EndpointObservation {
  return { target, address: '10.0.0.13', port, scheme, outcome: 'open', fingerprint, routes, exposure: 'network', errors: [] };
}

// An insecure kubelet API as the probe records it: fingerprinting requests first, then the catalog's read routes.
const KUBELET_READ = ['/pods', '/healthz', '/stats/summary', '/metrics', '/metrics/cadvisor', '/metrics/resource', '/metrics/probes', '/metrics/slis', '/logs/', '/runningpods/', '/configz', '/debug/pprof/', '/flagz', '/statusz', '/debug/pprof/cmdline'];
const kubeletApi = endpoint(
  10250,
  { component: 'kubelet', port: 'api', confidence: 'high', evidence: [] },
  [
    answer('/version', 404, { route: 'probe:version' }),
    answer('/pods', 200, { route: 'probe:pods', contentType: 'application/json', bodySample: '{"kind":"PodList"}' }),
    ...KUBELET_READ.map((p) => answer(p, 200, { route: `kubelet.api${p}`, ...(p === '/metrics' ? { bodySample: '# HELP x y\n# TYPE x counter\nx 1\n' } : {}) })),
    answer('/pods', 200, { route: 'kubelet.api.pods', identity: 'admin' }),
  ],
  'https',
);

const kubeletHealthz = endpoint(10248, { component: 'kubelet', port: 'healthz', confidence: 'medium', evidence: [] }, [
  answer('/version', 404, { route: 'probe:version' }),
  answer('/healthz', 200, { route: 'kubelet.healthz.healthz' }),
  answer('/debug/pprof/cmdline', 404, { route: 'kubelet.healthz.pprof-cmdline' }),
]);

const kubeProxyMetrics = endpoint(10249, { component: 'kube-proxy', port: 'metrics', confidence: 'high', evidence: [] }, [
  answer('/version', 404, { route: 'probe:version' }),
  answer('/configz', 200, { route: 'kube-proxy.metrics.configz', contentType: 'application/json', bodySample: '{"kubeproxy.config.k8s.io":{}}' }),
]);

const findings = audit([kubeletApi, kubeletHealthz, kubeProxyMetrics], { now: NOW });
const finding = (rule: string, port: number) => {
  const f = findings.find((x) => x.rule === rule && x.port === port);
  assert.ok(f, `${rule} on ${port}`);
  return f;
};

describe('finding texts match their evidence', () => {
  it('KIA-KUBELET-001 counts every route the access matrix shows anonymous read, leaving out /healthz', () => {
    const f = finding('KIA-KUBELET-001', 10250);
    assert.equal(
      f.message,
      'anonymous callers got 200 on 14 kubelet routes: /pods, /stats/summary, /metrics, /metrics/cadvisor, /metrics/resource, /metrics/probes, /metrics/slis, /logs/, /runningpods/, /configz, /debug/pprof/, /flagz, /statusz, /debug/pprof/cmdline',
    );
    assert.equal(f.evidence[0]?.request, "curl -s -k 'https://10.0.0.13:10250/pods'");
  });

  it('KIA-ANY-004 shows the answer that proves the port serves on the network (a 200), not a 404', () => {
    const f = finding('KIA-ANY-004', 10248);
    assert.deepEqual(f.evidence, [{ request: "curl -s 'http://10.0.0.13:10248/healthz'", response: 'HTTP 200 (text/plain)\nok' }]);
  });

  it('KIA-ANY-001 gives the fix of the component it fired on', () => {
    const kubelet = finding('KIA-ANY-001', 10250);
    assert.match(kubelet.fix, /^In the KubeletConfiguration set authentication\.anonymous\.enabled: false and authorization\.mode: Webhook/);
    assert.doesNotMatch(kubelet.fix, /metricsBindAddress|kube-proxy/);
    const proxy = finding('KIA-ANY-001', 10249);
    assert.match(proxy.fix, /^In the KubeProxyConfiguration set metricsBindAddress: 127\.0\.0\.1:10249/);
    assert.doesNotMatch(proxy.fix, /KubeletConfiguration|anonymous/);
  });

  it('the other any-component rules name the field of their component too', () => {
    assert.match(finding('KIA-ANY-004', 10248).fix, /^In the KubeletConfiguration set healthzBindAddress: 127\.0\.0\.1/);
    assert.match(finding('KIA-ANY-002', 10250).fix, /readOnlyPort: 0/);
    assert.match(finding('KIA-ANY-003', 10250).fix, /enableProfilingHandler: false/);
    assert.match(finding('KIA-ANY-005', 10250).fix, /enableProfilingHandler: false/);
    assert.doesNotMatch(finding('KIA-ANY-005', 10250).fix, /--profiling=false|enableProfiling: false/);
  });

  it('a finding about one route carries it, so its identity does not depend on the message', () => {
    assert.equal(finding('KIA-ANY-001', 10250).route, '/configz');
    assert.equal(finding('KIA-ANY-005', 10250).route, '/debug/pprof/cmdline');
    assert.equal(finding('KIA-KUBELET-001', 10250).route, undefined);
  });

  it('KIA-ANY-003 fires on a real kubelet, whose bare /debug/pprof/ is a 404 while the handlers under it answer', () => {
    const routes = kubeletApi.routes.map((r) => (r.path === '/debug/pprof/' && r.identity === 'anonymous' ? { ...r, status: 404, bodySample: '404: Page Not Found' } : r));
    const f = audit([{ ...kubeletApi, routes }], { now: NOW }).find((x) => x.rule === 'KIA-ANY-003');
    assert.equal(f?.message, 'kubelet /debug/pprof/cmdline is readable without credentials');
    assert.equal(f?.route, '/debug/pprof/cmdline');
  });
});

describe('KIA-KUBELET-007: get nodes/proxy means exec', () => {
  const kubelet = (version: string | undefined, routes: RouteObservation[]) =>
    endpoint(10250, { component: 'kubelet', port: 'api', confidence: 'high', evidence: [], ...(version ? { version } : {}) }, routes, 'https');
  const proxyFinding = (e: EndpointObservation) => audit([e], { now: NOW, active: true }).filter((f) => f.rule === 'KIA-KUBELET-007');

  it('names every credentialed identity with a partial grant and a 200 on a route only nodes/proxy allows, with that answer as evidence', () => {
    const [f, ...rest] = proxyFinding(kubelet('v1.36.0', [
      answer('/pods', 200, { route: 'kubelet.api.pods', identity: 'monitor' }),
      answer('/debug/pprof/', 200, { route: 'kubelet.api.debug-pprof', identity: 'monitor' }),
      answer('/metrics', 403, { route: 'kubelet.api.metrics', identity: 'monitor' }),
      answer('/flagz', 200, { route: 'kubelet.api.flagz', identity: 'scraper' }),
      answer('/stats/summary', 403, { route: 'kubelet.api.stats-summary', identity: 'scraper' }),
      answer('/debug/pprof/', 403, { route: 'kubelet.api.debug-pprof', identity: 'alice' }),
    ]));
    assert.equal(rest.length, 0);
    assert.ok(f);
    assert.equal(f.severity, 'medium');
    assert.equal(f.message, 'monitor (GET /debug/pprof/), scraper (GET /flagz) got 200 on a route that needs get nodes/proxy at 1.36: each can exec, attach and port-forward in every container on the node (a WebSocket upgrade is a GET)');
    assert.deepEqual(f.evidence.map((e) => e.request), ["# as monitor\ncurl -s -k 'https://10.0.0.13:10250/debug/pprof/'", "# as scraper\ncurl -s -k 'https://10.0.0.13:10250/flagz'"]);
    assert.match(f.fix, /nodes\/metrics .*nodes\/stats .*nodes\/log .*from 1\.33 .*nodes\/pods .*nodes\/healthz .*nodes\/configz/);
  });

  it('counts /pods as nodes/proxy before 1.33 only: from 1.33 nodes/pods may be what allowed it', () => {
    const podsOnly = (version: string | undefined) => kubelet(version, [answer('/pods', 200, { route: 'kubelet.api.pods', identity: 'monitor' }), answer('/metrics', 403, { route: 'kubelet.api.metrics', identity: 'monitor' })]);
    assert.deepEqual(proxyFinding(podsOnly('v1.31.0')).map((f) => f.message), ['monitor (GET /pods) got 200 on a route that needs get nodes/proxy at 1.31: each can exec, attach and port-forward in every container on the node (a WebSocket upgrade is a GET)']);
    assert.deepEqual(proxyFinding(podsOnly('v1.33.0')), []);
    assert.deepEqual(proxyFinding(podsOnly(undefined)), []);
  });

  it('leaves out an identity the kubelet refuses nothing: an administrator holds exec by design', () => {
    assert.deepEqual(proxyFinding(kubelet('v1.31.0', [
      answer('/pods', 200, { route: 'kubelet.api.pods', identity: 'admin' }),
      answer('/metrics', 200, { route: 'kubelet.api.metrics', identity: 'admin' }),
    ])), []);
  });

  it('leaves anonymous to KIA-KUBELET-001, and never counts an acting route or a route nodes/proxy does not govern', () => {
    assert.deepEqual(proxyFinding(kubelet('v1.31.0', [
      answer('/debug/pprof/', 200, { route: 'kubelet.api.debug-pprof' }),
      answer('/run/default/web/web', 200, { route: 'kubelet.api.run', method: 'POST', identity: 'monitor', bodySample: 'uid=0(root) gid=0(root)' }),
      answer('/metrics', 200, { route: 'kubelet.api.metrics', identity: 'monitor' }),
      answer('/stats/summary', 200, { route: 'kubelet.api.stats-summary', identity: 'monitor' }),
    ])), []);
  });

  it('quotes what id printed over the upgrade with --active; the exec column reads proven, inferred, refused or blank', () => {
    const exec = '/exec/kube-system/etcd-n1/etcd?command=id&output=1';
    const e = kubelet('v1.31.0', [
      answer('/pods', 401),
      // Both monitoring jobs read /pods (nodes/proxy before 1.33) and are refused /metrics: a partial grant each.
      ...['monitor', 'scraper'].flatMap((identity) => [answer('/pods', 200, { route: 'kubelet.api.pods', identity }), answer('/metrics', 403, { route: 'kubelet.api.metrics', identity })]),
      answer('/pods', 200, { route: 'kubelet.api.pods', identity: 'admin' }),
      answer('/metrics', 403, { route: 'kubelet.api.metrics', identity: 'alice' }),
      answer(exec, 101, { route: 'kubelet.api.exec', identity: 'monitor', contentType: undefined, bodySample: 'uid=0(root) gid=0(root) groups=0(root)\n' }),
      answer(exec, 403, { route: 'kubelet.api.exec', identity: 'scraper', bodySample: 'Forbidden (user=scraper, verb=get, resource=nodes, subresource(s)=[proxy])\n' }),
    ]);
    const [f] = proxyFinding(e);
    assert.equal(f?.message, 'monitor (GET /pods), scraper (GET /pods) got 200 on a route that needs get nodes/proxy at 1.31: each can exec, attach and port-forward in every container on the node (a WebSocket upgrade is a GET); monitor proven with --active: uid=0(root) gid=0(root) groups=0(root); scraper not proven with --active: HTTP 403');
    assert.equal(f?.evidence[2]?.request, `# as monitor: a WebSocket upgrade, GET ${exec}\nkia kubelet 10.0.0.13 exec --port 10250 kube-system/etcd-n1/etcd -- id`);
    assert.equal(f?.evidence[2]?.response, 'HTTP 101\nuid=0(root) gid=0(root) groups=0(root)\n');
    assert.deepEqual(execAccess(e, [e]).map((x) => `${x.identity} ${x.state} ${x.path}`), ['anonymous refused /pods', 'monitor proven ' + exec, 'scraper refused ' + exec, 'admin inferred /pods']);
  });
});
