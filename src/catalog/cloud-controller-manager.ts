// cloud-controller-manager: secure port 10258, served like kube-controller-manager (spec §5: "as KCM").
// kubeadm does not deploy it. Its cloud webhook server (10260) is not catalogued: the spec names it but lists no routes.
import { genericSecureRoutes } from './generic-server.ts';
import type { ComponentEntry, NonResourceAuthz, Route } from './types.ts';

const SERVE = 'kubernetes/kubernetes:staging/src/k8s.io/controller-manager/app/serve.go';
const HEALTHZ = 'kubernetes/kubernetes:staging/src/k8s.io/controller-manager/pkg/healthz/handler.go';
const CONFIGZ = 'kubernetes/kubernetes:staging/src/k8s.io/component-base/configz/configz.go';

const TEXT = 'text/plain; charset=utf-8';
const PROM = 'text/plain; version=0.0.4; charset=utf-8 (Prometheus exposition)';
const PROFILING_FLAG = '--profiling (default true)';

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
    // Exact path only: no sub-paths to follow up on.
    health: { format: 'healthz', verbose: true },
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
  ...genericSecureRoutes('cloud-controller-manager', PROFILING_FLAG, SERVE),
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
