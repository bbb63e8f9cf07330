// CIS 1.2.x and 3.2.1 that the API server's flags decide (/flagz from 1.32, else the node's command line): the static
// token file, the admission plugins that run, the audit log, timeouts, service-account tokens, encryption at rest and
// cipher suites (the last also from what the port accepts on the wire).
import { durationMs } from '../effective-config.ts';
import { admissionPlugins } from './admission-plugins.ts';
import { ALL, FLAGS, MANIFEST, flagSet, secure } from './apiserver.ts';
import { setting, strongSuites } from './judge.ts';
import type { CisContext, CisItem, Verdict } from './types.ts';

const FROM_FLAGS = { component: 'kube-apiserver', benchmarks: ALL, sources: ['flagz', 'cmdline'], needs: FLAGS } as const;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Pass when the plugin runs (`want` true) or does not (`want` false), counting upstream's default-on plugins. */
function plugin(id: string, title: string, name: string, want: boolean, remediation: string): CisItem {
  return {
    ...FROM_FLAGS, id, title, remediation,
    judge(ctx) {
      const enable = ctx.config?.values['enable-admission-plugins'];
      const disable = ctx.config?.values['disable-admission-plugins'];
      if (!enable || !disable) return undefined;
      const set = admissionPlugins(list(enable.value), list(disable.value), ctx.version);
      const runs = set.running.includes(name);
      return { status: runs === want ? 'pass' : 'fail', source: enable.defaulted ? disable.source : enable.source, detail: `${set.said}, from ${enable.from}: ${name} ${runs ? 'runs' : 'does not run'}` };
    },
  };
}

const atLeast = (id: string, title: string, flag: string, min: number, remediation: string): CisItem => ({
  ...FROM_FLAGS, id, title, remediation,
  judge: (ctx) => setting(ctx, flag, (v) => typeof v === 'number' && v >= min, (_v, pass) => (pass ? `at least ${min}` : `under ${min}`)),
});

// The providers the benchmark approves.
const STRONG_PROVIDERS = ['aescbc', 'kms', 'secretbox'];
const unset = (v: unknown) => v === '' || v === undefined || v === null;

/** 1.2.29 on the wire: what the port chose when a TLS 1.2 hello offered it only weak suites. */
function weakSuiteOnWire(ctx: CisContext): Verdict | undefined {
  const weak = secure(ctx)?.tls?.posture?.weakSuite;
  if (typeof weak?.accepted === 'string') return { status: 'fail', source: 'wire', detail: `a TLS 1.2 hello offering only weak suites got ${weak.evidence}: the port accepts ${weak.accepted}` };
  if (weak?.accepted === null) return { status: 'pass', source: 'wire', detail: `a TLS 1.2 hello offering only weak suites was ${weak.evidence.replace(/^.*? refused/, 'refused')}` };
  return undefined;
}

export const APISERVER_FLAG_ITEMS: readonly CisItem[] = [
  {
    ...FROM_FLAGS, id: '1.2.2', title: 'The API server takes no static token file',
    remediation: `Remove --token-auth-file ${MANIFEST}; give people and robots client certificates, OIDC or service-account tokens.`,
    judge: (ctx) => setting(ctx, 'token-auth-file', unset, (_v, pass) => (pass ? 'no static tokens' : 'static bearer tokens that never expire and cannot be revoked without a restart')),
  },
  plugin('1.2.3', 'The API server denies new Service external IPs', 'DenyServiceExternalIPs', true, `Add DenyServiceExternalIPs to --enable-admission-plugins ${MANIFEST}.`),
  flagSet('1.2.4', 'The API server has a client certificate for the kubelets', ['kubelet-client-certificate', 'kubelet-client-key'], `Set --kubelet-client-certificate and --kubelet-client-key ${MANIFEST}.`),
  plugin('1.2.9', 'The API server limits the rate of events', 'EventRateLimit', true, `Add EventRateLimit to --enable-admission-plugins and give its limits in --admission-control-config-file ${MANIFEST}.`),
  plugin('1.2.10', 'The API server does not admit everything (no AlwaysAdmit)', 'AlwaysAdmit', false, `Remove AlwaysAdmit from --enable-admission-plugins ${MANIFEST}.`),
  plugin('1.2.11', 'The API server makes every pod pull its images', 'AlwaysPullImages', true, `Add AlwaysPullImages to --enable-admission-plugins ${MANIFEST}.`),
  plugin('1.2.12', 'The API server keeps the ServiceAccount admission plugin', 'ServiceAccount', true, `Remove ServiceAccount from --disable-admission-plugins ${MANIFEST}.`),
  plugin('1.2.13', 'The API server keeps the NamespaceLifecycle admission plugin', 'NamespaceLifecycle', true, `Remove NamespaceLifecycle from --disable-admission-plugins ${MANIFEST}.`),
  plugin('1.2.14', 'The API server restricts what kubelets may change (NodeRestriction)', 'NodeRestriction', true, `Add NodeRestriction to --enable-admission-plugins ${MANIFEST}.`),
  flagSet('1.2.16', 'The API server writes an audit log', ['audit-log-path'], `Set --audit-log-path ${MANIFEST}.`),
  atLeast('1.2.17', 'The API server keeps audit logs for 30 days or more', 'audit-log-maxage', 30, `Set --audit-log-maxage=30 or more ${MANIFEST}.`),
  atLeast('1.2.18', 'The API server keeps 10 or more rotated audit logs', 'audit-log-maxbackup', 10, `Set --audit-log-maxbackup=10 or more ${MANIFEST}.`),
  atLeast('1.2.19', 'The API server rotates audit logs at 100 MB or more', 'audit-log-maxsize', 100, `Set --audit-log-maxsize=100 or more ${MANIFEST}.`),
  {
    ...FROM_FLAGS, id: '1.2.20', title: 'The API server times requests out',
    remediation: `Leave --request-timeout at its default (1m0s) or set a positive duration that suits slow clients ${MANIFEST}.`,
    // The benchmark asks for a suitable value, not a number: any positive duration is one; 0 sets no deadline.
    judge: (ctx) => setting(ctx, 'request-timeout', (v) => (durationMs(String(v)) ?? 0) > 0, (_v, pass) => (pass ? 'requests have a deadline' : 'requests have no deadline')),
  },
  {
    ...FROM_FLAGS, id: '1.2.21', title: 'The API server checks that a service account still exists for its token',
    remediation: `Leave --service-account-lookup at its default (true) ${MANIFEST}.`,
    judge: (ctx) => setting(ctx, 'service-account-lookup', (v) => v !== false, (_v, pass) => (pass ? 'tokens of deleted service accounts are refused' : 'a deleted service account\'s token still works')),
  },
  flagSet('1.2.27', 'The API server encrypts data at rest', ['encryption-provider-config'], `Write an EncryptionConfiguration and set --encryption-provider-config ${MANIFEST}.`),
  {
    id: '1.2.28', title: 'Encryption at rest uses a strong provider', component: 'kube-apiserver', benchmarks: ALL, sources: ['flagz', 'cmdline', 'file'],
    needs: 'a hunt on the control-plane node (kia hunt --local) to read the file --encryption-provider-config names (its providers are not on the wire)',
    remediation: 'List aescbc, kms or secretbox first for secrets in the EncryptionConfiguration.',
    judge: (ctx) => {
      // The first provider for secrets encrypts new writes: identity first (or none) stores them as they are.
      const providers = setting(ctx, 'encryption-providers', (v) => STRONG_PROVIDERS.includes(list(v)[0] ?? ''), (v, pass) => (pass ? `new secrets are written with ${list(v)[0]}` : 'new secrets are written in plain text'));
      if (providers) return providers;
      // Without a configuration nothing is encrypted: that fails. With one, the provider is in the file: not verified.
      const verdict = setting(ctx, 'encryption-provider-config', (v) => !unset(v), () => 'no encryption configuration: secrets are stored in plain text');
      return verdict?.status === 'fail' ? verdict : undefined;
    },
  },
  {
    id: '1.2.29', title: 'The API server offers only strong TLS cipher suites', component: 'kube-apiserver', benchmarks: ALL, sources: ['flagz', 'wire', 'cmdline'],
    needs: `${FLAGS}; or a TLS handshake with 6443`,
    remediation: `Set --tls-cipher-suites to ECDHE suites with AES-GCM or ChaCha20-Poly1305 only ${MANIFEST}.`,
    judge: (ctx) => strongSuites(ctx, 'tls-cipher-suites', 'tls-min-version') ?? weakSuiteOnWire(ctx),
  },
  {
    ...FROM_FLAGS, id: '1.2.30', title: 'The API server does not extend service-account token lifetimes', benchmarks: ['cis-1.11', 'cis-1.12'],
    remediation: `Set --service-account-extend-token-expiration=false ${MANIFEST}.`,
    judge: (ctx) => setting(ctx, 'service-account-extend-token-expiration', (v) => v === false, (_v, pass) => (pass ? 'tokens live as long as they ask' : 'projected tokens are stretched to a year')),
  },
  flagSet('3.2.1', 'The API server has an audit policy', ['audit-policy-file'], `Write an audit Policy and set --audit-policy-file ${MANIFEST}.`),
];
