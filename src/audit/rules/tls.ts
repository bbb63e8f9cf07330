// Certificate rules, with the thresholds declared once.
import type { ComponentId } from '../../model/index.ts';
import type { Rule } from '../types.ts';
import { tlsEvidence } from '../evidence.ts';

import { CERTIFICATE_THRESHOLDS } from '../../model/index.ts';

/** Days left under which a serving certificate is a finding: warning and critical (declared in the model). */
export const CERT_THRESHOLDS = CERTIFICATE_THRESHOLDS;
const DAY = 86_400_000;

/** How each component's serving certificate is renewed. */
const RENEW_FIX = {
  etcd: 'Renew it (kubeadm certs renew etcd-server, and etcd-peer for 2380) and restart etcd.',
  kubelet: 'Let the kubelet rotate it: serverTLSBootstrap: true in the KubeletConfiguration with its serving CSRs approved (or a fresh tlsCertFile/tlsPrivateKeyFile), then restart the kubelet.',
  'kube-apiserver': 'Renew it (kubeadm certs renew apiserver) and restart kube-apiserver.',
  'kube-controller-manager': 'Renew --tls-cert-file/--tls-private-key-file, or remove the files from --cert-dir so it generates a new self-signed pair, and restart kube-controller-manager.',
  'cloud-controller-manager': 'Renew --tls-cert-file/--tls-private-key-file, or remove the files from --cert-dir so it generates a new self-signed pair, and restart cloud-controller-manager.',
  'kube-scheduler': 'Renew --tls-cert-file/--tls-private-key-file, or remove the files from --cert-dir so it generates a new self-signed pair, and restart kube-scheduler.',
} as const satisfies Partial<Record<ComponentId, string>>;

function leafDays(endpoint: Parameters<Rule['check']>[0], now: number): { days: number; notAfter: string; subject: string } | undefined {
  const leaf = endpoint.tls?.chain[0];
  if (!leaf) return undefined;
  return { days: (Date.parse(leaf.notAfter) - now) / DAY, notAfter: leaf.notAfter, subject: leaf.subject };
}

export const certExpired: Rule = {
  id: 'KIA-TLS-001',
  title: 'Serving certificate expired or about to (under 7 days)',
  severity: 'high',
  component: 'any',
  mode: 'read',
  rationale: 'Clients that verify refuse an expired certificate: the component becomes unreachable for its callers (kubelet logs, exec, metrics scrapes, etcd clients).',
  remediation: 'Renew the certificate and restart the component: how depends on the component.',
  remediationFor: RENEW_FIX,
  references: { cis: ['4.2.10'] },
  check(endpoint, ctx) {
    const leaf = leafDays(endpoint, ctx.now);
    if (!leaf || leaf.days >= CERT_THRESHOLDS.criticalDays) return [];
    const text = leaf.days < 0 ? `expired ${Math.ceil(-leaf.days)} days ago` : `expires in ${Math.floor(leaf.days)} days`;
    return [{ message: `certificate ${leaf.subject} ${text} (${leaf.notAfter})`, evidence: [tlsEvidence(endpoint, `notAfter=${leaf.notAfter}`)] }];
  },
};

export const certExpiring: Rule = {
  id: 'KIA-TLS-002',
  title: 'Serving certificate expires within 30 days',
  severity: 'medium',
  component: 'any',
  mode: 'read',
  rationale: 'A certificate that expires soon will take the component off the air for verifying clients unless it is renewed in time.',
  remediation: 'Renew it before it expires: how depends on the component.',
  remediationFor: RENEW_FIX,
  references: {},
  check(endpoint, ctx) {
    const leaf = leafDays(endpoint, ctx.now);
    if (!leaf || leaf.days < CERT_THRESHOLDS.criticalDays || leaf.days >= CERT_THRESHOLDS.warningDays) return [];
    return [{ message: `certificate ${leaf.subject} expires in ${Math.floor(leaf.days)} days (${leaf.notAfter})`, evidence: [tlsEvidence(endpoint, `notAfter=${leaf.notAfter}`)] }];
  },
};
