// A node's component configuration files as kubeadm writes them: the KubeletConfiguration and kube-proxy's config.
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { LabNode, LabPlan } from '../types.ts';
import { nodeLayout } from './node-layout.ts';
import { PROFILE_SETTINGS, type Settings } from './profiles.ts';

/** The KubeletConfiguration fields a profile decides beyond access: the same in the node's file and in /configz. */
export function kubeletProfileFields(s: Settings['kubelet']): Record<string, unknown> {
  return {
    rotateCertificates: s.rotateCertificates,
    streamingConnectionIdleTimeout: s.streamingIdleTimeout,
    makeIPTablesUtilChains: s.makeIPTablesUtilChains,
    podPidsLimit: s.podPidsLimit,
    seccompDefault: s.seccompDefault,
    ...(s.tlsCipherSuites ? { tlsCipherSuites: s.tlsCipherSuites } : {}),
    ...(s.tlsMinVersion ? { tlsMinVersion: s.tlsMinVersion } : {}),
    ...(s.serverCertRotation ? {} : { featureGates: { RotateKubeletServerCertificate: false } }),
  };
}

export function kubeletConfigYaml(plan: LabPlan, node: LabNode): string {
  const s = PROFILE_SETTINGS[node.profile].kubelet;
  const L = nodeLayout(node);
  const port = (name: string) => plan.endpoints.find((e) => e.node === node.name && e.component === 'kubelet' && e.port === name)?.number ?? 0;
  const config: Record<string, unknown> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '0.0.0.0',
    port: port('api'),
    readOnlyPort: port('read-only'),
    healthzBindAddress: s.healthzBind === 'all' ? '0.0.0.0' : '127.0.0.1',
    healthzPort: port('healthz'),
    authentication: {
      anonymous: { enabled: s.anonymous },
      webhook: { cacheTTL: '0s', enabled: s.webhookAuthn },
      x509: { clientCAFile: join(L.pki, 'ca.crt') },
    },
    authorization: { mode: s.authorization, webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
    cgroupDriver: 'systemd',
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    enableDebuggingHandlers: s.enableDebuggingHandlers,
    enableProfilingHandler: s.enableProfilingHandler,
    staticPodPath: L.manifests,
    ...kubeletProfileFields(s),
  };
  if (s.servingCert === 'cluster-ca') Object.assign(config, { tlsCertFile: `${L.kubeletServing}.crt`, tlsPrivateKeyFile: `${L.kubeletServing}.key` });
  return stringify(config);
}

export function kubeProxyConfigYaml(node: LabNode): string {
  const s = PROFILE_SETTINGS[node.profile].kubeProxy;
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    bindAddress: '0.0.0.0',
    clientConnection: { kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
    enableProfiling: s.enableProfiling,
    healthzBindAddress: s.healthzBind === 'all' ? '0.0.0.0:10256' : '127.0.0.1:10256',
    metricsBindAddress: s.metricsBind === 'all' ? '0.0.0.0:10249' : '127.0.0.1:10249',
    mode: 'iptables',
    hostnameOverride: node.name,
  });
}
