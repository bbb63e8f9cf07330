// A hand-written cluster for the dashboard's component test: what `kia serve` would send, written out literally.
// Four nodes; worker-1's kubelet degraded (syncloop failing, certificate 5 days from expiry); the controller
// manager's certificate 20 days out; etcd's 300. Two findings, the critical one listed last.
import type { ComponentHealth, ComponentId, EndpointHealth, EndpointObservation, Finding, HealthState, NodeHealth, RouteObservation } from '../src/model/index.ts';
import type { CertificateEntry, HistoryEntry, Monitor, MonitorState } from '../src/serve/monitor.ts';

/** What `GET api/cell` answers. */
export type CellAnswer = NonNullable<ReturnType<Monitor['cell']>>;

export const CHECKED_AT = '2026-03-02T10:00:00.000Z';
const DAY = 86_400_000;
const inDays = (days: number): string => new Date(Date.parse(CHECKED_AT) + days * DAY).toISOString();

export const SYNCLOOP_REASON = 'sync Loop took longer than expected';

export interface ClusterOptions {
  cycle?: number;
  /** The control plane's etcd stops answering. */
  etcdDown?: boolean;
  /** What worker-1's kubelet says about its syncloop check. */
  syncloopReason?: string;
  /** Extra nodes, all healthy, `node-001` onwards; `degraded` lists which of them have a degraded kubelet. */
  extraNodes?: { count: number; degraded?: number[] };
}

function component(node: string, id: ComponentId, state: HealthState, summary: string, endpoints: EndpointHealth[] = []): ComponentHealth {
  return { node, component: id, state, summary, endpoints };
}

function healthyEndpoint(address: string, port: number, portName: string, path: string, route: string): EndpointHealth {
  return {
    address, port, portName, scheme: 'https', state: 'healthy',
    probes: [{ route, method: 'GET', path, identity: 'kia-health', state: 'healthy', outcome: 'ok', status: 200, durationMs: 3, detail: 'ok', checks: [{ name: 'ping', ok: true }] }],
  };
}

function worker1Kubelet(reason: string): ComponentHealth {
  return component('worker-1', 'kubelet', 'degraded', '10250 500: syncloop failed · certificate expires in 5 d', [
    {
      address: '10.0.0.11', port: 10250, portName: 'api', scheme: 'https', state: 'degraded',
      certificate: { subject: 'CN=worker-1@1767225600', notAfter: inDays(5), daysLeft: 5, level: 'critical', state: 'degraded' },
      probes: [{
        route: 'kubelet.api.healthz', method: 'GET', path: '/healthz?verbose', identity: 'kia-health', state: 'degraded', outcome: 'ok', status: 500, durationMs: 4,
        detail: '500 healthz check failed',
        checks: [{ name: 'ping', ok: true }, { name: 'log', ok: true }, { name: 'syncloop', ok: false, reason }],
      }],
    },
    {
      address: '127.0.0.1', port: 10248, portName: 'healthz', scheme: 'http', state: 'healthy',
      probes: [{ route: 'kubelet.healthz.healthz', method: 'GET', path: '/healthz', identity: 'anonymous', state: 'healthy', outcome: 'ok', status: 200, durationMs: 1, detail: 'ok', checks: [] }],
    },
  ]);
}

function workerNode(name: string, address: string, kubelet?: ComponentHealth, proxy: HealthState = 'healthy'): NodeHealth {
  const components = [
    kubelet ?? component(name, 'kubelet', 'healthy', 'ok: 10250, 10248', [healthyEndpoint(address, 10250, 'api', '/healthz', 'kubelet.api.healthz')]),
    proxy === 'unknown'
      ? component(name, 'kube-proxy', 'unknown', 'no credentials for 10249; 10256 not asked', [])
      : component(name, 'kube-proxy', 'healthy', 'ok (synced 2 s ago)', []),
  ];
  const state = components.some((c) => c.state === 'degraded') ? 'degraded' : 'healthy';
  return { name, state, components };
}

export function clusterState(options: ClusterOptions = {}): MonitorState {
  const cycle = options.cycle ?? 1;
  const etcd = options.etcdDown
    ? component('cp-1', 'etcd', 'down', '2379 connection refused', [{
        address: '10.0.0.10', port: 2379, portName: 'client', scheme: 'https', state: 'down',
        probes: [{ route: 'etcd.client.health', method: 'GET', path: '/health', identity: 'etcd-client', state: 'down', outcome: 'refused', durationMs: 1, detail: 'connection refused', checks: [] }],
      }])
    : component('cp-1', 'etcd', 'healthy', 'ok: 2379 · certificate 300 d', [healthyEndpoint('10.0.0.10', 2379, 'client', '/health', 'etcd.client.health')]);
  const cp: NodeHealth = {
    name: 'cp-1',
    state: options.etcdDown ? 'down' : 'degraded',
    components: [
      etcd,
      component('cp-1', 'kube-apiserver', 'healthy', 'ok: 6443', [healthyEndpoint('10.0.0.10', 6443, 'secure', '/readyz?verbose', 'kube-apiserver.secure.readyz')]),
      component('cp-1', 'kube-controller-manager', 'degraded', '10257 certificate expires in 20 d'),
      component('cp-1', 'kube-scheduler', 'healthy', 'ok: 10259'),
      component('cp-1', 'kubelet', 'healthy', 'ok: 10250, 10248'),
      component('cp-1', 'kube-proxy', 'healthy', 'ok (synced 1 s ago)'),
    ],
  };
  const nodes: NodeHealth[] = [
    cp,
    workerNode('worker-1', '10.0.0.11', worker1Kubelet(options.syncloopReason ?? SYNCLOOP_REASON)),
    workerNode('worker-2', '10.0.0.12'),
    workerNode('worker-3', '10.0.0.13', undefined, 'unknown'),
  ];
  const extra = options.extraNodes;
  for (let i = 1; i <= (extra?.count ?? 0); i++) {
    const name = `node-${String(i).padStart(3, '0')}`;
    const degraded = extra?.degraded?.includes(i) ?? false;
    nodes.push(workerNode(name, `10.1.${Math.floor(i / 250)}.${i % 250}`, degraded ? component(name, 'kubelet', 'degraded', '10250 500: syncloop failed') : undefined));
  }
  const certificates: CertificateEntry[] = [
    { node: 'cp-1', component: 'etcd', address: '10.0.0.10', port: 2379, portName: 'client', subject: 'CN=cp-1', notAfter: inDays(300), daysLeft: 300, state: 'healthy', level: 'ok' },
    { node: 'worker-1', component: 'kubelet', address: '10.0.0.11', port: 10250, portName: 'api', subject: 'CN=worker-1@1767225600', notAfter: inDays(5), daysLeft: 5, state: 'degraded', level: 'critical' },
    { node: 'cp-1', component: 'kube-controller-manager', address: '10.0.0.10', port: 10257, portName: 'secure', subject: 'CN=kube-controller-manager', notAfter: inDays(20), daysLeft: 20, state: 'degraded', level: 'warning' },
  ];
  // kubeadm issues the kubelets' serving certificates together: they expire on the same day.
  for (let i = 1; i <= (extra?.count ?? 0); i++) {
    const name = `node-${String(i).padStart(3, '0')}`;
    certificates.push({ node: name, component: 'kubelet', address: `10.1.${Math.floor(i / 250)}.${i % 250}`, port: 10250, portName: 'api', subject: `CN=${name}@1767225600`, notAfter: inDays(364), daysLeft: 364, state: 'healthy', level: 'ok' });
  }
  return {
    cycle,
    checkedAt: CHECKED_AT,
    intervalMs: 10_000,
    health: { schema: 'kia.health/v1', checkedAt: CHECKED_AT, durationMs: 412, state: options.etcdDown ? 'down' : 'degraded', nodes, notes: [] },
    findings: { auditedAt: '2026-03-02T09:55:00.000Z', items: FINDINGS },
    certificates,
    history: { 'worker-1/kubelet': history(cycle) },
  };
}

const FINDINGS: Finding[] = [
  {
    rule: 'KIA-TLS-002', title: 'Serving certificate expires within 30 days', severity: 'medium', mode: 'read', component: 'kube-controller-manager',
    host: '10.0.0.10', address: '10.0.0.10', port: 10257, node: 'cp-1', message: 'the serving certificate expires in 20 days',
    evidence: [], fix: 'Renew it before it expires (kubeadm certs renew).', references: [],
  },
  {
    rule: 'KIA-KUBELET-001', title: 'kubelet API open to anonymous callers (anonymous authentication with AlwaysAllow)', severity: 'critical', mode: 'read', component: 'kubelet',
    host: '10.0.0.11', address: '10.0.0.11', port: 10250, node: 'worker-1', message: 'anonymous GET /pods answered 200 (5 kubelet routes readable without credentials)',
    evidence: [], fix: 'Set authentication.anonymous.enabled: false and authorization.mode: Webhook.', references: [],
  },
];

/** worker-1's kubelet: healthy for a while, degraded for the last three cycles, one more entry per cycle after the first. */
function history(cycle: number): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let i = 0; i < 9 + cycle; i++) {
    const degraded = i >= 6 + cycle;
    out.push({ at: new Date(Date.parse(CHECKED_AT) - (9 + cycle - i) * 10_000).toISOString(), state: degraded ? 'degraded' : 'healthy', summary: degraded ? '10250 500: syncloop failed' : 'ok' });
  }
  return out;
}

function route(route: string, path: string, identity: string, status: number | undefined, method = 'GET'): RouteObservation {
  return { route, method, path, identity, outcome: status === undefined ? 'skipped' : 'ok', ...(status !== undefined ? { status } : {}), durationMs: 2 };
}

/** What the last audit saw on worker-1:10250: anonymous reads pods and healthz, not configz; run was not tried; exec. */
const WORKER1_KUBELET_AUDIT: EndpointObservation = {
  target: { host: '10.0.0.11', address: '10.0.0.11', source: 'kubeconfig', node: 'worker-1' },
  address: '10.0.0.11',
  port: 10250,
  scheme: 'https',
  outcome: 'open',
  tls: { protocol: 'TLSv1.3', alpn: false, chain: [], clientCert: 'requested', clientCertEvidence: 'CertificateRequest seen' },
  fingerprint: { component: 'kubelet', port: 'api', confidence: 'high', evidence: ['GET /healthz: ok'] },
  routes: [
    route('kubelet.api.pods', '/pods', 'anonymous', 200),
    route('kubelet.api.pods', '/pods', 'kia-admin', 200),
    route('kubelet.api.configz', '/configz', 'anonymous', 401),
    route('kubelet.api.configz', '/configz', 'kia-admin', 200),
    route('kubelet.api.run', '/run/kube-system/kube-proxy-abcde/kube-proxy', 'anonymous', 405, 'POST'),
    route('kubelet.api.run', '/run/kube-system/kube-proxy-abcde/kube-proxy', 'kia-admin', undefined, 'POST'),
    route('kubelet.api.exec', '/exec/kube-system/kube-proxy-abcde/kube-proxy?command=id&output=1', 'kia-admin', 101),
  ],
  // Anonymous read /pods (nodes/proxy at this version): exec inferred; kia-admin ran `id` over the upgrade.
  exec: [
    { identity: 'anonymous', state: 'inferred', path: '/pods' },
    { identity: 'kia-admin', state: 'proven', path: '/exec/kube-system/kube-proxy-abcde/kube-proxy?command=id&output=1' },
  ],
  exposure: 'network',
  errors: [],
};

/** `GET api/cell` for every cell of `state` (the history ring and the audit only where the test has one). */
export function cells(state: MonitorState): Map<string, CellAnswer> {
  const out = new Map<string, CellAnswer>();
  for (const node of state.health?.nodes ?? []) {
    for (const c of node.components) {
      const key = `${node.name}/${c.component}`;
      out.set(key, { health: c, history: state.history[key] ?? [], endpoints: key === 'worker-1/kubelet' ? [WORKER1_KUBELET_AUDIT] : [] });
    }
  }
  return out;
}
