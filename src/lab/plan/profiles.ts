// Lab profiles as data: how each node's components are configured. kubeadm is that version's kubeadm defaults.
import type { ProfileChoice, ProfileName } from '../types.ts';

export type Bind = 'node-local' | 'all';

export interface Settings {
  kubelet: {
    /** authentication.anonymous.enabled */
    anonymous: boolean;
    /** authentication.webhook.enabled (TokenReview through the apiserver) */
    webhookAuthn: boolean;
    /** authorization.mode */
    authorization: 'Webhook' | 'AlwaysAllow';
    /** readOnlyPort 10255 open (0 = off) */
    readOnlyPort: boolean;
    /** healthzBindAddress */
    healthzBind: Bind;
    /** no tlsCertFile: self-generated pair (upstream default) versus a serving certificate signed by the cluster CA */
    servingCert: 'self-generated' | 'cluster-ca';
    enableProfilingHandler: boolean;
    enableDebuggingHandlers: boolean;
  };
  kubeProxy: { metricsBind: Bind; healthzBind: Bind; enableProfiling: boolean };
  etcd: { scheme: 'https' | 'http'; clientCertAuth: boolean; metricsBind: Bind };
  controlPlane: { bind: Bind; profiling: boolean };
}

const kubeadm: Settings = {
  kubelet: {
    anonymous: false,
    webhookAuthn: true,
    authorization: 'Webhook',
    readOnlyPort: false,
    healthzBind: 'node-local',
    servingCert: 'self-generated',
    enableProfilingHandler: true,
    enableDebuggingHandlers: true,
  },
  kubeProxy: { metricsBind: 'node-local', healthzBind: 'all', enableProfiling: false },
  etcd: { scheme: 'https', clientCertAuth: true, metricsBind: 'node-local' },
  controlPlane: { bind: 'node-local', profiling: true },
};

export const PROFILE_SETTINGS: Record<ProfileName, Settings> = {
  kubeadm,
  hardened: {
    kubelet: { ...kubeadm.kubelet, servingCert: 'cluster-ca', enableProfilingHandler: false },
    kubeProxy: { ...kubeadm.kubeProxy, healthzBind: 'node-local' },
    etcd: kubeadm.etcd,
    controlPlane: { bind: 'node-local', profiling: false },
  },
  'anonymous-webhook': { ...kubeadm, kubelet: { ...kubeadm.kubelet, anonymous: true } },
  insecure: {
    kubelet: { ...kubeadm.kubelet, anonymous: true, authorization: 'AlwaysAllow', readOnlyPort: true, healthzBind: 'all' },
    kubeProxy: { metricsBind: 'all', healthzBind: 'all', enableProfiling: true },
    etcd: { scheme: 'https', clientCertAuth: false, metricsBind: 'all' },
    controlPlane: { bind: 'all', profiling: true },
  },
  'insecure-http-etcd': { ...kubeadm, etcd: { scheme: 'http', clientCertAuth: false, metricsBind: 'node-local' } },
};

// mixed: the control plane keeps kubeadm's components but serves etcd over plain HTTP; the workers cycle through
// the kubelet profiles, so one lab shows every kind of finding.
const MIXED_WORKERS: readonly ProfileName[] = ['hardened', 'anonymous-webhook', 'insecure', 'kubeadm'];

export function profileFor(choice: ProfileChoice, index: number, overrides: Record<string, ProfileName>, name: string): ProfileName {
  const override = overrides[name] ?? overrides[String(index + 1)];
  if (override) return override;
  if (choice !== 'mixed') return choice;
  if (index === 0) return 'insecure-http-etcd';
  return MIXED_WORKERS[(index - 1) % MIXED_WORKERS.length] ?? 'kubeadm';
}
