// Exposure rules for every component: configuration, metrics and profiling readable without credentials on an
// address the hunt reached, and ports kubeadm keeps on loopback answering on the network.
import { getComponent } from '../../catalog/index.ts';
import { answered, type EndpointObservation } from '../../model/index.ts';
import type { Rule } from '../types.ts';
import { anonymousOk, evidence } from '../evidence.ts';

const exposed = (e: EndpointObservation) => e.exposure === 'network' && e.fingerprint.component !== 'unknown';

export const configzAnonymous: Rule = {
  id: 'KIA-ANY-001',
  title: 'Component configuration readable without credentials (/configz)',
  severity: 'high',
  component: 'any',
  mode: 'read',
  rationale: '/configz returns the running configuration: authentication and authorisation modes, file paths to keys and CAs, bind addresses. It maps the attack surface for whoever reads it.',
  remediation: 'Keep the port on 127.0.0.1 (kube-proxy metricsBindAddress: 127.0.0.1:10249) or require credentials (kubelet anonymous authentication off).',
  references: { cis: ['4.2.1'] },
  check(endpoint) {
    const configz = exposed(endpoint) ? anonymousOk(endpoint, '/configz') : undefined;
    return configz ? [{ message: `${endpoint.fingerprint.component} /configz is readable without credentials`, evidence: [evidence(endpoint, configz)] }] : [];
  },
};

export const metricsAnonymous: Rule = {
  id: 'KIA-ANY-002',
  title: 'Metrics readable without credentials on a network address',
  severity: 'medium',
  component: 'any',
  mode: 'read',
  rationale: 'Metrics expose versions, pod and node names, request rates and internal addresses; on a network address anyone can scrape them.',
  remediation: 'Bind metrics to 127.0.0.1 (etcd --listen-metrics-urls=http://127.0.0.1:2381, kube-proxy metricsBindAddress: 127.0.0.1:10249) or require authentication.',
  references: {},
  check(endpoint) {
    const metrics = exposed(endpoint) ? anonymousOk(endpoint, '/metrics') : undefined;
    return metrics && /^# (HELP|TYPE) /m.test(metrics.bodySample ?? '') ? [{ message: `${endpoint.fingerprint.component} /metrics is readable without credentials`, evidence: [evidence(endpoint, metrics)] }] : [];
  },
};

export const pprofAnonymous: Rule = {
  id: 'KIA-ANY-003',
  title: 'Profiling endpoints readable without credentials (/debug/pprof)',
  severity: 'high',
  component: 'any',
  mode: 'read',
  rationale: 'pprof lets anyone take CPU, heap and goroutine profiles (a cheap denial of service) and read the command line.',
  remediation: 'Turn profiling off (--profiling=false, kubelet enableProfilingHandler: false, kube-proxy enableProfiling: false) or require authentication.',
  references: { cis: ['1.2.17', '1.3.2', '1.4.1'] },
  check(endpoint) {
    const index = exposed(endpoint) ? anonymousOk(endpoint, '/debug/pprof/') : undefined;
    return index ? [{ message: `${endpoint.fingerprint.component} /debug/pprof/ is readable without credentials`, evidence: [evidence(endpoint, index)] }] : [];
  },
};

export const loopbackPortExposed: Rule = {
  id: 'KIA-ANY-004',
  title: 'A port kubeadm keeps on loopback answers on the network',
  severity: 'medium',
  component: 'any',
  mode: 'read',
  rationale: 'kubeadm binds health and metrics ports (etcd 2381, kubelet 10248, kube-proxy 10249, controller-manager 10257, scheduler 10259) to 127.0.0.1. Bound to all interfaces, they are reachable by everything on the node network.',
  remediation: 'Bind it to 127.0.0.1: etcd --listen-metrics-urls=http://127.0.0.1:2381, kubelet healthzBindAddress: 127.0.0.1, kube-proxy metricsBindAddress: 127.0.0.1:10249, --bind-address=127.0.0.1 on controller-manager and scheduler.',
  references: { cis: ['1.3.7', '1.4.2'] },
  check(endpoint) {
    const { component, port } = endpoint.fingerprint;
    if (endpoint.exposure !== 'network' || component === 'unknown' || !port) return [];
    const entry = getComponent(component).ports.find((p) => p.name === port);
    if (entry?.kubeadmBind !== 'loopback') return [];
    const first = endpoint.routes.find((r) => r.identity === 'anonymous' && answered(r.outcome));
    return [{ message: `${component} ${port} port ${endpoint.port} answers on ${endpoint.address}; kubeadm binds it to 127.0.0.1`, evidence: first ? [evidence(endpoint, first)] : [] }];
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
  references: { urls: ['https://github.com/kubernetes/kubernetes/pull/96345', 'https://github.com/kubernetes/kubernetes/pull/96216'] },
  check(endpoint) {
    if (endpoint.fingerprint.port !== 'insecure') return [];
    const healthz = anonymousOk(endpoint, '/healthz');
    return healthz ? [{ message: `${endpoint.fingerprint.component} insecure port ${endpoint.port} answers plain HTTP without authentication`, evidence: [evidence(endpoint, healthz)] }] : [];
  },
};
