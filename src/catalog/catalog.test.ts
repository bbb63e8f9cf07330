// The catalog against the spec: expected ports and paths are written out literally from spec/internal-apis.md,
// never derived from the catalog itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KIA_AGENT_PORT } from './kia.ts';
import {
  allPorts,
  CATALOG,
  COMPONENT_ORDER,
  compareVersions,
  findComponent,
  findPortByNumber,
  getComponent,
  getPort,
  inRange,
  kubeadmEtcdVersion,
  routesFor,
  versionFor,
} from './index.ts';

// spec §1 and the port plan: component, port name, number.
const EXPECTED_PORTS: readonly (readonly [string, string, number])[] = [
  ['etcd', 'client', 2379],
  ['etcd', 'peer', 2380],
  ['etcd', 'metrics', 2381],
  ['kubelet', 'api', 10250],
  ['kubelet', 'read-only', 10255],
  ['kubelet', 'healthz', 10248],
  ['kube-proxy', 'metrics', 10249],
  ['kube-proxy', 'healthz', 10256],
  ['kube-controller-manager', 'secure', 10257],
  ['cloud-controller-manager', 'secure', 10258],
  ['kube-scheduler', 'secure', 10259],
  ['kube-apiserver', 'secure', 6443],
];

const EXPECTED_REMOVED: readonly (readonly [string, string, number])[] = [
  ['kube-controller-manager', 'insecure', 10252],
  ['kube-scheduler', 'insecure', 10251],
];

// Every route path the spec lists, per component and port (§2.1-§2.7, §3.2, §3.1 note D, §4, §5.3, §5.4, §6.2, §6.3).
const EXPECTED_PATHS: Readonly<Record<string, readonly string[]>> = {
  'etcd client': [
    '/health', '/livez', '/livez/{check}', '/readyz', '/readyz/{check}', '/metrics', '/version', '/debug/vars', '/debug/pprof/*',
    '/debug/requests', '/debug/events', '/v2/*',
    '/v3/kv/range', '/v3/kv/put', '/v3/kv/deleterange', '/v3/kv/txn', '/v3/kv/compaction', '/v3/watch',
    '/v3/lease/grant', '/v3/lease/revoke', '/v3/lease/keepalive', '/v3/lease/timetolive', '/v3/lease/leases',
    '/v3/kv/lease/revoke', '/v3/kv/lease/timetolive', '/v3/kv/lease/leases',
    '/v3/cluster/member/add', '/v3/cluster/member/remove', '/v3/cluster/member/update', '/v3/cluster/member/list', '/v3/cluster/member/promote',
    '/v3/maintenance/alarm', '/v3/maintenance/status', '/v3/maintenance/defragment', '/v3/maintenance/hash', '/v3/maintenance/hashkv',
    '/v3/maintenance/snapshot', '/v3/maintenance/transfer-leadership', '/v3/maintenance/downgrade',
    '/v3/auth/enable', '/v3/auth/disable', '/v3/auth/status', '/v3/auth/authenticate',
    '/v3/auth/user/add', '/v3/auth/user/get', '/v3/auth/user/list', '/v3/auth/user/delete', '/v3/auth/user/changepw', '/v3/auth/user/grant', '/v3/auth/user/revoke',
    '/v3/auth/role/add', '/v3/auth/role/get', '/v3/auth/role/list', '/v3/auth/role/delete', '/v3/auth/role/grant', '/v3/auth/role/revoke',
    '/v3/election/campaign', '/v3/election/proclaim', '/v3/election/leader', '/v3/election/observe', '/v3/election/resign',
    '/v3/lock/lock', '/v3/lock/unlock',
  ],
  'etcd peer': [
    '/raft', '/raft/stream/message/{memberID}', '/raft/stream/msgappv2/{memberID}', '/raft/snapshot', '/raft/probing', '/members',
    '/members/promote/{id}', '/members/hashkv', '/leases', '/leases/internal', '/downgrade/enabled', '/version',
  ],
  'etcd metrics': ['/metrics', '/health', '/livez', '/livez/{check}', '/readyz', '/readyz/{check}'],
  'kubelet api': [
    '/healthz', '/healthz/{check}', '/pods', '/stats/summary', '/metrics', '/metrics/cadvisor', '/metrics/resource', '/metrics/probes',
    '/metrics/slis', '/containerLogs/{namespace}/{pod}/{container}', '/logs/*', '/run/{namespace}/{pod}/{container}',
    '/run/{namespace}/{pod}/{uid}/{container}', '/exec/{namespace}/{pod}/{container}', '/exec/{namespace}/{pod}/{uid}/{container}',
    '/attach/{namespace}/{pod}/{container}', '/attach/{namespace}/{pod}/{uid}/{container}', '/portForward/{namespace}/{pod}',
    '/portForward/{namespace}/{pod}/{uid}', '/runningpods/', '/configz', '/checkpoint/{namespace}/{pod}/{container}', '/debug/pprof/*',
    '/debug/flags/v', '/flagz', '/statusz',
  ],
  'kubelet read-only': [
    '/healthz', '/healthz/{check}', '/pods', '/stats/summary', '/metrics', '/metrics/cadvisor', '/metrics/resource', '/metrics/probes',
    '/metrics/slis', '/run/*', '/exec/*', '/attach/*', '/portForward/*', '/containerLogs/*', '/runningpods/*', '/debug/pprof/*', '/logs/*',
  ],
  'kubelet healthz': ['/healthz', '/healthz/ping'],
  'kube-proxy metrics': [
    '/healthz', '/healthz/ping', '/metrics', '/metrics/slis', '/proxyMode', '/configz', '/flagz', '/statusz', '/debug/pprof/*', '/debug/flags/v',
  ],
  'kube-proxy healthz': ['/healthz', '/livez'],
  'kube-controller-manager secure': ['/healthz', '/configz', '/metrics', '/metrics/slis', '/debug/pprof/*', '/debug/flags', '/debug/flags/v', '/flagz', '/statusz'],
  'cloud-controller-manager secure': ['/healthz', '/configz', '/metrics', '/metrics/slis', '/debug/pprof/*', '/debug/flags', '/debug/flags/v', '/flagz', '/statusz'],
  'kube-scheduler secure': [
    '/healthz', '/healthz/{check}', '/livez', '/livez/{check}', '/readyz', '/readyz/{check}', '/configz', '/metrics', '/metrics/resources',
    '/metrics/slis', '/debug/pprof/*', '/debug/flags/v', '/flagz', '/statusz',
  ],
  'kube-apiserver secure': [
    '/healthz', '/healthz/{check}', '/livez', '/livez/{check}', '/readyz', '/readyz/{check}', '/version', '/metrics', '/metrics/slis',
    '/debug/pprof/*', '/debug/flags/v', '/flagz', '/statusz', '/api/v1/nodes/{node}/proxy/{path}',
    '/api/v1/namespaces/{namespace}/pods/{pod}/exec', '/api/v1/namespaces/{namespace}/pods/{pod}/attach',
    '/api/v1/namespaces/{namespace}/pods/{pod}/portforward', '/api/v1/namespaces/{namespace}/pods/{pod}/log',
  ],
};

const allRoutes = () => CATALOG.flatMap((c) => [...c.ports, ...(c.removedPorts ?? [])].flatMap((p) => p.routes.map((r) => ({ c, p, r }))));
const ids = (routes: readonly { id: string }[]) => routes.map((r) => r.id);

describe('catalog components', () => {
  it('orders every component once, control plane first', () => {
    assert.deepEqual(COMPONENT_ORDER, ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'cloud-controller-manager', 'kubelet', 'kube-proxy']);
    assert.deepEqual([...COMPONENT_ORDER].sort(), CATALOG.map((c) => c.id).sort());
  });
});

describe('catalog ports', () => {
  it('has exactly the expected port numbers', () => {
    const seen = allPorts()
      .filter((p) => p.port !== 0)
      .map((p) => `${p.component} ${p.name} ${p.port}`)
      .sort();
    assert.deepEqual(seen, EXPECTED_PORTS.map(([c, n, port]) => `${c} ${n} ${port}`).sort());
  });

  it('keeps removed ports apart, with an until bound', () => {
    for (const [c, n, port] of EXPECTED_REMOVED) {
      const entry = getPort(c as never, n);
      assert.equal(entry.port, port);
      assert.equal(entry.versions?.until, '1.24');
      assert.ok(!allPorts().includes(entry));
      assert.ok(allPorts({ includeRemoved: true }).includes(entry));
    }
  });

  it('describes the kube-proxy service health-check node ports without a fixed number', () => {
    const port = getPort('kube-proxy', 'service-health');
    assert.equal(port.port, 0);
    assert.deepEqual(ids(port.routes), ['kube-proxy.service-health.status']);
  });

  it('encodes the kubeadm client-certificate policy and bind per port', () => {
    assert.equal(getPort('etcd', 'client').clientCert, 'required');
    assert.equal(getPort('etcd', 'client').kubeadmBind, 'loopback+node-ip');
    assert.equal(getPort('etcd', 'peer').kubeadmBind, 'node-ip');
    assert.equal(getPort('etcd', 'metrics').scheme, 'http');
    assert.equal(getPort('kubelet', 'api').clientCert, 'requested');
    assert.equal(getPort('kubelet', 'read-only').kubeadmBind, 'off');
    assert.equal(getPort('kubelet', 'healthz').kubeadmBind, 'loopback');
    assert.equal(getPort('kube-scheduler', 'secure').kubeadmBind, 'loopback');
    assert.equal(getPort('cloud-controller-manager', 'secure').kubeadmBind, 'not-deployed');
    assert.equal(getPort('kube-apiserver', 'secure').kubeadmBind, 'all');
  });

  it('finds ports by number and components by alias', () => {
    assert.deepEqual(findPortByNumber(2381).map((p) => `${p.component}/${p.name}`), ['etcd/metrics']);
    assert.deepEqual(findPortByNumber(10251).map((p) => `${p.component}/${p.name}`), ['kube-scheduler/insecure']);
    assert.deepEqual(findPortByNumber(1), []);
    assert.equal(findComponent('kcm')?.id, 'kube-controller-manager');
    assert.equal(findComponent('apiserver')?.id, 'kube-apiserver');
    assert.equal(findComponent('nope'), undefined);
    assert.throws(() => getPort('kubelet', 'nope'), /kubelet has no port "nope"/);
    assert.throws(() => getComponent('nope' as never), /unknown component/);
  });
});

describe('catalog routes', () => {
  it('lists every route path of the spec', () => {
    for (const [key, paths] of Object.entries(EXPECTED_PATHS)) {
      const [component, portName] = key.split(' ') as [string, string];
      const have = new Set(getPort(component as never, portName).routes.map((r) => r.path));
      for (const path of paths) assert.ok(have.has(path), `${key}: missing ${path}`);
    }
  });

  it('has unique ids of the form <component>.<port>.<name>', () => {
    const all = allRoutes();
    const seen = new Set<string>();
    for (const { c, p, r } of all) {
      assert.ok(!seen.has(r.id), `duplicate id ${r.id}`);
      seen.add(r.id);
      assert.ok(r.id.startsWith(`${c.id}.${p.name}.`), r.id);
      assert.match(r.id.slice(`${c.id}.${p.name}.`.length), /^[a-z0-9][a-z0-9-]*$/, r.id);
    }
    for (const id of ['kubelet.api.pods', 'kubelet.api.container-logs', 'etcd.client.health', 'kube-scheduler.secure.livez']) assert.ok(seen.has(id), id);
  });

  it('names an upstream source for every route and port', () => {
    for (const { p, r } of allRoutes()) {
      assert.match(r.source, /^(kubernetes\/[a-z-]+|etcd-io\/etcd):\S+/, r.id);
      assert.match(p.source, /^(kubernetes\/[a-z-]+|etcd-io\/etcd):\S+/, `${p.component}/${p.name}`);
      assert.ok(r.methods.length > 0, r.id);
      assert.ok(r.description.length > 0, r.id);
    }
    assert.equal(getPort('kubelet', 'api').routes.find((r) => r.path === '/pods')?.source, 'kubernetes/kubernetes:pkg/kubelet/server/server.go');
    assert.equal(getPort('etcd', 'client').routes.find((r) => r.path === '/health')?.source, 'etcd-io/etcd:server/etcdserver/api/etcdhttp/health.go');
  });

  it('marks actions as act and never mixes read and act methods on one route', () => {
    const mode = (component: string, port: string, path: string, method: string) =>
      getPort(component as never, port).routes.find((r) => r.path === path && (r.methods.includes(method) || r.methods.includes('*')))?.mode;
    assert.equal(mode('kubelet', 'api', '/run/{namespace}/{pod}/{container}', 'POST'), 'act');
    assert.equal(mode('kubelet', 'api', '/exec/{namespace}/{pod}/{container}', 'GET'), 'act');
    assert.equal(mode('kubelet', 'api', '/attach/{namespace}/{pod}/{container}', 'POST'), 'act');
    assert.equal(mode('kubelet', 'api', '/portForward/{namespace}/{pod}', 'GET'), 'act');
    assert.equal(mode('kubelet', 'api', '/checkpoint/{namespace}/{pod}/{container}', 'POST'), 'act');
    assert.equal(mode('kubelet', 'api', '/debug/flags/v', 'PUT'), 'act');
    assert.equal(mode('kubelet', 'api', '/pods', 'GET'), 'read');
    assert.equal(mode('etcd', 'client', '/v3/kv/put', 'POST'), 'act');
    assert.equal(mode('etcd', 'client', '/v3/kv/range', 'POST'), 'read');
    assert.equal(mode('etcd', 'client', '/v3/maintenance/alarm', 'POST'), 'act');
    assert.equal(mode('kube-scheduler', 'secure', '/metrics', 'GET'), 'read');
    const reset = getPort('kube-scheduler', 'secure').routes.find((r) => r.path === '/metrics' && r.methods.includes('DELETE'));
    assert.equal(reset?.mode, 'act');
    assert.equal(mode('kube-apiserver', 'secure', '/api/v1/namespaces/{namespace}/pods/{pod}/exec', 'POST'), 'act');
    for (const { r } of allRoutes()) {
      if (r.methods.includes('PUT') && r.path === '/debug/flags/v') assert.equal(r.mode, 'act', r.id);
      if (r.methods.includes('DELETE') && r.path.startsWith('/metrics')) assert.equal(r.mode, 'act', r.id);
    }
  });

  it('uses the kubelet authorisation attributes of §3.11', () => {
    const authz = (path: string) => getPort('kubelet', 'api').routes.find((r) => r.path === path)?.authz;
    assert.deepEqual(authz('/pods'), { resource: 'nodes', subresource: 'proxy', fineGrained: { subresource: 'pods', versions: { since: '1.33', note: 'KubeletFineGrainedAuthz alpha 1.32, on by default 1.33' } } });
    const sub = (path: string) => {
      const a = authz(path);
      return a && 'subresource' in a ? a.subresource : undefined;
    };
    assert.equal(sub('/stats/summary'), 'stats');
    assert.equal(sub('/metrics/cadvisor'), 'metrics');
    assert.equal(sub('/logs/*'), 'log');
    assert.equal(sub('/checkpoint/{namespace}/{pod}/{container}'), 'checkpoint');
    assert.equal(sub('/run/{namespace}/{pod}/{container}'), 'proxy');
    assert.equal(getPort('kubelet', 'read-only').routes.find((r) => r.path === '/pods')?.access, 'open');
  });
});

describe('version helpers', () => {
  it('compares dotted versions and checks ranges', () => {
    assert.equal(compareVersions('1.28', '1.28.0'), 0);
    assert.equal(compareVersions('1.9', '1.28'), -1);
    assert.equal(compareVersions('v1.31.2', '1.31'), 1);
    assert.equal(compareVersions('3.5.11', '3.5.9'), 1);
    assert.equal(compareVersions('1.36.0-rc.1', '1.36'), 0);
    assert.equal(inRange(undefined, '1.28'), true);
    assert.equal(inRange({ since: '1.30' }, '1.30'), true);
    assert.equal(inRange({ since: '1.30' }, '1.29.9'), false);
    assert.equal(inRange({ until: '1.29' }, '1.28.7'), true);
    assert.equal(inRange({ until: '1.29' }, '1.29'), false);
  });

  it('pairs Kubernetes versions with kubeadm etcd versions', () => {
    assert.equal(kubeadmEtcdVersion('1.28'), '3.5.9');
    assert.equal(kubeadmEtcdVersion('v1.28.7'), '3.5.9');
    assert.equal(kubeadmEtcdVersion('1.31.2'), '3.5.15');
    assert.equal(kubeadmEtcdVersion('1.36'), '3.6.8');
    assert.equal(versionFor('etcd', '1.31'), '3.5.15');
    assert.equal(versionFor('kubelet', '1.31'), '1.31');
  });

  it('has /checkpoint from 1.30', () => {
    const has = (v: string) => routesFor('kubelet', 'api', v).some((r) => r.path.startsWith('/checkpoint/'));
    assert.equal(has('1.28'), false);
    assert.equal(has('1.31'), true);
    assert.equal(has('1.36'), true);
    const readOnly = (v: string) => routesFor('kubelet', 'read-only', v).some((r) => r.path.startsWith('/checkpoint/'));
    assert.equal(readOnly('1.28'), false);
    assert.equal(readOnly('1.31'), true);
  });

  it('has scheduler /livez and /readyz at 1.31, not at 1.28; never on the controller managers', () => {
    const paths = (c: string, v: string) => routesFor(c as never, 'secure', v).map((r) => r.path);
    assert.ok(!paths('kube-scheduler', '1.28').includes('/livez'));
    assert.ok(!paths('kube-scheduler', '1.28').includes('/readyz'));
    assert.ok(paths('kube-scheduler', '1.31').includes('/livez'));
    assert.ok(paths('kube-scheduler', '1.31').includes('/readyz'));
    assert.ok(paths('kube-scheduler', '1.28').includes('/healthz'));
    for (const v of ['1.28', '1.31', '1.36']) {
      assert.ok(!paths('kube-controller-manager', v).includes('/livez'));
      assert.ok(!paths('kube-controller-manager', v).includes('/readyz'));
    }
  });

  it('has /flagz and /statusz only at 1.36, on every component that serves them', () => {
    for (const [c, p] of [['kubelet', 'api'], ['kube-proxy', 'metrics'], ['kube-controller-manager', 'secure'], ['cloud-controller-manager', 'secure'], ['kube-scheduler', 'secure'], ['kube-apiserver', 'secure']] as const) {
      for (const [v, want] of [['1.28', false], ['1.31', false], ['1.36', true]] as const) {
        const paths = routesFor(c, p, v).map((r) => r.path);
        assert.equal(paths.includes('/flagz'), want, `${c} ${v} /flagz`);
        assert.equal(paths.includes('/statusz'), want, `${c} ${v} /statusz`);
      }
    }
  });

  it('follows the etcd versions kubeadm pairs: /livez from 3.5.11, non_learner from 3.5.19', () => {
    const paths = (k8s: string) => routesFor('etcd', 'metrics', versionFor('etcd', k8s)).map((r) => r.path);
    assert.ok(!paths('1.28').includes('/livez'));
    assert.ok(paths('1.28').includes('/health'));
    assert.ok(paths('1.31').includes('/livez'));
    assert.ok(!paths('1.31').includes('/readyz/non_learner'));
    assert.ok(paths('1.36').includes('/readyz/non_learner'));
    assert.ok(!routesFor('etcd', 'client', '3.4.23').some((r) => r.path === '/readyz'));
    assert.ok(routesFor('etcd', 'client', '3.5.21').some((r) => r.path === '/v2/*'));
    assert.ok(!routesFor('etcd', 'client', '3.6.0').some((r) => r.path === '/v2/*'));
  });

  it('takes /run cmd from a POST form body only up to 1.28', () => {
    const run = getPort('kubelet', 'api').routes.find((r) => r.id === 'kubelet.api.run');
    const form = run?.query?.find((q) => q.name === 'cmd' && q.versions?.until !== undefined);
    assert.ok(form);
    assert.equal(inRange(form.versions, '1.28'), true);
    assert.equal(inRange(form.versions, '1.29'), false);
  });

  it('has the removed insecure ports only before 1.24', () => {
    assert.ok(routesFor('kube-scheduler', 'insecure', '1.23').length > 0);
    assert.deepEqual(routesFor('kube-scheduler', 'insecure', '1.28'), []);
    assert.deepEqual(routesFor('kube-controller-manager', 'insecure', '1.36'), []);
  });
});


describe("kia's own port", () => {
  it('is 9472, HTTPS, with the probes open and the node pages vouched for', () => {
    assert.equal(KIA_AGENT_PORT.port, 9472);
    assert.equal(KIA_AGENT_PORT.scheme, 'https');
    assert.deepEqual(KIA_AGENT_PORT.routes.map((r) => `${r.path} ${r.access}`), ['/healthz open', '/readyz open', '/metrics vouched', '/api/report vouched']);
    // No Kubernetes component listens there.
    assert.deepEqual(CATALOG.flatMap((c) => c.ports).filter((p) => p.port === 9472), []);
  });
});
