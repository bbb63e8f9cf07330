// CIS 1.2.x: the API server, judged from its flags (/flagz from 1.32, else the node's command line) and, where the
// wire shows it, from its answers (anonymous requests, the profiling handlers).
import type { EndpointObservation } from '../../model/index.ts';
import { setting } from './judge.ts';
import type { CisContext, CisItem, Verdict } from './types.ts';

export const ALL = ['cis-1.10', 'cis-1.11', 'cis-1.12'] as const;
export const FLAGS = 'from 1.32 a credential the API server authorises for /flagz on 6443 (system:masters, or a ClusterRole with nonResourceURLs /flagz), or a hunt on the control-plane node (kia hunt --local) to read its command line';
export const MANIFEST = 'in the kube-apiserver static-pod manifest';

export const secure = (ctx: CisContext): EndpointObservation | undefined => ctx.endpoints.find((e) => e.fingerprint.port === 'secure') ?? ctx.endpoints[0];
const set = (v: unknown) => typeof v === 'string' && v !== '';

/** Pass when every flag is set to a non-empty value. */
export function flagSet(id: string, title: string, flags: readonly string[], remediation: string): CisItem {
  return {
    id, title, component: 'kube-apiserver', benchmarks: ALL, sources: ['flagz', 'cmdline'], needs: FLAGS, remediation,
    judge(ctx) {
      const verdicts = flags.map((f) => setting(ctx, f, set));
      if (verdicts.some((v) => v === undefined)) return undefined;
      const failed = verdicts.find((v) => v?.status === 'fail');
      return failed ?? ({ status: 'pass', source: verdicts[0]?.source ?? 'flagz', detail: verdicts.map((v) => v?.detail).join('; ') } as Verdict);
    },
  };
}

const modes = (v: unknown) => String(v).split(',').map((m) => m.trim());

export const APISERVER_ITEMS: readonly CisItem[] = [
  {
    id: '1.2.1', title: 'The API server refuses anonymous requests', component: 'kube-apiserver', benchmarks: ALL, sources: ['flagz', 'wire', 'cmdline'],
    needs: `${FLAGS}; or any anonymous request to 6443`,
    remediation: `Set --anonymous-auth=false ${MANIFEST} (or, from 1.32, an AuthenticationConfiguration that allows anonymous only on the health paths).`,
    judge(ctx) {
      const fromFlags = setting(ctx, 'anonymous-auth', (v) => v === false);
      if (fromFlags) return fromFlags;
      // Without anonymous authentication every request without credentials is a 401, the health paths too; any other
      // answer (a 200 on /version, a 403 naming system:anonymous) got past authentication.
      const anonymous = secure(ctx)?.routes.filter((r) => r.identity === 'anonymous' && r.status !== undefined) ?? [];
      const through = anonymous.find((r) => r.status === 200 || (r.status === 403 && /system:anonymous/.test(r.bodySample ?? '')));
      if (through) return { status: 'fail', source: 'wire', detail: `anonymous GET ${through.path} answered ${through.status}: it was authenticated as system:anonymous` };
      const refused = anonymous.find((r) => r.status === 401);
      return refused && anonymous.every((r) => r.status === 401) ? { status: 'pass', source: 'wire', detail: `every anonymous request answered 401 (GET ${refused.path} and ${anonymous.length - 1} more): authentication refuses them` } : undefined;
    },
  },
  flagSet('1.2.5', 'The API server verifies the kubelets\' serving certificates', ['kubelet-certificate-authority'], `Set --kubelet-certificate-authority to the CA of the kubelets' serving certificates ${MANIFEST}.`),
  {
    id: '1.2.6', title: 'The API server authorises requests (not AlwaysAllow)', component: 'kube-apiserver', benchmarks: ALL, sources: ['flagz', 'cmdline'], needs: FLAGS,
    remediation: `Set --authorization-mode=Node,RBAC ${MANIFEST}.`,
    judge: (ctx) => setting(ctx, 'authorization-mode', (v) => !modes(v).includes('AlwaysAllow')),
  },
  {
    id: '1.2.7', title: 'The API server uses the Node authorizer', component: 'kube-apiserver', benchmarks: ALL, sources: ['flagz', 'cmdline'], needs: FLAGS,
    remediation: `Include Node in --authorization-mode ${MANIFEST}.`,
    judge: (ctx) => setting(ctx, 'authorization-mode', (v) => modes(v).includes('Node')),
  },
  {
    id: '1.2.8', title: 'The API server uses RBAC', component: 'kube-apiserver', benchmarks: ALL, sources: ['flagz', 'cmdline'], needs: FLAGS,
    remediation: `Include RBAC in --authorization-mode ${MANIFEST}.`,
    judge: (ctx) => setting(ctx, 'authorization-mode', (v) => modes(v).includes('RBAC')),
  },
  {
    id: '1.2.15', title: 'The API server has profiling off', component: 'kube-apiserver', benchmarks: ALL, sources: ['flagz', 'wire', 'cmdline'],
    needs: `${FLAGS}; or a credential the API server authorises for /debug/pprof/`,
    remediation: `Set --profiling=false ${MANIFEST}.`,
    judge(ctx) {
      const fromFlags = setting(ctx, 'profiling', (v) => v === false);
      if (fromFlags) return fromFlags;
      // Authorised callers get the pprof index while profiling is on, and a 404 once it is off.
      const pprof = secure(ctx)?.routes.find((r) => r.path === '/debug/pprof/' && (r.status === 200 || r.status === 404));
      if (!pprof) return undefined;
      return pprof.status === 200 ? { status: 'fail', source: 'wire', detail: `GET /debug/pprof/ as ${pprof.identity} answered 200: the profiling handlers are on` } : { status: 'pass', source: 'wire', detail: `GET /debug/pprof/ as ${pprof.identity} answered 404: no profiling handlers` };
    },
  },
  flagSet('1.2.22', 'The API server verifies service-account tokens with a key of its own', ['service-account-key-file'], `Set --service-account-key-file ${MANIFEST}.`),
  flagSet('1.2.23', 'The API server talks to etcd with a client certificate', ['etcd-certfile', 'etcd-keyfile'], `Set --etcd-certfile and --etcd-keyfile ${MANIFEST}.`),
  flagSet('1.2.24', 'The API server serves a certificate of its own', ['tls-cert-file', 'tls-private-key-file'], `Set --tls-cert-file and --tls-private-key-file ${MANIFEST}.`),
  flagSet('1.2.25', 'The API server verifies client certificates against a CA', ['client-ca-file'], `Set --client-ca-file ${MANIFEST}.`),
  flagSet('1.2.26', 'The API server verifies etcd\'s certificate', ['etcd-cafile'], `Set --etcd-cafile ${MANIFEST}.`),
];
