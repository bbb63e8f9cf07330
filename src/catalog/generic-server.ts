// The routes every k8s.io/apiserver-based secure server installs the same way (kube-controller-manager,
// cloud-controller-manager, kube-scheduler): SLIs, profiling, flags, flagz and statusz. One definition, three users.
import type { NonResourceAuthz, Route, VersionRange } from './types.ts';

const PROFILING = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/profiling.go';
const FLAGS = 'kubernetes/kubernetes:staging/src/k8s.io/apiserver/pkg/server/routes/flags.go';
const SLIS = 'kubernetes/kubernetes:staging/src/k8s.io/component-base/metrics/prometheus/slis/routes.go';
const TEXT = 'text/plain; charset=utf-8';
const PROM = 'text/plain; version=0.0.4; charset=utf-8 (Prometheus exposition)';
const ZPAGES: VersionRange = { since: '1.36', note: 'ComponentFlagz/ComponentStatusz alpha (off by default) before 1.36, beta and on by default from 1.36' };
const SLIS_VERSIONS: VersionRange = { since: '1.27', note: 'ComponentSLIs alpha 1.26, beta (on by default) 1.27, GA 1.29' };
const nr = (nonResourcePath: string): NonResourceAuthz => ({ nonResourcePath });

/** The shared routes of a delegated-auth component's secure port, with ids `<component>.secure.<name>`. */
export function genericSecureRoutes(component: string, profilingFlag: string, defaultSource: string): Route[] {
  type RouteFields = Omit<Route, 'id' | 'source'> & { readonly source?: string };
  const r = (id: string, fields: RouteFields): Route => ({ id: `${component}.${id}`, ...fields, source: fields.source ?? defaultSource });
  const PROFILING_FLAG = profilingFlag;
  return [
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
}
