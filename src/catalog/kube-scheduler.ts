// kube-scheduler: secure port 10259 (delegated authn/authz); the insecure 10251 is history.
// Grounded in spec §5, §8, §9 items 22-27, §11.
import { genericSecureRoutes } from './generic-server.ts';
import type { ComponentEntry, NonResourceAuthz, PortEntry, Route, RouteParam, VersionRange } from './types.ts';

const SERVER = 'kubernetes/kubernetes:cmd/kube-scheduler/app/server.go';
const HEALTHZ = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/healthz/healthz.go';
const METRICS = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/metrics.go';
const CONFIGZ = 'kubernetes/kubernetes:staging/src/k8s.io/component-base/configz/configz.go';

const TEXT = 'text/plain; charset=utf-8';
const PROM = 'text/plain; version=0.0.4; charset=utf-8 (Prometheus exposition)';
const PROFILING_FLAG = 'enableProfiling / --profiling (default true)';
const PROBES: VersionRange = {
  since: '1.31',
  note: 'k/k PR 118148 (1.31, which also deprecates /healthz); observed: 404 page not found on 1.28, ok on 1.31 (§11)',
};

type RouteFields = Omit<Route, 'id' | 'source'> & { readonly source?: string };
const r = (id: string, fields: RouteFields): Route => ({ id: `kube-scheduler.${id}`, ...fields, source: fields.source ?? SERVER });
const nr = (nonResourcePath: string): NonResourceAuthz => ({ nonResourcePath });

const healthQuery: readonly RouteParam[] = [
  { name: 'verbose', description: 'One `[+]<name> ok` line per check, then `<endpoint> check passed`.', values: '(presence)' },
  { name: 'exclude', description: 'Skip a check (repeatable).', values: '<check name>' },
];

const healthShape = (kind: string): string => `ok (no newline), nosniff; failure 500 with [-]<name> failed: reason withheld and "${kind} check failed"`;

interface Probe {
  readonly kind: 'healthz' | 'livez' | 'readyz';
  readonly checks: string;
  readonly description: string;
}

function probe({ kind, checks, description }: Probe): Route[] {
  const versions = kind === 'healthz' ? {} : { versions: PROBES };
  return [
    r(`secure.${kind}`, {
      path: `/${kind}`,
      methods: ['*'],
      query: healthQuery,
      returns: { status: 200, contentType: TEXT, shape: healthShape(kind) },
      mode: 'read',
      access: 'always-allow',
      authz: nr(`/${kind}`),
      ...versions,
      health: { format: 'healthz', verbose: true, checkSubpaths: true },
      source: HEALTHZ,
      description,
    }),
    r(`secure.${kind}-check`, {
      path: `/${kind}/{check}`,
      methods: ['*'],
      pathParams: [{ name: 'check', description: 'One check by name.', required: true, values: checks }],
      returns: { status: 200, contentType: TEXT, shape: 'ok; failure 500 internal server error: <err>' },
      mode: 'read',
      access: 'authz',
      authz: nr(`/${kind}/{check}`),
      ...versions,
      source: HEALTHZ,
      description: 'A single check; not an always-allow path (exact match), so anonymous gets 403.',
    }),
  ];
}

const secureRoutes: Route[] = [
  ...probe({
    kind: 'healthz',
    checks: 'leaderElection (with leader election) | ping',
    description:
      'Deprecated in favour of /livez and /readyz (1.31). Always-allow path; kubeadm probes it (liveness, startup) per spec §5.5 ' +
      '(k/k PR 126945 moved kubeadm to /livez and /readyz for the scheduler; not reflected in the spec).',
  }),
  ...probe({ kind: 'livez', checks: 'ping', description: 'Liveness: ping only. Always-allow path.' }),
  ...probe({
    kind: 'readyz',
    checks: 'leaderElection|shutdown|sched-handler-sync (+ informer sync with CoordinatedLeaderElection)',
    description: 'Readiness; ?verbose on 1.31 lists leaderElection, shutdown, sched-handler-sync. Always-allow path.',
  }),
  r('secure.configz', {
    path: '/configz',
    methods: ['*'],
    returns: { status: 200, contentType: 'application/json', shape: '{"componentconfig":{...KubeSchedulerConfiguration...}}' },
    mode: 'read',
    access: 'authz',
    authz: nr('/configz'),
    source: CONFIGZ,
    description: 'Running configuration; anonymous gets 403 JSON Status.',
  }),
  r('secure.metrics', {
    path: '/metrics',
    methods: ['*'],
    returns: { status: 200, contentType: PROM, shape: 'Prometheus text (legacy registry)' },
    mode: 'read',
    access: 'authz',
    authz: nr('/metrics'),
    source: METRICS,
    description: 'Scheduler metrics. DELETE is the separate metrics-reset route.',
  }),
  r('secure.metrics-reset', {
    path: '/metrics',
    methods: ['DELETE'],
    returns: { status: 200, contentType: TEXT, shape: 'metrics reset\\n' },
    mode: 'act',
    access: 'authz',
    authz: nr('/metrics'),
    source: METRICS,
    description: 'Resets the metrics (MetricsWithReset, always installed on the scheduler).',
  }),
  r('secure.metrics-resources', {
    path: '/metrics/resources',
    methods: ['*'],
    returns: { status: 200, contentType: PROM, shape: 'pod resource request/limit metrics; empty body when not the leader' },
    mode: 'read',
    access: 'authz',
    authz: nr('/metrics/resources'),
    description: 'Pod resource metrics.',
  }),
  ...genericSecureRoutes('kube-scheduler', PROFILING_FLAG, SERVER),
];

const REMOVED: VersionRange = {
  until: '1.24',
  note:
    'Insecure --port/--address (10251) deprecated when the secure 10259 arrived (1.12/1.13, PR 69663); kubeadm set --port=0 from 1.19 (PR 92720); ' +
    'from 1.23 --port may only be 0 (PR 96345); flags removed in 1.24; the constant is gone from pkg/cluster/ports/ports.go.',
};

const insecureRoute = (path: '/healthz' | '/metrics' | '/configz', shape: string): Route =>
  r(`insecure.${path.slice(1)}`, {
    path,
    methods: ['*'],
    returns: { status: 200, contentType: path === '/configz' ? 'application/json' : TEXT, shape },
    mode: 'read',
    access: 'open',
    versions: REMOVED,
    description: 'Historical: plain HTTP, no authentication.',
  });

const insecure: PortEntry = {
  component: 'kube-scheduler',
  name: 'insecure',
  port: 10251,
  scheme: 'http',
  clientCert: 'none',
  title: 'removed insecure port (--port/--address)',
  kubeadmBind: 'off',
  upstreamDefaultBind: '0.0.0.0 (--address), until 1.23',
  flags: ['--port', '--address'],
  configFields: ['healthzBindAddress', 'metricsBindAddress'],
  anonymous: { expected: true, detail: 'Plain HTTP without authentication while it existed; kubeadm disabled it with --port=0 from 1.19.' },
  unauthenticated: 'gone: connection refused on current releases',
  versions: REMOVED,
  source: 'kubernetes/kubernetes:pkg/cluster/ports/ports.go',
  routes: [
    insecureRoute('/healthz', 'ok'),
    insecureRoute('/metrics', 'Prometheus text'),
    insecureRoute('/configz', '{"componentconfig":{...}}'),
  ],
};

export const kubeScheduler: ComponentEntry = {
  id: 'kube-scheduler',
  title: 'kube-scheduler',
  processNames: ['kube-scheduler'],
  versioning: 'kubernetes',
  source: SERVER,
  ports: [
    {
      component: 'kube-scheduler',
      name: 'secure',
      port: 10259,
      scheme: 'https',
      clientCert: 'requested',
      title: 'secure serving: healthz/livez/readyz, metrics, configz, debug',
      kubeadmBind: 'loopback',
      upstreamDefaultBind: '0.0.0.0',
      flags: [
        '--secure-port',
        '--bind-address',
        '--tls-cert-file',
        '--tls-private-key-file',
        '--cert-dir',
        '--client-ca-file',
        '--requestheader-client-ca-file',
        '--authentication-kubeconfig',
        '--authorization-kubeconfig',
        '--authorization-always-allow-paths',
        '--profiling',
        '--config',
        '--feature-gates',
      ],
      configFields: ['enableProfiling', 'enableContentionProfiling', 'leaderElection.leaderElect'],
      anonymous: {
        expected: true,
        detail:
          'Anonymous is always on (no flag). system:anonymous passes authorisation only for /healthz, /readyz, /livez (exact); the rest goes to SubjectAccessReview.',
      },
      unauthenticated:
        '200 ok on /healthz, and on /livez and /readyz from 1.31 (404 page not found before); everything else 403 JSON Status ' +
        '`forbidden: User "system:anonymous" cannot get path "<path>"`; a bad credential 401 JSON Status Unauthorized; plain HTTP 400',
      source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/options/serving.go',
      routes: secureRoutes,
    },
  ],
  removedPorts: [insecure],
};
