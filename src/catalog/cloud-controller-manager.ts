// cloud-controller-manager: secure port 10258, served like kube-controller-manager (spec §5: "as KCM").
// kubeadm does not deploy it. Its cloud webhook server (10260) is not catalogued: the spec names it but lists no routes.
import type { ComponentEntry, NonResourceAuthz, Route, VersionRange } from './types.ts';

const SERVE = 'kubernetes/kubernetes:staging/src/k8s.io/controller-manager/app/serve.go';
const HEALTHZ = 'kubernetes/kubernetes:staging/src/k8s.io/controller-manager/pkg/healthz/handler.go';
const PROFILING = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/profiling.go';
const FLAGS = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/flags.go';
const SLIS = 'kubernetes/kubernetes:staging/src/k8s.io/component-base/metrics/prometheus/slis/routes.go';
const CONFIGZ = 'kubernetes/kubernetes:staging/src/k8s.io/component-base/configz/configz.go';

const TEXT = 'text/plain; charset=utf-8';
const PROM = 'text/plain; version=0.0.4; charset=utf-8 (Prometheus exposition)';
const PROFILING_FLAG = '--profiling (default true)';
const ZPAGES: VersionRange = { since: '1.36', note: 'ComponentFlagz/ComponentStatusz alpha (off by default) before 1.36, beta and on by default from 1.36' };
const SLIS_VERSIONS: VersionRange = { since: '1.27', note: 'ComponentSLIs alpha 1.26, beta (on by default) 1.27, GA 1.29' };

type RouteFields = Omit<Route, 'id' | 'source'> & { readonly source?: string };
const r = (id: string, fields: RouteFields): Route => ({ id: `cloud-controller-manager.${id}`, ...fields, source: fields.source ?? SERVE });
const nr = (nonResourcePath: string): NonResourceAuthz => ({ nonResourcePath });

const secureRoutes: Route[] = [
  r('secure.healthz', {
    path: '/healthz',
    methods: ['*'],
    query: [
      { name: 'verbose', description: 'One `[+]<name> ok` line per check, then `healthz check passed`.', values: '(presence)' },
      { name: 'exclude', description: 'Skip a check (repeatable).', values: 'leaderElection|<controller name>' },
    ],
    returns: { status: 200, contentType: TEXT, shape: 'ok (no newline), nosniff; failure 500 with [-]<name> failed: reason withheld and healthz check failed' },
    mode: 'read',
    access: 'always-allow',
    authz: nr('/healthz'),
    source: HEALTHZ,
    description:
      'As kube-controller-manager: exact path only; leaderElection plus one check per started cloud controller. Always-allow paths ' +
      '/healthz,/readyz,/livez since 1.21 (/healthz only up to 1.20); no /livez or /readyz handlers (404 page not found after authorisation).',
  }),
  r('secure.metrics', {
    path: '/metrics',
    methods: ['*'],
    returns: { status: 200, contentType: PROM, shape: 'Prometheus text (legacy registry)' },
    mode: 'read',
    access: 'authz',
    authz: nr('/metrics'),
    description: 'Cloud-controller-manager metrics; no reset handler.',
  }),
  r('secure.metrics-slis', {
    path: '/metrics/slis',
    methods: ['GET'],
    returns: { status: 200, contentType: PROM, shape: 'kubernetes_healthcheck / kubernetes_healthchecks_total' },
    mode: 'read',
    access: 'authz',
    authz: nr('/metrics/slis'),
    versions: SLIS_VERSIONS,
    source: SLIS,
    description: 'Component SLI health-check metrics.',
  }),
  r('secure.metrics-slis-reset', {
    path: '/metrics/slis',
    methods: ['DELETE'],
    returns: { status: 200, contentType: TEXT, shape: 'metrics reset\\n' },
    mode: 'act',
    access: 'authz',
    authz: nr('/metrics/slis'),
    versions: SLIS_VERSIONS,
    source: SLIS,
    description: 'Resets the SLI metrics.',
  }),
  r('secure.configz', {
    path: '/configz',
    methods: ['*'],
    returns: { status: 200, contentType: 'application/json', shape: '{"cloudcontrollermanager.config.k8s.io":{...}}' },
    mode: 'read',
    access: 'authz',
    authz: nr('/configz'),
    source: CONFIGZ,
    description: 'Running configuration; anonymous gets 403 JSON Status.',
  }),
  r('secure.debug-pprof', {
    path: '/debug/pprof/*',
    methods: ['GET'],
    pathParams: [{ name: '*', description: 'Profile name; bare /debug/pprof redirects.', values: 'profile|symbol|trace|<profile name>' }],
    returns: { status: 200, contentType: 'text/html or application/octet-stream', shape: 'Go pprof index or profile' },
    mode: 'read',
    access: 'authz',
    authz: nr('/debug/pprof/*'),
    requires: PROFILING_FLAG,
    source: PROFILING,
    description: 'Go profiling.',
  }),
  r('secure.debug-flags', {
    path: '/debug/flags',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'index of settable flags (v)' },
    mode: 'read',
    access: 'authz',
    authz: nr('/debug/flags'),
    requires: PROFILING_FLAG,
    source: FLAGS,
    description: 'Index of runtime-settable flags.',
  }),
  r('secure.debug-flags-v', {
    path: '/debug/flags/v',
    methods: ['PUT'],
    returns: { status: 200, contentType: TEXT, shape: 'successfully set klog.logging.verbosity to <v>\\n; other methods 406 unsupported http method\\n' },
    mode: 'act',
    access: 'authz',
    authz: nr('/debug/flags/v'),
    requires: PROFILING_FLAG,
    source: FLAGS,
    description: 'Sets the klog verbosity from the request body.',
  }),
  r('secure.flagz', {
    path: '/flagz',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'flags as text; Flagz kind negotiated by Accept' },
    mode: 'read',
    access: 'authz',
    authz: nr('/flagz'),
    requires: 'feature gate ComponentFlagz',
    versions: ZPAGES,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/flagz/flagz.go',
    description: 'Command-line flags.',
  }),
  r('secure.statusz', {
    path: '/statusz',
    methods: ['GET'],
    returns: { status: 200, contentType: TEXT, shape: 'status page as text; Statusz kind negotiated by Accept' },
    mode: 'read',
    access: 'authz',
    authz: nr('/statusz'),
    requires: 'feature gate ComponentStatusz',
    versions: ZPAGES,
    source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/statusz/statusz.go',
    description: 'Process status.',
  }),
];

export const cloudControllerManager: ComponentEntry = {
  id: 'cloud-controller-manager',
  title: 'cloud-controller-manager',
  processNames: ['cloud-controller-manager'],
  versioning: 'kubernetes',
  source: 'kubernetes/kubernetes:staging/src/k8s.io/cloud-provider/app/controllermanager.go',
  ports: [
    {
      component: 'cloud-controller-manager',
      name: 'secure',
      port: 10258,
      scheme: 'https',
      clientCert: 'requested',
      title: 'secure serving: healthz, metrics, configz, debug (the cloud webhook server on 10260 is separate)',
      kubeadmBind: 'not-deployed',
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
        '--feature-gates',
      ],
      configFields: [],
      anonymous: {
        expected: true,
        detail: 'As kube-controller-manager: anonymous always on; always-allow paths /healthz, /readyz, /livez; the rest by SubjectAccessReview.',
      },
      unauthenticated:
        '200 ok on /healthz; 404 page not found on /livez and /readyz; everything else 403 JSON Status ' +
        '`forbidden: User "system:anonymous" cannot get path "<path>"`; a bad credential 401 JSON Status Unauthorized',
      source: 'kubernetes/kubernetes:staging/src/k8s.io/cloud-provider/options/options.go',
      routes: secureRoutes,
    },
  ],
};
