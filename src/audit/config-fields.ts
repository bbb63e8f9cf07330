// The settings of each component that the CIS items and drift need, and where each lives: the path in the
// component's /configz, the flag, the node's config file, and what an absent field means in each (data only).
import type { ComponentId } from '../model/index.ts';

export type FieldKind = 'boolean' | 'number' | 'string' | 'duration' | 'list' | 'gate';

export interface ConfigField {
  /** The setting's name in results: the config file's field path (kubelet, kube-proxy) or the flag (control plane). */
  key: string;
  kind: FieldKind;
  /** Path under /configz's root object. */
  configz?: string;
  /**
   * What /configz means by leaving the field out. The kubelet serialises its v1beta1 type with `omitempty`, so an
   * absent field is the type's zero value (false, 0, empty), not the version's default; `null` for a feature gate:
   * not set, so the gate's own default.
   */
  zero?: unknown;
  /** The command-line flag (also the /flagz name); for a `gate`, the gate's name inside `--feature-gates`. */
  flag?: string;
  /** The field path in the node's config file when not `key`. */
  file?: string;
  /** The file is the one this flag names, not the component's config file (the API server's encryption config). */
  fileFlag?: string;
  /** What the config file means by leaving the field out: the config version's default (v1beta1 defaulting). */
  fileDefault?: unknown;
  /** What a command line (or /flagz) without the flag means: the flag's default (control-plane components). */
  flagDefault?: unknown;
}

export interface ComponentFields {
  /** The one key /configz wraps the configuration in. */
  configzRoot?: string;
  /** The kubelet's and kube-proxy's /flagz print flag values, not the file's: authoritative only for flag-only settings. */
  flagzForFlagOnly?: boolean;
  fields: readonly ConfigField[];
}

// KubeletConfiguration v1beta1 (staging/src/k8s.io/kubelet/config/v1beta1/types.go, defaults.go).
const KUBELET: ComponentFields = {
  configzRoot: 'kubeletconfig',
  flagzForFlagOnly: true,
  fields: [
    { key: 'authentication.anonymous.enabled', kind: 'boolean', configz: 'authentication.anonymous.enabled', zero: false, flag: 'anonymous-auth', fileDefault: false },
    { key: 'authorization.mode', kind: 'string', configz: 'authorization.mode', zero: '', flag: 'authorization-mode', fileDefault: 'Webhook' },
    { key: 'authentication.x509.clientCAFile', kind: 'string', configz: 'authentication.x509.clientCAFile', zero: '', flag: 'client-ca-file', fileDefault: '' },
    { key: 'readOnlyPort', kind: 'number', configz: 'readOnlyPort', zero: 0, flag: 'read-only-port', fileDefault: 0 },
    { key: 'streamingConnectionIdleTimeout', kind: 'duration', configz: 'streamingConnectionIdleTimeout', zero: '0s', flag: 'streaming-connection-idle-timeout', fileDefault: '4h0m0s' },
    { key: 'protectKernelDefaults', kind: 'boolean', configz: 'protectKernelDefaults', zero: false, flag: 'protect-kernel-defaults', fileDefault: false },
    { key: 'makeIPTablesUtilChains', kind: 'boolean', configz: 'makeIPTablesUtilChains', zero: false, flag: 'make-iptables-util-chains', fileDefault: true },
    { key: 'eventRecordQPS', kind: 'number', configz: 'eventRecordQPS', zero: 0, flag: 'event-qps', fileDefault: 50 },
    { key: 'tlsCertFile', kind: 'string', configz: 'tlsCertFile', zero: '', flag: 'tls-cert-file', fileDefault: '' },
    { key: 'tlsPrivateKeyFile', kind: 'string', configz: 'tlsPrivateKeyFile', zero: '', flag: 'tls-private-key-file', fileDefault: '' },
    { key: 'rotateCertificates', kind: 'boolean', configz: 'rotateCertificates', zero: false, flag: 'rotate-certificates', fileDefault: false },
    { key: 'serverTLSBootstrap', kind: 'boolean', configz: 'serverTLSBootstrap', zero: false, fileDefault: false },
    { key: 'featureGates.RotateKubeletServerCertificate', kind: 'gate', configz: 'featureGates.RotateKubeletServerCertificate', zero: null, flag: 'RotateKubeletServerCertificate', fileDefault: null },
    { key: 'tlsCipherSuites', kind: 'list', configz: 'tlsCipherSuites', zero: [], flag: 'tls-cipher-suites', fileDefault: [] },
    { key: 'tlsMinVersion', kind: 'string', configz: 'tlsMinVersion', zero: '', flag: 'tls-min-version', fileDefault: '' },
    { key: 'podPidsLimit', kind: 'number', configz: 'podPidsLimit', zero: 0, flag: 'pod-max-pids', fileDefault: -1 },
    { key: 'seccompDefault', kind: 'boolean', configz: 'seccompDefault', zero: false, flag: 'seccomp-default', fileDefault: false },
    { key: 'healthzBindAddress', kind: 'string', configz: 'healthzBindAddress', zero: '', flag: 'healthz-bind-address', fileDefault: '127.0.0.1' },
    { key: 'enableProfilingHandler', kind: 'boolean', configz: 'enableProfilingHandler', zero: false, fileDefault: true },
    { key: 'hostname-override', kind: 'string', flag: 'hostname-override', flagDefault: '' },
  ],
};

// The controller manager's internal config type: PascalCase, no omitempty (every field present).
const CONTROLLER_MANAGER: ComponentFields = {
  configzRoot: 'kubecontrollermanager.config.k8s.io',
  fields: [
    { key: 'profiling', kind: 'boolean', configz: 'Generic.Debugging.EnableProfiling', zero: false, flag: 'profiling', flagDefault: true },
    { key: 'terminated-pod-gc-threshold', kind: 'number', configz: 'PodGCController.TerminatedPodGCThreshold', zero: 0, flag: 'terminated-pod-gc-threshold' },
    { key: 'use-service-account-credentials', kind: 'boolean', configz: 'KubeCloudShared.UseServiceAccountCredentials', zero: false, flag: 'use-service-account-credentials' },
    { key: 'service-account-private-key-file', kind: 'string', configz: 'SAController.ServiceAccountKeyFile', zero: '', flag: 'service-account-private-key-file' },
    { key: 'root-ca-file', kind: 'string', configz: 'SAController.RootCAFile', zero: '', flag: 'root-ca-file' },
    // Feature gates are not in the controller manager's /configz: /flagz or the command line, unset meaning the gate's default.
    { key: 'featureGates.RotateKubeletServerCertificate', kind: 'gate', flag: 'RotateKubeletServerCertificate', flagDefault: null },
    // Not in /configz: `Generic.Address` is a legacy field no flag sets.
    { key: 'bind-address', kind: 'string', flag: 'bind-address', flagDefault: '0.0.0.0' },
  ],
};

const SCHEDULER: ComponentFields = {
  configzRoot: 'componentconfig',
  fields: [
    { key: 'profiling', kind: 'boolean', configz: 'EnableProfiling', zero: false, flag: 'profiling', flagDefault: true },
    { key: 'bind-address', kind: 'string', flag: 'bind-address', flagDefault: '0.0.0.0' },
  ],
};

const KUBE_PROXY: ComponentFields = {
  configzRoot: 'kubeproxy.config.k8s.io',
  flagzForFlagOnly: true,
  fields: [
    { key: 'metricsBindAddress', kind: 'string', configz: 'MetricsBindAddress', zero: '', flag: 'metrics-bind-address' },
    { key: 'healthzBindAddress', kind: 'string', configz: 'HealthzBindAddress', zero: '', flag: 'healthz-bind-address' },
    { key: 'enableProfiling', kind: 'boolean', configz: 'EnableProfiling', zero: false, flag: 'profiling' },
  ],
};

// etcd serves no configuration: its settings come from the node only (flags, ETCD_* variables, --config-file).
const ETCD: ComponentFields = {
  fields: ['client-cert-auth', 'peer-client-cert-auth', 'auto-tls', 'peer-auto-tls', 'trusted-ca-file', 'cert-file', 'peer-cert-file'].map((flag) => ({ key: flag, kind: /auth|tls$/.test(flag) ? 'boolean' as const : 'string' as const, flag })),
};

// The API server has no /configz: its flags, from /flagz (1.32+) or the node's command line, with their defaults.
const APISERVER: ComponentFields = {
  fields: [
    { key: 'anonymous-auth', kind: 'boolean', flag: 'anonymous-auth', flagDefault: true },
    { key: 'authorization-mode', kind: 'string', flag: 'authorization-mode', flagDefault: 'AlwaysAllow' },
    { key: 'profiling', kind: 'boolean', flag: 'profiling', flagDefault: true },
    ...['kubelet-certificate-authority', 'service-account-key-file', 'etcd-certfile', 'etcd-keyfile', 'etcd-cafile', 'tls-cert-file', 'tls-private-key-file', 'client-ca-file',
      'token-auth-file', 'tls-min-version', 'kubelet-client-certificate', 'kubelet-client-key', 'admission-control-config-file', 'audit-log-path', 'audit-policy-file', 'encryption-provider-config',
    ].map((flag) => ({ key: flag, kind: 'string' as const, flag, flagDefault: '' })),
    // Upstream's defaults (staging/src/k8s.io/apiserver/pkg/server/options/audit.go, serving.go; pkg/kubeapiserver/options/authentication.go).
    ...['enable-admission-plugins', 'disable-admission-plugins', 'tls-cipher-suites'].map((flag) => ({ key: flag, kind: 'list' as const, flag, flagDefault: [] })),
    ...['audit-log-maxage', 'audit-log-maxbackup', 'audit-log-maxsize'].map((flag) => ({ key: flag, kind: 'number' as const, flag, flagDefault: 0 })),
    { key: 'request-timeout', kind: 'duration', flag: 'request-timeout', flagDefault: '1m0s' },
    // Read on the node only (kia hunt --local): the provider names for secrets in the file --encryption-provider-config names.
    { key: 'encryption-providers', kind: 'list', fileFlag: 'encryption-provider-config' },
    { key: 'service-account-lookup', kind: 'boolean', flag: 'service-account-lookup', flagDefault: true },
    { key: 'service-account-extend-token-expiration', kind: 'boolean', flag: 'service-account-extend-token-expiration', flagDefault: true },
  ],
};

export const CONFIG_FIELDS: Partial<Record<ComponentId, ComponentFields>> = {
  'kube-apiserver': APISERVER,
  kubelet: KUBELET,
  'kube-controller-manager': CONTROLLER_MANAGER,
  'kube-scheduler': SCHEDULER,
  'kube-proxy': KUBE_PROXY,
  etcd: ETCD,
};
