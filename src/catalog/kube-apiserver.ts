// kube-apiserver: the secure port 6443. Only the non-API paths and the routes through which it reaches kubelets.
// Grounded in spec §6, §8, §9 items 22-27.
import type { Access, ComponentEntry, NonResourceAuthz, Route, RouteParam } from './types.ts';

const CONFIG_SRC = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/config.go';
const HEALTHZ_SRC = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/healthz/healthz.go';
const PROFILING_SRC = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/profiling.go';
const FLAGS_SRC = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/flags.go';
const SLIS_SRC = 'kubernetes/kubernetes:staging/src/k8s.io/component-base/metrics/prometheus/slis/routes.go';
const POD_SUBRESOURCES_SRC = 'kubernetes/kubernetes:pkg/registry/core/pod/rest/subresources.go';
const POD_STRATEGY_SRC = 'kubernetes/kubernetes:pkg/registry/core/pod/strategy.go';

const TEXT = 'text/plain; charset=utf-8';
const PROM = 'text/plain; version=0.0.4; charset=utf-8 (Prometheus exposition)';
const ZPAGES = { since: '1.36', note: 'ComponentFlagz/ComponentStatusz alpha (off by default) from 1.32, beta and on by default from 1.36' };
const SLIS = { since: '1.27', note: 'ComponentSLIs alpha 1.26, beta (on by default) 1.27, GA 1.29' };

const nr = (nonResourcePath: string): NonResourceAuthz => ({ nonResourcePath });

const healthQuery: readonly RouteParam[] = [
  { name: 'verbose', description: 'List every check: `[+]<name> ok`, then `<endpoint> check passed`.', values: '(presence)' },
  { name: 'exclude', description: 'Skip a check (repeatable); excluded checks print `[+]<name> excluded: ok`.', values: '<check name>' },
];

function health(kind: 'healthz' | 'livez' | 'readyz', checks: string): Route[] {
  return [
    {
      id: `kube-apiserver.secure.${kind}`,
      path: `/${kind}`,
      methods: ['*'],
      query: healthQuery,
      returns: {
        status: 200,
        contentType: TEXT,
        shape: `ok (no newline), nosniff; failure 500 with [-]<name> failed: reason withheld lines and "${kind} check failed"`,
      },
      mode: 'read',
      access: 'always-allow',
      authz: nr(`/${kind}`),
      health: { format: 'healthz', verbose: true, checkSubpaths: true },
      source: HEALTHZ_SRC,
      description:
        `Checks: ${checks}. RBAC system:public-info-viewer lets system:anonymous and system:authenticated GET this exact path ` +
        '(other verbs need their own grant). kubeadm probes /livez (liveness, startup) and /readyz (readiness).',
    },
    {
      id: `kube-apiserver.secure.${kind}-check`,
      path: `/${kind}/{check}`,
      methods: ['*'],
      pathParams: [{ name: 'check', description: 'One check by name.', required: true, values: checks }],
      returns: { status: 200, contentType: TEXT, shape: 'ok; failure 500 `internal server error: <err>` (the real error)' },
      mode: 'read',
      access: 'authz',
      authz: nr(`/${kind}/{check}`),
      source: HEALTHZ_SRC,
      description: 'A single check; not covered by system:public-info-viewer (system:monitoring grants health sub-paths).',
    },
  ];
}

const flagsAndZpages = (prefix: string, requires: string): Route[] => [
  {
    id: `${prefix}.debug-pprof`,
    path: '/debug/pprof/*',
    methods: ['GET'],
    pathParams: [{ name: '*', description: 'Profile name; bare /debug/pprof redirects to /debug/pprof/.', values: 'profile|symbol|trace|<profile name>' }],
    returns: { status: 200, contentType: 'text/html or application/octet-stream', shape: 'Go pprof index or profile' },
    mode: 'read',
    access: 'authz',
    authz: nr('/debug/pprof/*'),
    requires,
    source: PROFILING_SRC,
    description: 'Go profiling.',
  },
  {
    id: `${prefix}.debug-flags`,
    path: '/debug/flags',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'index of the flags settable under /debug/flags/ (v)' },
    mode: 'read',
    access: 'authz',
    authz: nr('/debug/flags'),
    requires,
    source: FLAGS_SRC,
    description: 'Index of runtime-settable flags.',
  },
  {
    id: `${prefix}.debug-flags-v`,
    path: '/debug/flags/v',
    methods: ['PUT'],
    returns: { status: 200, contentType: TEXT, shape: 'successfully set klog.logging.verbosity to <v>\\n; other methods 406 unsupported http method\\n; bad value 400' },
    mode: 'act',
    access: 'authz',
    authz: nr('/debug/flags/v'),
    requires,
    source: FLAGS_SRC,
    description: 'Sets the klog verbosity from the request body.',
  },
  {
    id: `${prefix}.flagz`,
    path: '/flagz',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'flag list as text; Flagz kind (config.k8s.io v1alpha1/v1beta1) negotiated by Accept' },
    mode: 'read',
    access: 'authz',
    authz: nr('/flagz'),
    requires: 'feature gate ComponentFlagz',
    versions: ZPAGES,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/flagz/flagz.go',
    description: 'Command-line flags of the running process.',
  },
  {
    id: `${prefix}.statusz`,
    path: '/statusz',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'start time, uptime, Go/binary/emulation versions, useful paths; Statusz kind negotiated by Accept' },
    mode: 'read',
    access: 'authz',
    authz: nr('/statusz'),
    requires: 'feature gate ComponentStatusz',
    versions: ZPAGES,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/statusz/statusz.go',
    description: 'Process status page.',
  },
];

const streamQuery = (extra: readonly RouteParam[]): readonly RouteParam[] => [
  { name: 'container', description: 'Container name (defaults to the only container).', values: '<name>' },
  { name: 'stdin', description: 'Attach stdin; becomes input=1 at the kubelet.', values: 'true|false' },
  { name: 'stdout', description: 'Attach stdout; becomes output=1.', values: 'true|false' },
  { name: 'stderr', description: 'Attach stderr; becomes error=1 (dropped with tty).', values: 'true|false' },
  { name: 'tty', description: 'Allocate a TTY; becomes tty=1.', values: 'true|false' },
  ...extra,
];

const podParams: readonly RouteParam[] = [
  { name: 'namespace', description: 'Pod namespace.', required: true },
  { name: 'pod', description: 'Pod name.', required: true },
];

interface PodStream {
  readonly sub: 'exec' | 'attach' | 'portforward';
  readonly query: readonly RouteParam[];
  readonly kubeletPath: string;
}

const podStream = ({ sub, query, kubeletPath }: PodStream): Route => ({
  id: `kube-apiserver.secure.pod-${sub}`,
  path: `/api/v1/namespaces/{namespace}/pods/{pod}/${sub}`,
  methods: ['GET', 'POST'],
  pathParams: podParams,
  query,
  returns: { status: 101, contentType: '', shape: 'upgrade to SPDY/3.1 or WebSocket (v5.channel.k8s.io translated to SPDY toward the kubelet, 1.30+)' },
  mode: 'act',
  access: 'authz',
  streaming: true,
  source: POD_SUBRESOURCES_SRC,
  description:
    `RBAC: create on pods/${sub} (a WebSocket GET also needs create with AuthorizePodWebsocketUpgradeCreatePermission). ` +
    `Proxied to the kubelet's ${kubeletPath} with the apiserver's kubelet client certificate.`,
});

const logQuery: readonly RouteParam[] = [
  { name: 'container', description: 'Container name.', values: '<name>' },
  { name: 'follow', description: 'Stream new lines.', values: 'true|false' },
  { name: 'previous', description: 'Logs of the previous instance.', values: 'true|false' },
  { name: 'timestamps', description: 'Prefix RFC 3339 timestamps.', values: 'true|false' },
  { name: 'sinceSeconds', description: 'Relative start (exclusive with sinceTime).', values: '<int>' },
  { name: 'sinceTime', description: 'Absolute start.', values: 'RFC3339' },
  { name: 'tailLines', description: 'Last N lines.', values: '<int>' },
  { name: 'limitBytes', description: 'Byte cap.', values: '<int>' },
  { name: 'insecureSkipTLSVerifyBackend', description: 'Apiserver side only: do not verify the kubelet serving certificate.', values: 'true|false' },
  {
    name: 'stream',
    description: 'Which stream; only with feature PodLogsQuerySplitStreams (alpha, off).',
    values: 'All|Stdout|Stderr',
    versions: { since: '1.32', note: 'PodLogsQuerySplitStreams alpha' },
  },
];

const proxyParams: readonly RouteParam[] = [
  { name: 'node', description: 'Node name, optionally `[scheme:]name[:port]`; another port than the kubelet\'s goes out without the kubelet client certificate.', required: true, values: '[scheme:]name[:port]' },
  { name: 'path', description: 'The kubelet path, e.g. pods, metrics/cadvisor, configz.', required: true },
];

const nodeProxy = (write: boolean): Route => {
  const access: Access = 'authz';
  return {
    id: write ? 'kube-apiserver.secure.node-proxy-write' : 'kube-apiserver.secure.node-proxy',
    path: '/api/v1/nodes/{node}/proxy/{path}',
    methods: write ? ['POST', 'PUT', 'PATCH', 'DELETE'] : ['GET', 'HEAD', 'OPTIONS'],
    pathParams: proxyParams,
    returns: { status: 200, contentType: '(the kubelet\'s)', shape: 'the kubelet answer for that path' },
    mode: write ? 'act' : 'read',
    access,
    authz: { resource: 'nodes', subresource: 'proxy' },
    source: 'kubernetes/kubernetes:pkg/registry/core/node/rest/proxy.go',
    description:
      'Node proxy: RBAC on nodes/proxy with the verb from the method; the kubelet then authorises the apiserver\'s identity ' +
      '(kube-apiserver-kubelet-client), not the caller\'s, and its serving certificate is not verified without --kubelet-certificate-authority. ' +
      (write ? 'POST reaches kubelet /run, /exec, /checkpoint.' : 'A GET with a WebSocket upgrade to /exec/... is still an action.'),
  };
};

const routes: Route[] = [
  ...health('healthz', 'ping|log|etcd|poststarthook/<name>|...'),
  ...health('livez', 'ping|log|etcd|poststarthook/<name> (after --livez-grace-period)|...'),
  ...health('readyz', 'ping|log|etcd|etcd-readiness|informer-sync|shutdown|poststarthook/<name>|kms-providers|...'),
  {
    id: 'kube-apiserver.secure.version',
    path: '/version',
    methods: ['GET'],
    returns: {
      status: 200,
      contentType: 'application/json',
      shape: '{major, minor, emulationMajor, emulationMinor, minCompatibilityMajor, minCompatibilityMinor, gitVersion, gitCommit, gitTreeState, buildDate, goVersion, compiler, platform} (emulation fields omitted when empty)',
    },
    mode: 'read',
    access: 'always-allow',
    authz: nr('/version'),
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apimachinery/pkg/version/types.go',
    description: 'Build version; system:public-info-viewer allows GET on /version and /version/.',
  },
  {
    id: 'kube-apiserver.secure.metrics',
    path: '/metrics',
    methods: ['*'],
    returns: { status: 200, contentType: PROM, shape: 'Prometheus text' },
    mode: 'read',
    access: 'authz',
    authz: nr('/metrics'),
    source: CONFIG_SRC,
    description: 'Legacy registry. DELETE is the separate metrics-reset route when --profiling is on.',
  },
  {
    id: 'kube-apiserver.secure.metrics-reset',
    path: '/metrics',
    methods: ['DELETE'],
    returns: { status: 200, contentType: TEXT, shape: 'metrics reset\\n' },
    mode: 'act',
    access: 'authz',
    authz: nr('/metrics'),
    requires: '--profiling (default true)',
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/metrics.go',
    description: 'Resets the metrics (MetricsWithReset).',
  },
  {
    id: 'kube-apiserver.secure.metrics-slis',
    path: '/metrics/slis',
    methods: ['GET'],
    returns: { status: 200, contentType: PROM, shape: 'kubernetes_healthcheck / kubernetes_healthchecks_total' },
    mode: 'read',
    access: 'authz',
    authz: nr('/metrics/slis'),
    versions: SLIS,
    source: SLIS_SRC,
    description: 'Component SLI health-check metrics.',
  },
  {
    id: 'kube-apiserver.secure.metrics-slis-reset',
    path: '/metrics/slis',
    methods: ['DELETE'],
    returns: { status: 200, contentType: TEXT, shape: 'metrics reset\\n' },
    mode: 'act',
    access: 'authz',
    authz: nr('/metrics/slis'),
    requires: '--profiling (default true)',
    versions: SLIS,
    source: SLIS_SRC,
    description: 'Resets the SLI metrics (SLIMetricsWithReset).',
  },
  ...flagsAndZpages('kube-apiserver.secure', '--profiling (default true)'),
  nodeProxy(false),
  nodeProxy(true),
  {
    id: 'kube-apiserver.secure.pod-log',
    path: '/api/v1/namespaces/{namespace}/pods/{pod}/log',
    methods: ['GET'],
    pathParams: podParams,
    query: logQuery,
    returns: { status: 200, contentType: 'text/plain', shape: 'raw log bytes, streamed with follow' },
    mode: 'read',
    access: 'authz',
    streaming: true,
    source: POD_STRATEGY_SRC,
    description: 'RBAC get on pods/log; proxied to the kubelet GET /containerLogs/{namespace}/{pod}/{container} (LogLocation).',
  },
  podStream({
    sub: 'exec',
    query: streamQuery([{ name: 'command', description: 'One argv element per parameter (repeatable).', required: true, values: '<arg>' }]),
    kubeletPath: '/exec/{namespace}/{pod}/{container}?command=...&input=1&output=1&error=1&tty=1',
  }),
  podStream({ sub: 'attach', query: streamQuery([]), kubeletPath: '/attach/{namespace}/{pod}/{container}' }),
  podStream({
    sub: 'portforward',
    query: [{ name: 'ports', description: 'Pod ports (repeatable or comma-separated); required for WebSocket.', values: '1-65535' }],
    kubeletPath: '/portForward/{namespace}/{pod}?port=...',
  }),
];

export const kubeApiserver: ComponentEntry = {
  id: 'kube-apiserver',
  title: 'kube-apiserver',
  processNames: ['kube-apiserver'],
  versioning: 'kubernetes',
  source: CONFIG_SRC,
  ports: [
    {
      component: 'kube-apiserver',
      name: 'secure',
      port: 6443,
      scheme: 'https',
      clientCert: 'requested',
      title: 'the Kubernetes API, its health/version/metrics/debug paths and the proxies to kubelets',
      kubeadmBind: 'all',
      upstreamDefaultBind: '0.0.0.0',
      flags: [
        '--secure-port',
        '--bind-address',
        '--advertise-address',
        '--tls-cert-file',
        '--tls-private-key-file',
        '--tls-min-version',
        '--client-ca-file',
        '--requestheader-client-ca-file',
        '--anonymous-auth',
        '--authentication-config',
        '--authorization-mode',
        '--authorization-config',
        '--profiling',
        '--livez-grace-period',
        '--kubelet-client-certificate',
        '--kubelet-client-key',
        '--kubelet-certificate-authority',
        '--kubelet-preferred-address-types',
        '--feature-gates',
      ],
      configFields: ['AuthenticationConfiguration.anonymous (--authentication-config)', 'AuthorizationConfiguration.authorizers (--authorization-config)'],
      anonymous: {
        expected: true,
        detail:
          'kubeadm leaves --anonymous-auth at true and uses Node,RBAC: system:anonymous may GET exactly /healthz, /livez, /readyz, /version, /version/ (system:public-info-viewer).',
      },
      unauthenticated:
        'system:anonymous: 200 on GET /healthz, /livez, /readyz, /version; 403 JSON Status `forbidden: User "system:anonymous" cannot get path "/metrics"` elsewhere; ' +
        'a bad credential: 401 JSON Status Unauthorized; plain HTTP: 400 `Client sent an HTTP request to an HTTPS server.`',
      source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/options/serving.go',
      routes,
    },
  ],
};
