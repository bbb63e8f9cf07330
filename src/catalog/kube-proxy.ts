// kube-proxy: metrics 10249 and healthz 10256 (plain HTTP, no auth), plus the per-Service health-check node ports.
// Grounded in spec §4, §8, §9 items 19-21, §11.
import type { ComponentEntry, Route, RouteParam, VersionRange } from './types.ts';

const SERVER = 'kubernetes/kubernetes:cmd/kube-proxy/app/server.go';
const PROXY_HEALTH = 'kubernetes/kubernetes:pkg/proxy/healthcheck/proxy_health.go';
const SERVICE_HEALTH = 'kubernetes/kubernetes:pkg/proxy/healthcheck/service_health.go';
const HEALTHZ = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/healthz/healthz.go';
const FLAGS = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/flags.go';
const SLIS = 'kubernetes/kubernetes:staging/src/k8s.io/component-base/metrics/prometheus/slis/routes.go';

const TEXT = 'text/plain; charset=utf-8';
const PROM = 'text/plain; version=0.0.4; charset=utf-8; escaping=values (observed on 1.31)';
const PROFILING = 'enableProfiling (KubeProxyConfiguration, default false)';
const ZPAGES: VersionRange = { since: '1.36', note: 'ComponentFlagz/ComponentStatusz alpha (off by default) before 1.36, beta and on by default from 1.36' };
const SLIS_VERSIONS: VersionRange = { since: '1.27', note: 'ComponentSLIs alpha 1.26, beta (on by default) 1.27, GA 1.29' };

type RouteFields = Omit<Route, 'id' | 'source'> & { readonly source?: string };
const r = (id: string, fields: RouteFields): Route => ({ id: `kube-proxy.${id}`, ...fields, source: fields.source ?? SERVER });

const healthQuery: readonly RouteParam[] = [
  { name: 'verbose', description: 'One line per check, then `healthz check passed`.', values: '(presence)' },
  { name: 'exclude', description: 'Skip a check (repeatable).', values: 'ping' },
];

const proxyHealthShape =
  'Current: compact JSON {"lastUpdated":"<RFC3339Nano>","currentTime":"<RFC3339Nano>","nodeEligible":true|false,"healthy":true|false,' +
  '"status":{"IPv4":{"lastUpdated":"...","healthy":true}}} (nodeEligible only on /healthz). ' +
  'Older (observed on 1.28): hand-formatted {"lastUpdated": "<Go time.String()>","currentTime": "<Go time.String()>", "nodeEligible": true} ' +
  'with irregular spaces and the `2006-01-02 15:04:05.999 -0700 MST m=+…` form. Clients must parse both.';

const metricsRoutes: Route[] = [
  r('metrics.healthz', {
    path: '/healthz',
    methods: ['*'],
    query: healthQuery,
    returns: { status: 200, contentType: TEXT, shape: 'ok (ping only)' },
    mode: 'read',
    access: 'open',
    health: { format: 'healthz' },
    source: HEALTHZ,
    description: 'Generic healthz with only the ping check. There is no /livez on 10249 (404): that lives on 10256.',
  }),
  r('metrics.healthz-ping', {
    path: '/healthz/ping',
    methods: ['*'],
    returns: { status: 200, contentType: TEXT, shape: 'ok' },
    mode: 'read',
    access: 'open',
    source: HEALTHZ,
    description: 'The ping check alone.',
  }),
  r('metrics.metrics', {
    path: '/metrics',
    methods: ['*'],
    returns: { status: 200, contentType: PROM, shape: 'Prometheus text (legacy registry)' },
    mode: 'read',
    access: 'open',
    description: 'kube-proxy metrics, no reset handler.',
  }),
  r('metrics.metrics-slis', {
    path: '/metrics/slis',
    methods: ['GET'],
    returns: { status: 200, contentType: PROM, shape: 'kubernetes_healthcheck / kubernetes_healthchecks_total' },
    mode: 'read',
    access: 'open',
    versions: SLIS_VERSIONS,
    source: SLIS,
    description: 'Component SLI health-check metrics.',
  }),
  r('metrics.metrics-slis-reset', {
    path: '/metrics/slis',
    methods: ['DELETE'],
    returns: { status: 200, contentType: TEXT, shape: 'metrics reset\\n' },
    mode: 'act',
    access: 'open',
    versions: SLIS_VERSIONS,
    source: SLIS,
    description: 'Resets the SLI metrics (SLIMetricsWithReset), without any authentication.',
  }),
  r('metrics.proxy-mode', {
    path: '/proxyMode',
    methods: ['*'],
    returns: { status: 200, contentType: TEXT, shape: 'mode name (iptables, ipvs, nftables, kernelspace), no newline, nosniff' },
    mode: 'read',
    access: 'open',
    description: 'The proxy mode in use.',
  }),
  r('metrics.configz', {
    path: '/configz',
    methods: ['*'],
    returns: { status: 200, contentType: 'application/json', shape: '{"kubeproxy.config.k8s.io":{...KubeProxyConfiguration...}}' },
    mode: 'read',
    access: 'open',
    source: 'kubernetes/kubernetes:staging/src/k8s.io/component-base/configz/configz.go',
    description: 'Running configuration, including the kubeconfig path and cluster CIDR.',
  }),
  r('metrics.flagz', {
    path: '/flagz',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'flags as text; Flagz kind negotiated by Accept' },
    mode: 'read',
    access: 'open',
    requires: 'feature gate ComponentFlagz',
    versions: ZPAGES,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/flagz/flagz.go',
    description: 'Command-line flags.',
  }),
  r('metrics.statusz', {
    path: '/statusz',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'status page as text; Statusz kind negotiated by Accept' },
    mode: 'read',
    access: 'open',
    requires: 'feature gate ComponentStatusz',
    versions: ZPAGES,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/statusz/statusz.go',
    description: 'Process status.',
  }),
  r('metrics.debug-pprof', {
    path: '/debug/pprof/*',
    methods: ['GET'],
    pathParams: [{ name: '*', description: 'Profile name.', values: 'profile|symbol|trace|<profile name>' }],
    returns: { status: 200, contentType: 'text/html or application/octet-stream', shape: 'Go pprof index or profile' },
    mode: 'read',
    access: 'open',
    requires: PROFILING,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/profiling.go',
    description: 'Go profiling.',
  }),
  r('metrics.debug-flags', {
    path: '/debug/flags',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'index of settable flags (v)' },
    mode: 'read',
    access: 'open',
    requires: PROFILING,
    source: FLAGS,
    description: 'Index of runtime-settable flags.',
  }),
  r('metrics.debug-flags-v', {
    path: '/debug/flags/v',
    methods: ['PUT'],
    returns: { status: 200, contentType: TEXT, shape: 'successfully set klog.logging.verbosity to <v>\\n; other methods 406 unsupported http method\\n' },
    mode: 'act',
    access: 'open',
    requires: PROFILING,
    source: FLAGS,
    description: 'Sets the klog verbosity from the request body, without any authentication.',
  }),
];

const healthzRoutes: Route[] = [
  r('healthz.healthz', {
    path: '/healthz',
    methods: ['*'],
    returns: { status: 200, contentType: 'application/json', shape: `200 healthy / 503 unhealthy, nosniff. ${proxyHealthShape}` },
    mode: 'read',
    access: 'open',
    health: { format: 'kube-proxy' },
    source: PROXY_HEALTH,
    description:
      'healthy = proxier healthy (no queued update older than healthTimeout = 2 x syncPeriod) AND node eligible (Node known, not deleting, ' +
      'no ToBeDeletedByClusterAutoscaler taint). Cloud load balancers may probe it.',
  }),
  r('healthz.livez', {
    path: '/livez',
    methods: ['*'],
    returns: { status: 200, contentType: 'application/json', shape: `200 / 503, nosniff; same body as /healthz without nodeEligible. ${proxyHealthShape}` },
    mode: 'read',
    access: 'open',
    versions: { since: '1.28', note: 'present on v1.28 (observed, §11); arrived with nodeEligible (KEP-3836), exact first release not confirmed' },
    source: PROXY_HEALTH,
    description: 'Proxier health only; node eligibility ignored.',
  }),
];

const serviceHealthRoutes: Route[] = [
  r('service-health.status', {
    path: '/*',
    methods: ['*'],
    returns: {
      status: 200,
      contentType: 'application/json',
      shape:
        'tab-indented JSON, no trailing newline: {"service":{"namespace":"<ns>","name":"<name>"},"localEndpoints":<n>,"serviceProxyHealthy":<bool>}; ' +
        '200 iff localEndpoints > 0 and the proxy is healthy, else 503; nosniff; X-Load-Balancing-Endpoint-Weight: <localEndpoints>',
    },
    mode: 'read',
    access: 'open',
    source: SERVICE_HEALTH,
    description: 'Any path, any method, on spec.healthCheckNodePort of each type=LoadBalancer, externalTrafficPolicy=Local Service.',
  }),
];

export const kubeProxy: ComponentEntry = {
  id: 'kube-proxy',
  title: 'kube-proxy',
  processNames: ['kube-proxy'],
  versioning: 'kubernetes',
  source: SERVER,
  ports: [
    {
      component: 'kube-proxy',
      name: 'metrics',
      port: 10249,
      scheme: 'http',
      clientCert: 'none',
      title: 'metrics server: metrics, proxyMode, configz, healthz (ping)',
      kubeadmBind: 'loopback',
      upstreamDefaultBind: '127.0.0.1:10249 ([::1]:10249 when bindAddress is IPv6)',
      flags: ['--metrics-bind-address', '--bind-address-hard-fail', '--profiling', '--config'],
      configFields: ['metricsBindAddress', 'bindAddressHardFail', 'enableProfiling'],
      anonymous: { expected: true, detail: 'No authentication or authorization at all; kubeadm leaves it on loopback.' },
      unauthenticated: 'full access: 200 on every route',
      source: SERVER,
      routes: metricsRoutes,
    },
    {
      component: 'kube-proxy',
      name: 'healthz',
      port: 10256,
      scheme: 'http',
      clientCert: 'none',
      title: 'proxier health server: /healthz and /livez (JSON)',
      kubeadmBind: 'all',
      upstreamDefaultBind: '0.0.0.0:10256 ([::]:10256 for IPv6)',
      flags: ['--healthz-bind-address', '--config'],
      configFields: ['healthzBindAddress', 'syncPeriod'],
      anonymous: { expected: true, detail: 'No authentication; an empty healthzBindAddress disables it.' },
      unauthenticated: 'full access: 200 or 503 JSON',
      source: PROXY_HEALTH,
      routes: healthzRoutes,
    },
    {
      component: 'kube-proxy',
      name: 'service-health',
      // No fixed number: one listener per Service on its spec.healthCheckNodePort.
      port: 0,
      scheme: 'http',
      clientCert: 'none',
      title: 'per-Service health-check node ports (spec.healthCheckNodePort, no fixed number)',
      kubeadmBind: 'node-ip',
      upstreamDefaultBind: 'every node IP, or those matching nodePortAddresses',
      flags: ['--nodeport-addresses'],
      configFields: ['nodePortAddresses'],
      anonymous: { expected: true, detail: 'No authentication; exists only for LoadBalancer Services with externalTrafficPolicy Local.' },
      unauthenticated: 'full access: 200 or 503 JSON',
      source: SERVICE_HEALTH,
      routes: serviceHealthRoutes,
    },
  ],
};
