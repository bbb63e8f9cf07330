// Plain types shared by every stage. No imports from the rest of kia.

/** A route or rule either only reads (`read`) or changes/executes something on the target (`act`). */
export type Mode = 'read' | 'act';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export type Scheme = 'http' | 'https';

/**
 * The TLS client-certificate policy of a port, as Go's tls.ClientAuthType shows it on the wire:
 * `none` (NoClientCert), `requested` (RequestClientCert: handshake always succeeds, identity decided per request),
 * `required` (RequireAndVerifyClientCert: no valid certificate, no handshake).
 */
export type ClientCertPolicy = 'none' | 'requested' | 'required';

/** Kubernetes minor versions the catalog and the lab know in detail. */
export const KUBERNETES_VERSIONS = ['1.28', '1.31', '1.36'] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = '1.36';

export type ComponentId =
  | 'etcd'
  | 'kubelet'
  | 'kube-proxy'
  | 'kube-controller-manager'
  | 'cloud-controller-manager'
  | 'kube-scheduler'
  | 'kube-apiserver';
