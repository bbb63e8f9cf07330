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
    /** rotateCertificates (client certificate rotation) */
    rotateCertificates: boolean;
    /** featureGates.RotateKubeletServerCertificate: false turns serving-certificate rotation off; true leaves the gate unset */
    serverCertRotation: boolean;
    /** streamingConnectionIdleTimeout ('0s' never closes idle streams) */
    streamingIdleTimeout: string;
    makeIPTablesUtilChains: boolean;
    /** podPidsLimit (-1: unlimited) */
    podPidsLimit: number;
    seccompDefault: boolean;
    /** tlsCipherSuites; absent: Go's default list */
    tlsCipherSuites?: string[];
    /** tlsMinVersion (`VersionTLS10`…); absent: TLS 1.2 */
    tlsMinVersion?: string;
  };
  kubeProxy: { metricsBind: Bind; healthzBind: Bind; enableProfiling: boolean };
  /** cipherSuites: --cipher-suites; absent: Go's default list */
  etcd: { scheme: 'https' | 'http'; clientCertAuth: boolean; metricsBind: Bind; cipherSuites?: string[] };
  /** The API server, controller manager and scheduler: --tls-min-version and --tls-cipher-suites, absent by default. */
  controlPlane: { bind: Bind; profiling: boolean; tlsMinVersion?: string; tlsCipherSuites?: string[] };
}

// The suites CIS 4.2.12 and 1.2.x accept: ECDHE with AEAD only.
const STRONG_SUITES = ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305'];

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
    // kubeadm's KubeletConfiguration sets rotateCertificates; the rest are v1beta1's defaults.
    rotateCertificates: true,
    serverCertRotation: true,
    streamingIdleTimeout: '4h0m0s',
    makeIPTablesUtilChains: true,
    podPidsLimit: -1,
    seccompDefault: false,
  },
  kubeProxy: { metricsBind: 'node-local', healthzBind: 'all', enableProfiling: false },
  etcd: { scheme: 'https', clientCertAuth: true, metricsBind: 'node-local' },
  controlPlane: { bind: 'node-local', profiling: true },
};

export const PROFILE_SETTINGS: Record<ProfileName, Settings> = {
  kubeadm,
  hardened: {
    kubelet: {
      ...kubeadm.kubelet,
      servingCert: 'cluster-ca',
      enableProfilingHandler: false,
      podPidsLimit: 4096,
      seccompDefault: true,
      tlsCipherSuites: STRONG_SUITES,
      tlsMinVersion: 'VersionTLS12',
    },
    kubeProxy: { ...kubeadm.kubeProxy, healthzBind: 'node-local' },
    etcd: { ...kubeadm.etcd, cipherSuites: STRONG_SUITES },
    controlPlane: { bind: 'node-local', profiling: false, tlsMinVersion: 'VersionTLS12', tlsCipherSuites: STRONG_SUITES },
  },
  'anonymous-webhook': { ...kubeadm, kubelet: { ...kubeadm.kubelet, anonymous: true } },
  insecure: {
    kubelet: {
      ...kubeadm.kubelet,
      anonymous: true,
      authorization: 'AlwaysAllow',
      readOnlyPort: true,
      healthzBind: 'all',
      rotateCertificates: false,
      serverCertRotation: false,
      streamingIdleTimeout: '0s',
      makeIPTablesUtilChains: false,
      // Someone lowered it for an old client: TLS 1.0 with Go's default suites.
      tlsMinVersion: 'VersionTLS10',
    },
    kubeProxy: { metricsBind: 'all', healthzBind: 'all', enableProfiling: true },
    etcd: { scheme: 'https', clientCertAuth: false, metricsBind: 'all' },
    controlPlane: { bind: 'all', profiling: true, tlsMinVersion: 'VersionTLS10' },
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
