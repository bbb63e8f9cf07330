// Certificate rules, with the thresholds declared once.
import type { Rule } from '../types.ts';
import { tlsEvidence } from '../evidence.ts';

import { CERTIFICATE_THRESHOLDS } from '../../model/index.ts';

/** Days left under which a serving certificate is a finding: warning and critical (declared in the model). */
export const CERT_THRESHOLDS = CERTIFICATE_THRESHOLDS;
const DAY = 86_400_000;

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
  remediation: 'Renew the certificate (kubeadm certs renew, or rotateCertificates/serverTLSBootstrap for kubelets) and restart the component.',
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
  remediation: 'Renew it before it expires (kubeadm certs renew; kubelet rotateCertificates/serverTLSBootstrap).',
  references: {},
  check(endpoint, ctx) {
    const leaf = leafDays(endpoint, ctx.now);
    if (!leaf || leaf.days < CERT_THRESHOLDS.criticalDays || leaf.days >= CERT_THRESHOLDS.warningDays) return [];
    return [{ message: `certificate ${leaf.subject} expires in ${Math.floor(leaf.days)} days (${leaf.notAfter})`, evidence: [tlsEvidence(endpoint, `notAfter=${leaf.notAfter}`)] }];
  },
};
