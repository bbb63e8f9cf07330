// kubelet rules: anonymous access, the read-only port, command-line leaks, self-generated serving certificates,
// and what a nodes/proxy grant really allows.
import type { Rule } from '../types.ts';
import { anonymousReadable, answers, anonymousOk, evidence, execEvidence, tlsEvidence } from '../evidence.ts';
import { execProof, isKubeletApi, kubeletMinor, partialNodesProxyGrants, provenExec } from '../exec-access.ts';
import { PROFILING_FIX } from './exposure.ts';

export const kubeletAnonymousAlwaysAllow: Rule = {
  id: 'KIA-KUBELET-001',
  title: 'kubelet API open to anonymous callers (anonymous authentication with AlwaysAllow)',
  severity: 'critical',
  component: 'kubelet',
  mode: 'read',
  rationale: 'Anyone who reaches port 10250 can list pods, read logs and run commands in every container on the node: the kubelet authenticates nobody and authorises everything.',
  remediation: 'In the KubeletConfiguration set authentication.anonymous.enabled: false and authorization.mode: Webhook (flags --anonymous-auth=false --authorization-mode=Webhook), with authentication.x509.clientCAFile set to the cluster CA.',
  references: { cis: ['4.2.1', '4.2.2'], khv: 'KHV036', urls: ['https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/'] },
  check(endpoint) {
    if (!isKubeletApi(endpoint)) return [];
    // Counted from the access matrix: every route anonymous read, as the report shows them.
    const open = anonymousReadable(endpoint);
    const shown = open.find((r) => r.path === '/pods') ?? open[0];
    if (!shown) return [];
    const count = `${open.length} kubelet route${open.length === 1 ? '' : 's'}`;
    return [{ message: `anonymous callers got 200 on ${count}: ${open.map((r) => r.path).join(', ')}`, evidence: [evidence(endpoint, shown)] }];
  },
};

export const kubeletAnonymousAuthn: Rule = {
  id: 'KIA-KUBELET-002',
  title: 'kubelet accepts anonymous requests (authorisation through the API server)',
  severity: 'medium',
  component: 'kubelet',
  mode: 'read',
  rationale: 'Anonymous authentication is on: requests without credentials reach the authorizer as system:anonymous. Webhook authorisation refuses them today (403), but a single RBAC grant to system:anonymous or system:unauthenticated on nodes/proxy opens the node.',
  remediation: 'Set authentication.anonymous.enabled: false in the KubeletConfiguration (--anonymous-auth=false); kubeadm does this by default.',
  references: { cis: ['4.2.1'], khv: 'KHV036' },
  check(endpoint) {
    if (!isKubeletApi(endpoint)) return [];
    const pods = answers(endpoint, '/pods');
    if (pods?.status === 403 && (pods.bodySample ?? '').startsWith('Forbidden (user=system:anonymous')) return [{ message: 'anonymous GET /pods is authenticated as system:anonymous and refused by the authorizer (403), not by authentication (401)', evidence: [evidence(endpoint, pods)] }];
    return [];
  },
};

export const kubeletReadOnlyPort: Rule = {
  id: 'KIA-KUBELET-003',
  title: 'kubelet read-only port open',
  severity: 'high',
  component: 'kubelet',
  mode: 'read',
  rationale: 'The read-only port (10255) serves pods, node stats and metrics over plain HTTP with no authentication at all.',
  remediation: 'Set readOnlyPort: 0 in the KubeletConfiguration (--read-only-port=0).',
  references: { cis: ['4.2.4'], khv: 'KHV052' },
  check(endpoint) {
    if (endpoint.fingerprint.component !== 'kubelet' || endpoint.fingerprint.port !== 'read-only') return [];
    const pods = anonymousOk(endpoint, '/pods');
    return pods ? [{ message: 'the read-only port serves /pods without authentication', evidence: [evidence(endpoint, pods)], route: '/pods' }] : [];
  },
};

export const kubeletCmdline: Rule = {
  id: 'KIA-ANY-005',
  title: 'Component command line readable without credentials (/debug/pprof/cmdline)',
  severity: 'high',
  component: 'any',
  mode: 'read',
  rationale: 'The profiling endpoints leak the process command line (paths to keys and kubeconfigs, flags) and let anyone take CPU and heap profiles.',
  remediation: 'Require authentication and turn profiling off where it is not needed: the field depends on the component.',
  remediationFor: PROFILING_FIX,
  references: { cis: ['1.3.2', '1.4.1'], khv: 'KHV046' },
  check(endpoint) {
    const cmdline = anonymousOk(endpoint, '/debug/pprof/cmdline');
    return cmdline ? [{ message: `anonymous GET /debug/pprof/cmdline returns the ${endpoint.fingerprint.component} command line`, evidence: [evidence(endpoint, cmdline)], route: '/debug/pprof/cmdline' }] : [];
  },
};

export const kubeletSelfSignedCert: Rule = {
  id: 'KIA-KUBELET-005',
  title: 'kubelet serves a self-generated certificate',
  severity: 'low',
  component: 'kubelet',
  mode: 'read',
  rationale: 'Without tlsCertFile or serverTLSBootstrap the kubelet signs its own serving certificate with its own CA: the API server cannot verify it (kubeadm sets no --kubelet-certificate-authority), so a machine in the middle can impersonate the kubelet.',
  remediation: 'Set serverTLSBootstrap: true in the KubeletConfiguration and approve the serving CSRs, or set tlsCertFile/tlsPrivateKeyFile to a certificate from the cluster CA; then give the API server --kubelet-certificate-authority.',
  references: { cis: ['4.2.10'] },
  check(endpoint) {
    if (!isKubeletApi(endpoint) || !endpoint.tls) return [];
    const leaf = endpoint.tls.chain[0];
    if (!leaf) return [];
    const selfGenerated = /CN=[^,]+@\d+/.test(leaf.subject) && /CN=[^,]+-ca@\d+/.test(leaf.issuer);
    return selfGenerated ? [{ message: `serving certificate ${leaf.subject} issued by its own CA ${leaf.issuer}`, evidence: [tlsEvidence(endpoint, `subject: ${leaf.subject}\nissuer: ${leaf.issuer}\nSAN: ${[...leaf.dnsNames, ...leaf.ipAddresses].join(', ')}`)] }] : [];
  },
};

export const kubeletRunActive: Rule = {
  id: 'KIA-KUBELET-006',
  title: 'Commands run in containers through the kubelet /run endpoint',
  severity: 'critical',
  component: 'kubelet',
  mode: 'act',
  rationale: 'With --active, kia ran `id` in a container through /run: the identity used can execute anything in every pod of the node.',
  remediation: 'Turn anonymous authentication off and authorise through the API server (authorization.mode: Webhook); grant nodes/proxy only to the API server\'s kubelet client identity.',
  references: { cis: ['4.2.1', '4.2.2'], khv: 'KHV040' },
  check(endpoint) {
    const run = endpoint.routes.find((r) => r.route === 'kubelet.api.run' && r.status === 200 && /uid=/.test(r.bodySample ?? ''));
    return run ? [{ message: `POST ${run.path.split('?')[0]} ran id as ${run.identity}`, evidence: [evidence(endpoint, run)] }] : [];
  },
};

export const kubeletNodesProxyExec: Rule = {
  id: 'KIA-KUBELET-007',
  title: 'An identity that may get nodes/proxy can exec, attach and port-forward in every container',
  severity: 'medium',
  component: 'kubelet',
  mode: 'read',
  rationale: 'The kubelet authorises a request with the verb of its HTTP method. A WebSocket upgrade to /exec, /attach or /portForward starts as an HTTP GET, so it is checked as get on nodes/proxy: an identity granted only that (the usual grant for a monitoring job scraping through the node proxy) can run any command in every container on the node. Upstream documented this rather than changing it. kia infers the grant passively, from a 200 on a read route that needs nodes/proxy at the kubelet\'s version, without touching an acting route; only with --active does it prove it, by running a harmless `id` over that WebSocket upgrade (GET /exec/…?command=id&output=1) as each identity named, and the finding quotes what `id` printed. The finding is medium: the identity is a credential someone was given, not an open door. Only identities the kubelet refuses somewhere are named (a partial grant); one refused nothing is an administrator, who holds exec by design. Anonymous callers are left to KIA-KUBELET-001 (critical), which already says they can run commands.',
  remediation: 'Grant the least-privilege subresources each job needs instead of nodes/proxy: nodes/metrics (/metrics, /metrics/cadvisor, /metrics/resource, /metrics/probes, /metrics/slis), nodes/stats (/stats/summary), nodes/log (/logs/), and from 1.33 (KubeletFineGrainedAuthz) nodes/pods (/pods, /runningpods/), nodes/healthz (/healthz), nodes/configz (/configz) and nodes/statusz (/statusz). Keep get nodes/proxy for the API server\'s kubelet client only.',
  references: { urls: ['https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/', 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/'] },
  check(endpoint, ctx) {
    const shown = partialNodesProxyGrants(endpoint, ctx.sameHost);
    if (shown.length === 0) return [];
    const minor = kubeletMinor(endpoint, ctx.sameHost);
    const at = minor ? `at ${minor}` : 'at any version';
    const who = shown.map((r) => `${r.identity} (GET ${r.path})`).join(', ');
    // With --active the inference was put to the test, per identity: what `id` printed over the upgrade, or what
    // kept it from running (a kubelet that refuses the upgrade says so here rather than being silently believed).
    const proofs = shown.flatMap((r) => {
      const proof = execProof(endpoint, r.identity);
      return proof ? [proof] : [];
    });
    const said = proofs.map((p) => {
      if (provenExec(p)) return `${p.identity} proven with --active: ${(p.bodySample ?? '').trim()}`;
      const why = p.status !== undefined ? `HTTP ${p.status}` : `${p.outcome}${p.detail ? ` (${p.detail})` : ''}`;
      return `${p.identity} not proven with --active: ${why}`;
    });
    const message = `${who} got 200 on a route that needs get nodes/proxy ${at}: each can exec, attach and port-forward in every container on the node (a WebSocket upgrade is a GET)${said.length ? `; ${said.join('; ')}` : ''}`;
    return [{ message, evidence: [...shown.map((r) => evidence(endpoint, r)), ...proofs.map((p) => execEvidence(endpoint, p))] }];
  },
};
