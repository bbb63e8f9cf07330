// TLS posture rules: old protocol versions and weak suites a port still agrees to, a certificate whose names do not
// cover where it was reached, and a kubelet certificate the cluster CA did not issue, read with what the API server
// does about it (--kubelet-certificate-authority, CIS 1.2.5).
import type { EndpointObservation, Evidence } from '../../model/index.ts';
import type { AuditContext, Rule } from '../types.ts';
import { tlsEvidence } from '../evidence.ts';

// Written with spaces so a report can wrap it; the flag takes the names joined by commas alone.
const STRONG = 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305';
const MANIFEST = 'in /etc/kubernetes/manifests';

function hostPort(endpoint: EndpointObservation): string {
  return `${endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address}:${endpoint.port}`;
}

// A port kia could not call a Kubernetes component is none of its business (another service on the host).
const isComponent = (endpoint: EndpointObservation) => endpoint.fingerprint.component !== 'unknown';

function offerEvidence(endpoint: EndpointObservation, options: string, response: string): Evidence {
  return { request: `openssl s_client -connect ${hostPort(endpoint)} ${options} </dev/null`, response };
}

export const tlsLegacyVersion: Rule = {
  id: 'KIA-TLS-003',
  title: 'Port accepts TLS 1.0 or 1.1',
  severity: 'medium',
  component: 'any',
  mode: 'read',
  rationale: 'TLS 1.0 and 1.1 have only CBC and RC4 suites and SHA-1 in the handshake (BEAST, POODLE-style padding attacks); every client Kubernetes ships speaks TLS 1.2. Kubernetes and etcd refuse them unless --tls-min-version was lowered.',
  remediation: 'Raise the minimum TLS version to 1.2: how depends on the component.',
  remediationFor: {
    kubelet: 'Set tlsMinVersion: VersionTLS12 in the KubeletConfiguration (--tls-min-version=VersionTLS12), or leave it out (TLS 1.2 is the default), and restart the kubelet.',
    'kube-apiserver': `Set --tls-min-version=VersionTLS12 (or remove the flag: TLS 1.2 is the default) ${MANIFEST}/kube-apiserver.yaml.`,
    'kube-controller-manager': `Set --tls-min-version=VersionTLS12 (or remove the flag) ${MANIFEST}/kube-controller-manager.yaml.`,
    'kube-scheduler': `Set --tls-min-version=VersionTLS12 (or remove the flag) ${MANIFEST}/kube-scheduler.yaml.`,
    'cloud-controller-manager': 'Set --tls-min-version=VersionTLS12 (or remove the flag) on cloud-controller-manager.',
    etcd: `Set --tls-min-version=TLS1.2 (or remove the flag) ${MANIFEST}/etcd.yaml.`,
  },
  references: { urls: ['https://github.com/kubernetes/component-base/blob/master/cli/flag/ciphersuites_flag.go'] },
  check(endpoint) {
    const seen = endpoint.tls?.posture?.legacyVersion;
    if (!isComponent(endpoint) || typeof seen?.accepted !== 'string') return [];
    return [{ message: `a hello offering only TLS 1.0 and 1.1 was accepted with ${seen.accepted}`, evidence: [offerEvidence(endpoint, "-tls1_1 -cipher 'DEFAULT@SECLEVEL=0'", seen.evidence)] }];
  },
};

export const tlsWeakSuite: Rule = {
  id: 'KIA-TLS-004',
  title: 'Port accepts a weak TLS 1.2 cipher suite',
  severity: 'low',
  component: 'any',
  mode: 'read',
  rationale: 'Offered only weak suites (CBC without AEAD, RSA key exchange without forward secrecy, 3DES, RC4), the port agreed to one: a client that offers it (or an attacker who strips the rest) gets it. With no --tls-cipher-suites the list is Go\'s default, which keeps the ECDHE CBC suites (and, in the Go of older releases, RSA key exchange and 3DES).',
  remediation: 'Allow only ECDHE suites with AES-GCM or ChaCha20-Poly1305: how depends on the component.',
  remediationFor: {
    kubelet: `Set tlsCipherSuites in the KubeletConfiguration (--tls-cipher-suites) to ${STRONG}, and restart the kubelet.`,
    'kube-apiserver': `Set --tls-cipher-suites ${MANIFEST}/kube-apiserver.yaml to ${STRONG} (joined by commas).`,
    'kube-controller-manager': `Set --tls-cipher-suites ${MANIFEST}/kube-controller-manager.yaml to ${STRONG} (joined by commas).`,
    'kube-scheduler': `Set --tls-cipher-suites ${MANIFEST}/kube-scheduler.yaml to ${STRONG} (joined by commas).`,
    'cloud-controller-manager': `Set --tls-cipher-suites on cloud-controller-manager to ${STRONG} (joined by commas).`,
    etcd: `Set --cipher-suites ${MANIFEST}/etcd.yaml to ${STRONG} (joined by commas).`,
  },
  references: { cis: ['4.2.12'] },
  check(endpoint) {
    const seen = endpoint.tls?.posture?.weakSuite;
    if (!isComponent(endpoint) || typeof seen?.accepted !== 'string') return [];
    return [{ message: `offered only weak TLS 1.2 suites, it chose ${seen.accepted}`, evidence: [offerEvidence(endpoint, '-tls1_2 -cipher \'ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:DES-CBC3-SHA:@SECLEVEL=0\'', seen.evidence)] }];
  },
};

/** A DNS SAN covers a name: exactly, or as a wildcard for one leftmost label (RFC 6125 §6.4.3). */
function dnsCovers(san: string, name: string): boolean {
  const [a, b] = [san.toLowerCase(), name.toLowerCase()];
  if (a === b) return true;
  return a.startsWith('*.') && b.split('.').length === a.split('.').length && b.endsWith(a.slice(1));
}

/** What the certificate was reached by: the address dialled, the name dialled, and the node's name when known. */
function namesOf(endpoint: EndpointObservation): string[] {
  return [...new Set([endpoint.address, endpoint.target.host, ...(endpoint.target.node ? [endpoint.target.node] : [])])];
}

// An IPv4 dotted quad or anything with a colon (IPv6) is an address, compared with IP SANs only (RFC 6125 §6.2.1).
const isIp = (name: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');

function covers(leaf: { dnsNames: string[]; ipAddresses: string[] }, name: string): boolean {
  return isIp(name) ? leaf.ipAddresses.includes(name) : leaf.dnsNames.some((san) => dnsCovers(san, name));
}

// client-go's GenerateSelfSignedCertKey names: `<host>@<unix>` issued by `<host>-ca@<unix>` (KIA-KUBELET-005's).
const SELF_GENERATED = (leaf: { subject: string; issuer: string }) => /CN=[^,]+@\d+/.test(leaf.subject) && /CN=[^,]+-ca@\d+/.test(leaf.issuer);

export const tlsNameMismatch: Rule = {
  id: 'KIA-TLS-005',
  title: 'Serving certificate does not cover the address it was reached on',
  severity: 'low',
  component: 'any',
  mode: 'read',
  rationale: 'A client that verifies (the API server, Prometheus, etcd clients) refuses the port at this address; one that gets it to work with insecure-skip-verify then verifies nothing. A control-plane port bound to every address with its self-signed localhost certificate shows this.',
  remediation: 'Serve a certificate whose SANs include every address and name clients use, or bind the port only where its certificate is valid.',
  remediationFor: {
    'kube-apiserver': 'Add the address to the serving certificate (kubeadm: apiServer.certSANs, then kubeadm init phase certs apiserver) and restart kube-apiserver.',
    'kube-controller-manager': `Bind it to loopback (--bind-address=127.0.0.1 ${MANIFEST}/kube-controller-manager.yaml), or give it --tls-cert-file/--tls-private-key-file for this address.`,
    'kube-scheduler': `Bind it to loopback (--bind-address=127.0.0.1 ${MANIFEST}/kube-scheduler.yaml), or give it --tls-cert-file/--tls-private-key-file for this address.`,
    etcd: 'Reissue the etcd server certificate with this address in its SANs (kubeadm: etcd.local.serverCertSANs, then kubeadm init phase certs etcd-server) and restart etcd.',
    kubelet: 'Set serverTLSBootstrap: true so the kubelet asks for a certificate with its node addresses (or set tlsCertFile/tlsPrivateKeyFile to one).',
  },
  references: {},
  check(endpoint) {
    const leaf = endpoint.tls?.chain[0];
    // A kubelet's self-generated certificate names only its host: KIA-KUBELET-005 says what is wrong with it.
    if (!leaf || !isComponent(endpoint) || (endpoint.fingerprint.component === 'kubelet' && SELF_GENERATED(leaf))) return [];
    const names = namesOf(endpoint);
    if (names.some((name) => covers(leaf, name))) return [];
    const sans = [...leaf.dnsNames.map((n) => `DNS:${n}`), ...leaf.ipAddresses.map((n) => `IP:${n}`)].join(', ') || 'no SANs';
    return [{ message: `certificate ${leaf.subject} covers ${sans}, not ${names.join(' or ')}`, evidence: [tlsEvidence(endpoint, `subject: ${leaf.subject}\nSAN: ${sans}`)] }];
  },
};

/** What the API servers seen run with for --kubelet-certificate-authority: set, not set, or not known. */
function apiserverVerifiesKubelets(ctx: AuditContext): { state: 'set' | 'unset' | 'unknown'; from?: string } {
  const value = ctx.effective('kube-apiservers', () => ctx.endpoints.filter((e) => e.fingerprint.component === 'kube-apiserver')).find((c) => c.component === 'kube-apiserver')?.values['kubelet-certificate-authority'];
  if (!value) return { state: 'unknown' };
  return { state: value.value ? 'set' : 'unset', from: value.from };
}

export const kubeletForeignCert: Rule = {
  id: 'KIA-KUBELET-008',
  title: 'kubelet serving certificate not issued by the cluster CA',
  severity: 'medium',
  component: 'kubelet',
  mode: 'read',
  rationale: 'Checked against the CA given (--cacert), the kubelet\'s serving chain does not verify. An API server with --kubelet-certificate-authority refuses this kubelet: logs, exec, attach and port-forward to its pods fail. One without it verifies no kubelet (CIS 1.2.5): a machine in the middle can answer for any of them.',
  remediation: 'Give the kubelet a serving certificate from the cluster CA (serverTLSBootstrap: true with its serving CSRs approved, or tlsCertFile/tlsPrivateKeyFile), then set --kubelet-certificate-authority on the API server to that CA.',
  references: { cis: ['1.2.5', '4.2.10'], urls: ['https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/#kubelet-serving-certs'] },
  check(endpoint, ctx) {
    const tls = endpoint.tls;
    const leaf = tls?.chain[0];
    if (endpoint.fingerprint.component !== 'kubelet' || endpoint.fingerprint.port !== 'api' || tls?.chainVerified !== false || !leaf) return [];
    const apiserver = apiserverVerifiesKubelets(ctx);
    const then = {
      set: `the API server sets --kubelet-certificate-authority (${apiserver.from}): its logs, exec, attach and port-forward to this kubelet fail`,
      unset: `the API server sets no --kubelet-certificate-authority (${apiserver.from}): it verifies no kubelet (CIS 1.2.5 fails)`,
      unknown: 'whether the API server verifies kubelets is not known (CIS 1.2.5: its /flagz or command line was not read)',
    }[apiserver.state];
    return [{ message: `serving certificate ${leaf.subject} (issuer ${leaf.issuer}) does not chain to the CA given; ${then}`, evidence: [tlsEvidence(endpoint, `subject: ${leaf.subject}\nissuer: ${leaf.issuer}\nverify: ${tls.verifyError ?? 'failed'}`)] }];
  },
};
