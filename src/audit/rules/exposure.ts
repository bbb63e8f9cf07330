// Exposure rules for every component: configuration, metrics and profiling readable without credentials on an
// address the hunt reached, and ports kubeadm keeps on loopback answering on the network.
import { getComponent } from '../../catalog/index.ts';
import type { ComponentId, EndpointObservation } from '../../model/index.ts';
import type { Rule } from '../types.ts';
import { anonymousOk, evidence, provingAnswer, tlsEvidence } from '../evidence.ts';

/** Profiling off, per component: shared by the /debug/pprof index and the command-line rule. */
export const PROFILING_FIX = {
  etcd: 'Leave --enable-pprof off (its default) and require client certificates on the client port (--client-cert-auth=true).',
  kubelet: 'In the KubeletConfiguration set enableProfilingHandler: false, and authentication.anonymous.enabled: false with authorization.mode: Webhook so the debug handlers need a credential.',
  'kube-proxy': 'In the KubeProxyConfiguration set enableProfiling: false, and metricsBindAddress: 127.0.0.1:10249 (the port that serves /debug/pprof).',
  'kube-controller-manager': 'Set --profiling=false on kube-controller-manager.',
  'cloud-controller-manager': 'Set --profiling=false on cloud-controller-manager.',
  'kube-scheduler': 'Set --profiling=false on kube-scheduler (enableProfiling: false in its KubeSchedulerConfiguration).',
  'kube-apiserver': 'Set --profiling=false on kube-apiserver, and grant no get on /debug/* to system:anonymous or system:unauthenticated.',
} as const satisfies Partial<Record<ComponentId, string>>;

const exposed = (e: EndpointObservation) => e.exposure === 'network' && e.fingerprint.component !== 'unknown';

export const configzAnonymous: Rule = {
  id: 'KIA-ANY-001',
  title: 'Component configuration readable without credentials (/configz)',
  severity: 'high',
  component: 'any',
  mode: 'read',
  rationale: '/configz returns the running configuration: authentication and authorisation modes, file paths to keys and CAs, bind addresses. It maps the attack surface for whoever reads it.',
  remediation: 'Require credentials for /configz, or keep the port that serves it on 127.0.0.1: the field depends on the component.',
  remediationFor: {
    kubelet: 'In the KubeletConfiguration set authentication.anonymous.enabled: false and authorization.mode: Webhook (--anonymous-auth=false --authorization-mode=Webhook): /configz then needs a credential authorised for nodes/proxy (nodes/configz from 1.33).',
    'kube-proxy': 'In the KubeProxyConfiguration set metricsBindAddress: 127.0.0.1:10249 (--metrics-bind-address=127.0.0.1:10249): kube-proxy serves /configz without authentication on its metrics port, so keep that port on loopback.',
    'kube-controller-manager': 'Leave /configz out of --authorization-always-allow-paths (default /healthz,/readyz,/livez) and keep --bind-address=127.0.0.1 (kubeadm\'s default).',
    'cloud-controller-manager': 'Leave /configz out of --authorization-always-allow-paths (default /healthz,/readyz,/livez) and keep --bind-address=127.0.0.1.',
    'kube-scheduler': 'Leave /configz out of --authorization-always-allow-paths (default /healthz,/readyz,/livez) and keep --bind-address=127.0.0.1 (kubeadm\'s default).',
  },
  references: { cis: ['4.2.1'] },
  check(endpoint) {
    const configz = exposed(endpoint) ? anonymousOk(endpoint, '/configz') : undefined;
    return configz ? [{ message: `${endpoint.fingerprint.component} /configz is readable without credentials`, evidence: [evidence(endpoint, configz)], route: '/configz' }] : [];
  },
};

export const metricsAnonymous: Rule = {
  id: 'KIA-ANY-002',
  title: 'Metrics readable without credentials on a network address',
  severity: 'medium',
  component: 'any',
  mode: 'read',
  rationale: 'Metrics expose versions, pod and node names, request rates and internal addresses; on a network address anyone can scrape them.',
  remediation: 'Serve metrics on 127.0.0.1 or require authentication: the field depends on the component.',
  remediationFor: {
    etcd: 'Require client certificates on the client port (--client-cert-auth=true, --trusted-ca-file) and scrape metrics from the loopback metrics URL instead (--listen-metrics-urls=http://127.0.0.1:2381, kubeadm\'s default).',
    kubelet: 'In the KubeletConfiguration set authentication.anonymous.enabled: false, authorization.mode: Webhook and readOnlyPort: 0 (--anonymous-auth=false --authorization-mode=Webhook --read-only-port=0); scrape with a token allowed nodes/metrics.',
    'kube-proxy': 'In the KubeProxyConfiguration set metricsBindAddress: 127.0.0.1:10249 (--metrics-bind-address=127.0.0.1:10249).',
    'kube-controller-manager': 'Leave /metrics out of --authorization-always-allow-paths and keep --bind-address=127.0.0.1 (kubeadm\'s default); scrape with a token allowed get on the /metrics non-resource URL.',
    'cloud-controller-manager': 'Leave /metrics out of --authorization-always-allow-paths and keep --bind-address=127.0.0.1; scrape with a token allowed get on the /metrics non-resource URL.',
    'kube-scheduler': 'Leave /metrics out of --authorization-always-allow-paths and keep --bind-address=127.0.0.1 (kubeadm\'s default); scrape with a token allowed get on the /metrics non-resource URL.',
    'kube-apiserver': 'Remove any RBAC grant of get on the /metrics non-resource URL to system:anonymous or system:unauthenticated (a ClusterRoleBinding to one of those groups).',
  },
  references: {},
  check(endpoint) {
    const metrics = exposed(endpoint) ? anonymousOk(endpoint, '/metrics') : undefined;
    return metrics && /^# (HELP|TYPE) /m.test(metrics.bodySample ?? '') ? [{ message: `${endpoint.fingerprint.component} /metrics is readable without credentials`, evidence: [evidence(endpoint, metrics)], route: '/metrics' }] : [];
  },
};

export const pprofAnonymous: Rule = {
  id: 'KIA-ANY-003',
  title: 'Profiling endpoints readable without credentials (/debug/pprof)',
  severity: 'high',
  component: 'any',
  mode: 'read',
  rationale: 'pprof lets anyone take CPU, heap and goroutine profiles (a cheap denial of service) and read the command line.',
  remediation: 'Turn profiling off or require authentication: the field depends on the component.',
  remediationFor: PROFILING_FIX,
  references: { cis: ['1.2.17', '1.3.2', '1.4.1'] },
  check(endpoint) {
    // A real kubelet answers its bare index 404 (its route is /debug/pprof/{subpath:*}) while the handlers under it
    // answer: a readable /debug/pprof/cmdline proves them open where the index does not.
    const open = exposed(endpoint) ? anonymousOk(endpoint, '/debug/pprof/') ?? anonymousOk(endpoint, '/debug/pprof/cmdline') : undefined;
    return open ? [{ message: `${endpoint.fingerprint.component} ${open.path} is readable without credentials`, evidence: [evidence(endpoint, open)], route: open.path }] : [];
  },
};

export const loopbackPortExposed: Rule = {
  id: 'KIA-ANY-004',
  title: 'A port kubeadm keeps on loopback answers on the network',
  severity: 'medium',
  component: 'any',
  mode: 'read',
  rationale: 'kubeadm binds health and metrics ports (etcd 2381, kubelet 10248, kube-proxy 10249, controller-manager 10257, scheduler 10259) to 127.0.0.1. Bound to all interfaces, they are reachable by everything on the node network.',
  remediation: 'Bind it to 127.0.0.1: the field depends on the component.',
  remediationFor: {
    etcd: 'Serve metrics on loopback only: --listen-metrics-urls=http://127.0.0.1:2381 (kubeadm\'s default).',
    kubelet: 'In the KubeletConfiguration set healthzBindAddress: 127.0.0.1 (--healthz-bind-address=127.0.0.1, kubeadm\'s default).',
    'kube-proxy': 'In the KubeProxyConfiguration set metricsBindAddress: 127.0.0.1:10249 (--metrics-bind-address=127.0.0.1:10249, kubeadm\'s default).',
    'kube-controller-manager': 'Set --bind-address=127.0.0.1 (kubeadm\'s default).',
    'cloud-controller-manager': 'Set --bind-address=127.0.0.1.',
    'kube-scheduler': 'Set --bind-address=127.0.0.1 (kubeadm\'s default).',
  },
  references: { cis: ['1.3.7', '1.4.2'] },
  check(endpoint) {
    const { component, port } = endpoint.fingerprint;
    if (endpoint.exposure !== 'network' || component === 'unknown' || !port) return [];
    const entry = getComponent(component).ports.find((p) => p.name === port);
    if (entry?.kubeadmBind !== 'loopback') return [];
    // The evidence is the answer that shows the port serving on this address: a 200 where there is one, not a 404.
    const proof = provingAnswer(endpoint);
    const shown = proof ? evidence(endpoint, proof) : endpoint.tls ? tlsEvidence(endpoint, `TLS handshake completed (${endpoint.tls.protocol ?? 'no protocol'})`) : undefined;
    return [{ message: `${component} ${port} port ${endpoint.port} answers on ${endpoint.address}; kubeadm binds it to 127.0.0.1`, evidence: shown ? [shown] : [] }];
  },
};

export const removedInsecurePort: Rule = {
  id: 'KIA-LEGACY-001',
  title: 'Removed insecure port answering (10251/10252)',
  severity: 'high',
  component: 'any',
  mode: 'read',
  rationale: 'kube-scheduler 10251 and kube-controller-manager 10252 served plain HTTP without any authentication; they were disabled in 1.22/1.23 and removed in 1.24. A node still answering there runs an unsupported release or an old flag.',
  remediation: 'Upgrade, and remove --port/--address (or set --port=0) from kube-scheduler and kube-controller-manager.',
  remediationFor: {
    'kube-scheduler': 'Set --port=0 on kube-scheduler (or remove --port and --address), then upgrade: 10251 is gone from 1.24.',
    'kube-controller-manager': 'Set --port=0 on kube-controller-manager (or remove --port and --address), then upgrade: 10252 is gone from 1.24.',
  },
  references: { urls: ['https://github.com/kubernetes/kubernetes/pull/96345', 'https://github.com/kubernetes/kubernetes/pull/96216'] },
  check(endpoint) {
    if (endpoint.fingerprint.port !== 'insecure') return [];
    const healthz = anonymousOk(endpoint, '/healthz');
    return healthz ? [{ message: `${endpoint.fingerprint.component} insecure port ${endpoint.port} answers plain HTTP without authentication`, evidence: [evidence(endpoint, healthz)], route: '/healthz' }] : [];
  },
};
