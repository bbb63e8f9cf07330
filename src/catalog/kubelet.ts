// kubelet: api 10250 (HTTPS, authn/authz), read-only 10255 (HTTP, no auth), healthz 10248 (HTTP, ping only).
// Grounded in spec §3, §8, §9 items 8-18, §11.
import type { Access, ComponentEntry, KubeletAuthz, Route, RouteParam, VersionRange } from './types.ts';

const SERVER = 'kubernetes/kubernetes:pkg/kubelet/server/server.go';
const KUBELET_APP = 'kubernetes/kubernetes:cmd/kubelet/app/server.go';
const SLIS = 'kubernetes/kubernetes:staging/src/k8s.io/component-base/metrics/prometheus/slis/routes.go';
const STATS = 'kubernetes/kubernetes:pkg/kubelet/server/stats/handler.go';

const TEXT = 'text/plain; charset=utf-8';
const PROM = 'text/plain; version=0.0.4; charset=utf-8 (Prometheus exposition)';
const DEBUG = 'enableDebuggingHandlers (default true)';
const FINE: VersionRange = { since: '1.33', note: 'KubeletFineGrainedAuthz alpha 1.32, on by default 1.33' };
const ZPAGES: VersionRange = { since: '1.36', note: 'ComponentFlagz/ComponentStatusz alpha (off by default) before 1.36, beta and on by default from 1.36' };
const SLIS_VERSIONS: VersionRange = { since: '1.27', note: 'ComponentSLIs alpha 1.26, beta (on by default) 1.27, GA 1.29' };

type Coarse = KubeletAuthz['subresource'];
const authz = (subresource: Coarse, fine?: string): KubeletAuthz =>
  fine ? { resource: 'nodes', subresource, fineGrained: { subresource: fine, versions: FINE } } : { resource: 'nodes', subresource };

const healthQuery: readonly RouteParam[] = [
  { name: 'verbose', description: 'One `[+]<name> ok` line per check, then `healthz check passed`.', values: '(presence)' },
  { name: 'exclude', description: 'Skip a check (repeatable); unknown names add a `warn:` line.', values: 'ping|log|syncloop|<extra>' },
];

const logQuery: readonly RouteParam[] = [
  { name: 'follow', description: 'Keep streaming.', values: 'true|false' },
  { name: 'previous', description: 'Logs of the previous container instance.', values: 'true|false' },
  { name: 'timestamps', description: 'Prefix RFC 3339 timestamps.', values: 'true|false' },
  { name: 'sinceSeconds', description: 'Relative start; with sinceTime too → 422.', values: '<int>' },
  { name: 'sinceTime', description: 'Absolute start.', values: 'RFC3339' },
  { name: 'tailLines', description: 'Last N lines; negative → 422.', values: '<int>' },
  { name: 'limitBytes', description: 'Byte cap; < 1 → 422.', values: '<int>' },
  {
    name: 'stream',
    description: 'Which stream; other than All without the gate → 400.',
    values: 'All|Stdout|Stderr',
    versions: { since: '1.32', note: 'only with feature PodLogsQuerySplitStreams (alpha, off by default)' },
  },
  { name: 'tail', description: 'Legacy: copied to tailLines; `all` means no limit.', values: '<int>|all' },
];

const streamQuery: readonly RouteParam[] = [
  { name: 'input', description: 'Attach stdin (read with FormValue: URL query or POST form).', values: '1' },
  { name: 'output', description: 'Attach stdout.', values: '1' },
  { name: 'error', description: 'Attach stderr (dropped with tty=1).', values: '1' },
  { name: 'tty', description: 'Allocate a TTY.', values: '1' },
];

const execQuery: readonly RouteParam[] = [
  { name: 'command', description: 'One argv element per parameter (repeatable); URL query only.', required: true, values: '<arg>' },
  ...streamQuery,
];

const runQuery: readonly RouteParam[] = [
  { name: 'cmd', description: 'Command line from the URL query, split on single spaces (no quoting).', required: true, values: '<command line>' },
  {
    name: 'cmd',
    description: 'Also accepted as a POST form body field `cmd=...` (go-restful < v3.10); ignored from 1.29 (observed on 1.31: 500 with an empty exec).',
    values: '<command line> (application/x-www-form-urlencoded body)',
    versions: { until: '1.29', note: 'go-restful v3.9.0 in 1.28, v3.11.0 in 1.29 (QueryParameter reads only the URL query)' },
  },
];

const ns = (name: string, description: string): RouteParam => ({ name, description, required: true });
const podPath: readonly RouteParam[] = [ns('namespace', 'Pod namespace.'), ns('pod', 'Pod name.')];
const ctrPath: readonly RouteParam[] = [...podPath, ns('container', 'Container name.')];
const uidCtrPath: readonly RouteParam[] = [...podPath, ns('uid', 'Pod UID (pins the pod).'), ns('container', 'Container name.')];

type RouteFields = Omit<Route, 'id' | 'source'> & { readonly source?: string };

/** `id` is `<port>.<short>`; the source defaults to pkg/kubelet/server/server.go. */
const r = (id: string, fields: RouteFields): Route => ({ id: `kubelet.${id}`, ...fields, source: fields.source ?? SERVER });

/** The "auth not required" set: served on 10250 (behind authn/authz) and on 10255 (open). */
function authFree(port: 'api' | 'read-only'): Route[] {
  const open = port === 'read-only';
  const access: Access = open ? 'open' : 'authz';
  // The read-only port has no authorisation at all, so no attributes.
  const a = (sub: Coarse, fine?: string): { authz?: KubeletAuthz } => (open ? {} : { authz: authz(sub, fine) });
  return [
    r(`${port}.healthz`, {
      path: '/healthz',
      methods: ['*'],
      query: healthQuery,
      returns: { status: 200, contentType: TEXT, shape: 'ok (no newline), nosniff; ?verbose: [+]ping ok [+]log ok [+]syncloop ok healthz check passed; failure 500 with reason withheld' },
      mode: 'read',
      access,
      ...a('proxy', 'healthz'),
      health: { format: 'healthz', verbose: true, checkSubpaths: true },
      description: 'Checks ping, log, syncloop plus container-manager checkers (generic handler: apiserver/pkg/server/healthz/healthz.go).',
    }),
    r(`${port}.healthz-check`, {
      path: '/healthz/{check}',
      methods: ['*'],
      pathParams: [{ name: 'check', description: 'Check name.', required: true, values: 'ping|log|syncloop|<extra>' }],
      returns: { status: 200, contentType: TEXT, shape: 'ok, or 500 internal server error: <err>' },
      mode: 'read',
      access,
      ...a('proxy', 'healthz'),
      description: 'A single check; an unknown name is not routed (404 page not found, without auth).',
    }),
    r(`${port}.pods`, {
      path: '/pods',
      methods: ['GET'],
      returns: { status: 200, contentType: 'application/json', shape: 'v1 PodList {"kind":"PodList","apiVersion":"v1","metadata":{},"items":[full Pods]}' },
      mode: 'read',
      access,
      ...a('proxy', 'pods'),
      description: 'Pods the kubelet intends to run (API pods bound to the node plus static pods), env values included. POST: 405 `405: Method Not Allowed`, Allow: GET.',
    }),
    r(`${port}.stats-summary`, {
      path: '/stats/summary',
      methods: ['GET', 'POST'],
      query: [{ name: 'only_cpu_and_memory', description: 'Restrict to CPU and memory.', values: 'true|false' }],
      returns: { status: 200, contentType: 'application/json', shape: 'Summary API: node and pod CPU, memory, network, filesystem, volumes' },
      mode: 'read',
      access,
      ...a('stats'),
      source: STATS,
      description: 'Summary API; bare /stats answers 301 to /stats/. The cAdvisor JSON /spec and /stats/* were removed in 1.21.',
    }),
    r(`${port}.metrics`, {
      path: '/metrics',
      methods: ['*'],
      returns: { status: 200, contentType: PROM, shape: "kubelet's own Prometheus registry" },
      mode: 'read',
      access,
      ...a('metrics'),
      description: 'Kubelet metrics.',
    }),
    r(`${port}.metrics-cadvisor`, {
      path: '/metrics/cadvisor',
      methods: ['*'],
      returns: { status: 200, contentType: PROM, shape: 'container and machine metrics' },
      mode: 'read',
      access,
      ...a('metrics'),
      description: 'cAdvisor metrics, or CRI stats with PodAndContainerStatsFromCRI.',
    }),
    r(`${port}.metrics-resource`, {
      path: '/metrics/resource',
      methods: ['*'],
      returns: { status: 200, contentType: PROM, shape: 'node/pod/container CPU and memory' },
      mode: 'read',
      access,
      ...a('metrics'),
      description: 'Resource metrics, used by metrics-server.',
    }),
    r(`${port}.metrics-probes`, {
      path: '/metrics/probes',
      methods: ['*'],
      returns: { status: 200, contentType: PROM, shape: 'prober_probe_total, prober_probe_duration_seconds, process_start_time_seconds' },
      mode: 'read',
      access,
      ...a('metrics'),
      description: 'Probe results.',
    }),
    r(`${port}.metrics-slis`, {
      path: '/metrics/slis',
      methods: ['GET'],
      returns: { status: 200, contentType: PROM, shape: 'kubernetes_healthcheck / kubernetes_healthchecks_total' },
      mode: 'read',
      access,
      ...a('metrics'),
      versions: SLIS_VERSIONS,
      source: SLIS,
      description: 'Component SLI health-check metrics.',
    }),
    r(`${port}.metrics-slis-reset`, {
      path: '/metrics/slis',
      methods: ['DELETE'],
      returns: { status: 200, contentType: TEXT, shape: 'metrics reset\\n' },
      mode: 'act',
      access,
      ...a('metrics'),
      versions: SLIS_VERSIONS,
      source: SLIS,
      description: 'Resets the SLI metrics (SLIMetricsWithReset).',
    }),
  ];
}

const checkpointReturns: Route['returns'] = {
  status: 200,
  contentType: 'application/json',
  shape: '{"items":["<archive path>"]}; 404 pod/container does not exist or cannot parse value of timeout parameter; 500 checkpointing of <ns>/<pod>/<c> failed (<err>)',
};
const checkpointQuery: readonly RouteParam[] = [{ name: 'timeout', description: 'Seconds for the runtime.', values: '<int>' }];

const upgrade = 'upgrade (SPDY/3.1 with X-Stream-Protocol-Version, or WebSocket v4/v5.channel.k8s.io)';
const upgradeErrors = 'non-upgrade 500 Upgrade request required; 404 pod does not exist; no common SPDY version 403';

function streams(kind: 'exec' | 'attach'): Route[] {
  const what = kind === 'exec' ? 'Runs a command in a container' : 'Attaches to the main process of a container';
  const base = {
    methods: ['GET', 'POST'],
    query: kind === 'exec' ? execQuery : streamQuery,
    returns: { status: 101, contentType: '', shape: `${upgrade}; ${upgradeErrors}; no stream 400 you must specify at least 1 of stdin, stdout, stderr` },
    mode: 'act' as const,
    access: 'authz' as const,
    authz: authz('proxy'),
    requires: DEBUG,
    streaming: true,
  };
  return [
    r(`api.${kind}`, { ...base, path: `/${kind}/{namespace}/{pod}/{container}`, pathParams: ctrPath, description: `${what}, through the runtime streaming server.` }),
    r(`api.${kind}-uid`, { ...base, path: `/${kind}/{namespace}/{pod}/{uid}/{container}`, pathParams: uidCtrPath, description: `As ${kind}, pinning the pod UID.` }),
  ];
}

function portForward(): Route[] {
  const base = {
    methods: ['GET', 'POST'],
    query: [{ name: 'port', description: 'Pod port (repeatable or comma-separated); required only for WebSocket.', values: '1-65535' }],
    returns: { status: 101, contentType: '', shape: `upgrade to portforward.k8s.io (SPDY; data and error stream per port) or WebSocket channel pairs; ${upgradeErrors}` },
    mode: 'act' as const,
    access: 'authz' as const,
    authz: authz('proxy'),
    requires: DEBUG,
    streaming: true,
  };
  return [
    r('api.port-forward', { ...base, path: '/portForward/{namespace}/{pod}', pathParams: podPath, description: 'Port-forward into the pod network namespace.' }),
    r('api.port-forward-uid', { ...base, path: '/portForward/{namespace}/{pod}/{uid}', pathParams: [...podPath, ns('uid', 'Pod UID.')], description: 'As port-forward, pinning the pod UID (wrong UID: 404 pod not found).' }),
  ];
}

function run(): Route[] {
  const base = {
    methods: ['POST'],
    query: runQuery,
    returns: { status: 200, contentType: 'application/json (the body is raw output)', shape: 'combined stdout+stderr bytes (empty when none); 404 pod does not exist; 500 <error>' },
    mode: 'act' as const,
    access: 'authz' as const,
    authz: authz('proxy'),
    requires: DEBUG,
  };
  return [
    r('api.run', { ...base, path: '/run/{namespace}/{pod}/{container}', pathParams: ctrPath, description: 'Runs a command to completion (CRI ExecSync). GET: 405 `405: Method Not Allowed`, Allow: POST.' }),
    r('api.run-uid', { ...base, path: '/run/{namespace}/{pod}/{uid}/{container}', pathParams: uidCtrPath, description: 'As run, pinning the pod UID.' }),
  ];
}

/** With debugging handlers off (always on 10255) these prefixes answer 405 `Debug endpoints are disabled.` */
const disabled = (short: string, path: string): Route =>
  r(`read-only.disabled-${short}`, {
    path,
    methods: ['*'],
    returns: { status: 405, contentType: TEXT, shape: 'Debug endpoints are disabled.\\n (nosniff)' },
    mode: 'read',
    access: 'open',
    description: 'Debugging handler replaced by a fixed 405 (InstallDebuggingDisabledHandlers); the same on 10250 when enableDebuggingHandlers is false.',
  });

const apiRoutes: Route[] = [
  ...authFree('api'),
  r('api.container-logs', {
    path: '/containerLogs/{namespace}/{pod}/{container}',
    methods: ['GET'],
    pathParams: ctrPath,
    query: logQuery,
    returns: {
      status: 200,
      contentType: '(none set; chunked raw bytes)',
      shape: 'raw log bytes; 400 {"message": "Unable to decode query."}; 422 {"message": "Invalid request."}; 404 pod "<p>" does not exist; 404 container "<c>" not found in pod "<p>"',
    },
    mode: 'read',
    access: 'authz',
    authz: authz('proxy'),
    requires: DEBUG,
    streaming: true,
    description: 'Container logs; what kubectl logs reaches through the apiserver (pod/strategy.go LogLocation).',
  }),
  r('api.logs', {
    path: '/logs/*',
    methods: ['GET'],
    pathParams: [{ name: '*', description: 'File under /var/log; empty for the listing.', values: '<path>' }],
    query: [
      { name: 'query', description: 'Service name or file under /var/log (repeatable, at most 4).', values: '[A-Za-z0-9@_-]+|<file path>', versions: { note: 'needs feature NodeLogQuery (beta, off by default) and enableSystemLogQuery' } },
      { name: 'sinceTime', description: 'Query mode: start.', values: 'RFC3339' },
      { name: 'untilTime', description: 'Query mode: end.', values: 'RFC3339' },
      { name: 'tailLines', description: 'Query mode: last N lines.', values: '0-100000' },
      { name: 'pattern', description: 'Query mode: regex filter.', values: '<regex>' },
      { name: 'boot', description: 'Query mode: boot offset.', values: '<int <= 0>' },
    ],
    returns: { status: 200, contentType: 'text/html (listing) or the file; query mode text/plain;charset=UTF-8', shape: '/var/log listing or file; journalctl / Get-WinEvent output in query mode (406 path not allowed in query mode)' },
    mode: 'read',
    access: 'authz',
    authz: authz('log'),
    requires: `${DEBUG} and enableSystemLogHandler (default true; off: 405 logs endpoint is disabled.)`,
    description: 'Node log files; bare /logs answers 301 to /logs/.',
  }),
  ...run(),
  ...streams('exec'),
  ...streams('attach'),
  ...portForward(),
  r('api.running-pods', {
    path: '/runningpods/',
    methods: ['GET'],
    returns: { status: 200, contentType: 'application/json', shape: 'PodList with only metadata.{name,namespace,uid} and spec.containers[].{name,image}' },
    mode: 'read',
    access: 'authz',
    authz: authz('proxy', 'pods'),
    requires: DEBUG,
    description: 'Pods the container runtime reports; bare /runningpods answers 301; runtime error 500.',
  }),
  r('api.configz', {
    path: '/configz',
    methods: ['*'],
    returns: { status: 200, contentType: 'application/json', shape: '{"kubeletconfig":{...KubeletConfiguration v1beta1 fields...}} (nosniff)' },
    mode: 'read',
    access: 'authz',
    authz: authz('proxy', 'configz'),
    requires: DEBUG,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/component-base/configz/configz.go',
    description: 'Running configuration.',
  }),
  r('api.checkpoint', {
    path: '/checkpoint/{namespace}/{pod}/{container}',
    methods: ['POST'],
    pathParams: ctrPath,
    query: checkpointQuery,
    returns: checkpointReturns,
    mode: 'act',
    access: 'authz',
    authz: authz('checkpoint'),
    requires: 'feature gate ContainerCheckpoint (default on from 1.30); enableDebuggingHandlers once it moved to the auth-required set',
    versions: { since: '1.30', note: 'ContainerCheckpoint alpha (off) 1.25-1.29, beta and on by default from 1.30; observed on 1.31 (GET 405 Allow: POST)' },
    description: 'Forensic container checkpoint (CRI CheckpointContainer); 500 when the runtime lacks checkpointing.',
  }),
  r('api.debug-pprof', {
    path: '/debug/pprof/*',
    methods: ['GET'],
    pathParams: [{ name: '*', description: 'Profile name.', values: 'profile|symbol|cmdline|trace|<profile name>' }],
    returns: { status: 200, contentType: 'text/html or application/octet-stream', shape: 'Go pprof index or profile' },
    mode: 'read',
    access: 'authz',
    authz: authz('proxy'),
    requires: `${DEBUG} and enableProfilingHandler (default true; off: 405 profiling endpoint is disabled.)`,
    description: 'Go profiling; bare /debug/pprof answers 301.',
  }),
  r('api.debug-flags-v', {
    path: '/debug/flags/v',
    methods: ['PUT'],
    returns: { status: 200, contentType: TEXT, shape: 'successfully set klog.logging.verbosity to <v>\\n; other methods 406 unsupported http method\\n; bad value 400' },
    mode: 'act',
    access: 'authz',
    authz: authz('proxy'),
    requires: `${DEBUG} and enableDebugFlagsHandler (default true; off: 405 flags endpoint is disabled.)`,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/flags.go',
    description: 'Sets the klog verbosity from the request body.',
  }),
  r('api.flagz', {
    path: '/flagz',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'flags as text; Flagz kind (config.k8s.io) negotiated by Accept' },
    mode: 'read',
    access: 'authz',
    authz: authz('proxy'),
    requires: `${DEBUG} and feature gate ComponentFlagz`,
    versions: ZPAGES,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/flagz/flagz.go',
    description: 'Kubelet flags (whether it has its own fine-grained subresource is not confirmed).',
  }),
  r('api.statusz', {
    path: '/statusz',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'status page as text; Statusz kind negotiated by Accept' },
    mode: 'read',
    access: 'authz',
    authz: authz('proxy', 'statusz'),
    requires: `${DEBUG} and feature gate ComponentStatusz`,
    versions: ZPAGES,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/statusz/statusz.go',
    description: 'Process status.',
  }),
];

const readOnlyRoutes: Route[] = [
  ...authFree('read-only'),
  r('read-only.checkpoint', {
    path: '/checkpoint/{namespace}/{pod}/{container}',
    methods: ['POST'],
    pathParams: ctrPath,
    query: checkpointQuery,
    returns: checkpointReturns,
    mode: 'act',
    access: 'open',
    requires: 'feature gate ContainerCheckpoint',
    versions: {
      since: '1.30',
      until: '1.33',
      note: 'installed with the default (auth-free) handlers, observed on the 1.31 read-only port (§11); current master has it only in the auth-required set (k/k PR 129354, Dec 2024); the release of the move is not confirmed',
    },
    description: 'Checkpoint without any authentication while it sat in the default handler set.',
  }),
  disabled('run', '/run/*'),
  disabled('exec', '/exec/*'),
  disabled('attach', '/attach/*'),
  disabled('port-forward', '/portForward/*'),
  disabled('container-logs', '/containerLogs/*'),
  disabled('running-pods', '/runningpods/*'),
  disabled('debug-pprof', '/debug/pprof/*'),
  disabled('logs', '/logs/*'),
];

const healthzPortRoutes: Route[] = [
  r('healthz.healthz', {
    path: '/healthz',
    methods: ['*'],
    query: healthQuery,
    returns: { status: 200, contentType: TEXT, shape: 'ok (no newline); ?verbose: [+]ping ok then healthz check passed' },
    mode: 'read',
    access: 'open',
    health: { format: 'healthz', verbose: true },
    source: KUBELET_APP,
    description: 'Bare mux with the generic handler and no checks but ping. kubeadm polls it during init/join.',
  }),
  r('healthz.healthz-ping', {
    path: '/healthz/ping',
    methods: ['*'],
    returns: { status: 200, contentType: TEXT, shape: 'ok' },
    mode: 'read',
    access: 'open',
    source: KUBELET_APP,
    description: 'The ping check alone.',
  }),
];

export const kubelet: ComponentEntry = {
  id: 'kubelet',
  title: 'kubelet',
  processNames: ['kubelet'],
  versioning: 'kubernetes',
  source: KUBELET_APP,
  ports: [
    {
      component: 'kubelet',
      name: 'api',
      port: 10250,
      scheme: 'https',
      clientCert: 'requested',
      title: 'kubelet API (pods, stats, metrics, logs, exec/attach/port-forward, run, checkpoint)',
      kubeadmBind: 'all',
      upstreamDefaultBind: '0.0.0.0',
      flags: ['--address', '--port', '--tls-cert-file', '--tls-private-key-file', '--client-ca-file', '--anonymous-auth', '--authentication-token-webhook', '--authorization-mode', '--config', '--feature-gates'],
      configFields: [
        'address',
        'port',
        'tlsCertFile',
        'tlsPrivateKeyFile',
        'serverTLSBootstrap',
        'authentication.x509.clientCAFile',
        'authentication.anonymous.enabled',
        'authentication.webhook.enabled',
        'authentication.webhook.cacheTTL',
        'authorization.mode',
        'authorization.webhook.cacheAuthorizedTTL',
        'authorization.webhook.cacheUnauthorizedTTL',
        'enableDebuggingHandlers',
        'enableSystemLogHandler',
        'enableSystemLogQuery',
        'enableProfilingHandler',
        'enableDebugFlagsHandler',
        'featureGates',
      ],
      anonymous: {
        expected: false,
        detail:
          'kubeadm: anonymous off, webhook authn (TokenReview) and Webhook authz (SubjectAccessReview). A flags-only kubelet defaults to anonymous on + AlwaysAllow: anyone can do anything.',
      },
      unauthenticated:
        '401 `Unauthorized` (no newline, sniffed text) under every registered root; unknown roots 404 page not found without auth. Denied: 403 ' +
        '`Forbidden (user=<u>, verb=<v>, resource=nodes, subresource=<s>)` up to 1.31, `…subresource(s)=[<s> …])\\n` from 1.32.',
      source: SERVER,
      routes: apiRoutes,
    },
    {
      component: 'kubelet',
      name: 'read-only',
      port: 10255,
      scheme: 'http',
      clientCert: 'none',
      title: 'read-only port: the auth-free set without authentication or authorization',
      kubeadmBind: 'off',
      upstreamDefaultBind: 'off (config-file default readOnlyPort 0); 0.0.0.0:10255 with flags-only legacy defaults',
      flags: ['--read-only-port', '--address'],
      configFields: ['readOnlyPort', 'address'],
      anonymous: { expected: true, detail: 'When enabled: no authentication, no authorization, never 401/403. kubeadm sets readOnlyPort 0 (and warns otherwise).' },
      unauthenticated: 'full access to /healthz, /pods, /stats/summary, /metrics*; debugging paths 405 Debug endpoints are disabled.',
      source: SERVER,
      routes: readOnlyRoutes,
    },
    {
      component: 'kubelet',
      name: 'healthz',
      port: 10248,
      scheme: 'http',
      clientCert: 'none',
      title: 'healthz port: /healthz and /healthz/ping only',
      kubeadmBind: 'loopback',
      upstreamDefaultBind: '127.0.0.1',
      flags: ['--healthz-port', '--healthz-bind-address'],
      configFields: ['healthzPort', 'healthzBindAddress'],
      anonymous: { expected: true, detail: 'Plain HTTP, no auth; port 0 disables it.' },
      unauthenticated: '200 ok',
      source: KUBELET_APP,
      routes: healthzPortRoutes,
    },
  ],
};
