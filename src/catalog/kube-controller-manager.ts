// kube-controller-manager: secure port 10257 (delegated authn/authz); the insecure 10252 is history.
// Grounded in spec §5, §8, §9 items 22-27, §11.
import { genericSecureRoutes } from './generic-server.ts';
import type { ComponentEntry, NonResourceAuthz, PortEntry, Route, VersionRange } from './types.ts';

const SERVE = 'kubernetes/kubernetes:staging/src/k8s.io/controller-manager/app/serve.go';
const HEALTHZ = 'kubernetes/kubernetes:staging/src/k8s.io/controller-manager/pkg/healthz/handler.go';
const PROFILING = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/profiling.go';
const CONFIGZ = 'kubernetes/kubernetes:staging/src/k8s.io/component-base/configz/configz.go';

const TEXT = 'text/plain; charset=utf-8';
const PROM = 'text/plain; version=0.0.4; charset=utf-8 (Prometheus exposition)';
const PROFILING_FLAG = '--profiling (default true)';

type RouteFields = Omit<Route, 'id' | 'source'> & { readonly source?: string };
const r = (id: string, fields: RouteFields): Route => ({ id: `kube-controller-manager.${id}`, ...fields, source: fields.source ?? SERVE });
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
    // Exact path only: no sub-paths to follow up on.
    health: { format: 'healthz', verbose: true },
    source: HEALTHZ,
    description:
      'Exact path only (/healthz/<check> is not routed: anonymous gets 403, others 404). Checks: leaderElection plus one always-ok check per started ' +
      'controller. Always-allow paths are /healthz,/readyz,/livez since 1.21 (/healthz only up to 1.20); there are no /livez or /readyz ' +
      'handlers, so those answer 404 page not found after authorisation (observed 1.28 and 1.31). kubeadm probes /healthz (liveness, startup).',
  }),
  r('secure.metrics', {
    path: '/metrics',
    methods: ['*'],
    returns: { status: 200, contentType: PROM, shape: 'Prometheus text (legacy registry)' },
    mode: 'read',
    access: 'authz',
    authz: nr('/metrics'),
    description: 'Controller-manager metrics; no reset handler.',
  }),
  r('secure.configz', {
    path: '/configz',
    methods: ['*'],
    returns: { status: 200, contentType: 'application/json', shape: '{"kubecontrollermanager.config.k8s.io":{...}}' },
    mode: 'read',
    access: 'authz',
    authz: nr('/configz'),
    source: CONFIGZ,
    description: 'Running configuration; anonymous gets 403 JSON Status.',
  }),
  ...genericSecureRoutes('kube-controller-manager', PROFILING_FLAG, SERVE),
];

const REMOVED: VersionRange = {
  until: '1.24',
  note:
    'Insecure --port/--address (10252) deprecated when the secure 10257 arrived (1.12/1.13); kubeadm set --port=0 from 1.19 (PR 92720); ' +
    'insecure serving disabled in 1.22 (PR 96216); flags removed in 1.24; the constant is gone from pkg/cluster/ports/ports.go.',
};

const insecureRoutes: Route[] = [
  r('insecure.healthz', {
    path: '/healthz',
    methods: ['*'],
    returns: { status: 200, contentType: TEXT, shape: 'ok' },
    mode: 'read',
    access: 'open',
    versions: REMOVED,
    source: 'kubernetes/kubernetes:cmd/kube-controller-manager/app/controllermanager.go',
    description: 'Historical: plain HTTP, no authentication.',
  }),
  r('insecure.metrics', {
    path: '/metrics',
    methods: ['*'],
    returns: { status: 200, contentType: PROM, shape: 'Prometheus text' },
    mode: 'read',
    access: 'open',
    versions: REMOVED,
    source: 'kubernetes/kubernetes:cmd/kube-controller-manager/app/controllermanager.go',
    description: 'Historical: plain HTTP, no authentication.',
  }),
  r('insecure.configz', {
    path: '/configz',
    methods: ['*'],
    returns: { status: 200, contentType: 'application/json', shape: '{"kubecontrollermanager.config.k8s.io":{...}}' },
    mode: 'read',
    access: 'open',
    versions: REMOVED,
    source: CONFIGZ,
    description: 'Historical: plain HTTP, no authentication.',
  }),
  r('insecure.debug-pprof', {
    path: '/debug/pprof/*',
    methods: ['GET'],
    returns: { status: 200, contentType: 'text/html or application/octet-stream', shape: 'Go pprof' },
    mode: 'read',
    access: 'open',
    requires: PROFILING_FLAG,
    versions: REMOVED,
    source: PROFILING,
    description: 'Historical: plain HTTP, no authentication.',
  }),
];

const insecure: PortEntry = {
  component: 'kube-controller-manager',
  name: 'insecure',
  port: 10252,
  scheme: 'http',
  clientCert: 'none',
  title: 'removed insecure port (--port/--address)',
  kubeadmBind: 'off',
  upstreamDefaultBind: '0.0.0.0 (--address), until 1.22',
  flags: ['--port', '--address'],
  configFields: [],
  anonymous: { expected: true, detail: 'Plain HTTP without authentication while it existed; kubeadm disabled it with --port=0 from 1.19.' },
  unauthenticated: 'gone: connection refused on current releases',
  versions: REMOVED,
  source: 'kubernetes/kubernetes:pkg/cluster/ports/ports.go',
  routes: insecureRoutes,
};

export const kubeControllerManager: ComponentEntry = {
  id: 'kube-controller-manager',
  title: 'kube-controller-manager',
  processNames: ['kube-controller-manager'],
  versioning: 'kubernetes',
  source: 'kubernetes/kubernetes:cmd/kube-controller-manager/app/controllermanager.go',
  ports: [
    {
      component: 'kube-controller-manager',
      name: 'secure',
      port: 10257,
      scheme: 'https',
      clientCert: 'requested',
      title: 'secure serving: healthz, metrics, configz, debug',
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
        '--authentication-token-webhook-cache-ttl',
        '--authorization-webhook-cache-authorized-ttl',
        '--authorization-webhook-cache-unauthorized-ttl',
        '--profiling',
        '--feature-gates',
      ],
      configFields: [],
      anonymous: {
        expected: true,
        detail:
          'Anonymous is always on (no flag). system:anonymous passes authorisation only for the always-allow paths /healthz, /readyz, /livez; ' +
          'system:masters always passes; the rest goes to SubjectAccessReview.',
      },
      unauthenticated:
        '200 ok on /healthz; 404 page not found on /livez and /readyz; everything else 403 JSON Status ' +
        '`forbidden: User "system:anonymous" cannot get path "<path>"`; a bad credential 401 JSON Status Unauthorized; plain HTTP 400',
      source: 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/options/serving.go',
      routes: secureRoutes,
    },
  ],
  removedPorts: [insecure],
};
