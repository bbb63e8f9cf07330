// How each lab TLS server negotiates, derived from the same profile settings that write its flags and config file, so
// that /configz, /flagz and the wire agree. Upstream:
// - Kubernetes sets MinVersion itself: an empty --tls-min-version / tlsMinVersion is TLS 1.2 whatever Go's own server
//   default (k8s.io/component-base/cli/flag/ciphersuites_flag.go TLSVersion and DefaultTLSVersion). Go's default
//   server minimum (TLS 1.0 up to Go 1.21, TLS 1.2 from 1.22: GODEBUG tls10server) never applies to a component.
// - etcd sets MinVersion TLS 1.2 too (client/pkg/transport/listener.go baseConfig), and --cipher-suites.
// - An empty --tls-cipher-suites / tlsCipherSuites leaves Go's default list of the Go the release is built with
//   (crypto/tls cipher_suites.go cipherSuitesPreferenceOrder and defaultCipherSuites; internal/godebugs/table.go:
//   tlsrsakex changed in Go 1.22, tls3des in Go 1.23). Kubernetes 1.28 is built with Go 1.20, 1.31 with Go 1.22,
//   1.36 with Go 1.25; the etcd kubeadm pairs with 1.28 and 1.31 (3.5.x) with Go 1.20/1.21, with 1.36 (3.6) Go 1.24.
import type { SecureVersion } from 'node:tls';
import type { ComponentId, KubernetesVersion } from '../../model/index.ts';
import type { LabNode, LabPlan } from '../types.ts';
import { PROFILE_SETTINGS } from './profiles.ts';

type GoDefaults = 'go1.20' | 'go1.22' | 'go1.23';

/** Go's cipherSuitesPreferenceOrder (TLS 1.0-1.2), IANA name then OpenSSL's, without the suites Go never defaults to. */
const GO_ORDER: readonly (readonly [iana: string, openssl: string, dropped?: 'rsakex' | '3des' | 'rsakex+3des'])[] = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256', 'rsakex'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384', 'rsakex'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA', 'rsakex'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA', 'rsakex'],
  ['TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'ECDHE-RSA-DES-CBC3-SHA', '3des'],
  ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'DES-CBC3-SHA', 'rsakex+3des'],
];

const BUILT_WITH: Record<KubernetesVersion, { kubernetes: GoDefaults; etcd: GoDefaults }> = {
  '1.28': { kubernetes: 'go1.20', etcd: 'go1.20' },
  '1.31': { kubernetes: 'go1.22', etcd: 'go1.20' },
  '1.36': { kubernetes: 'go1.23', etcd: 'go1.23' },
};

/** Go's default suites for a Go version, IANA names in its preference order. */
export function goDefaultSuites(go: GoDefaults): string[] {
  return GO_ORDER.filter(([, , dropped]) => !dropped || go === 'go1.20' || (go === 'go1.22' && dropped === '3des')).map(([iana]) => iana);
}

/**
 * Go's TLS 1.3 preference order on hardware with AES-GCM (crypto/tls cipher_suites.go defaultCipherSuitesTLS13, the
 * same from Go 1.17 on; handshake_server_tls13.go picks by it when the client's own first choice is AES, as
 * OpenSSL's and so Node's is). TLS 1.3 suites are not configurable in Go: no flag or profile changes them.
 */
const GO_TLS13_ORDER = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

const TLS_VERSIONS: Record<string, SecureVersion> = { VersionTLS10: 'TLSv1', VersionTLS11: 'TLSv1.1', VersionTLS12: 'TLSv1.2', VersionTLS13: 'TLSv1.3' };

/** What the profile sets for a component: --tls-min-version / tlsMinVersion and the suites (absent: upstream's default). */
export function tlsSettingsOf(node: LabNode, component: ComponentId): { minVersion?: string; cipherSuites?: string[] } {
  const s = PROFILE_SETTINGS[node.profile];
  if (component === 'kubelet') return { ...(s.kubelet.tlsMinVersion ? { minVersion: s.kubelet.tlsMinVersion } : {}), ...(s.kubelet.tlsCipherSuites ? { cipherSuites: s.kubelet.tlsCipherSuites } : {}) };
  if (component === 'etcd') return s.etcd.cipherSuites ? { cipherSuites: s.etcd.cipherSuites } : {};
  return { ...(s.controlPlane.tlsMinVersion ? { minVersion: s.controlPlane.tlsMinVersion } : {}), ...(s.controlPlane.tlsCipherSuites ? { cipherSuites: s.controlPlane.tlsCipherSuites } : {}) };
}

/** The command-line flags a component's TLS settings take (the kubelet's are in its config file instead). */
export function tlsFlags(node: LabNode, component: ComponentId): string[] {
  const t = tlsSettingsOf(node, component);
  if (component === 'etcd') return t.cipherSuites ? [`--cipher-suites=${t.cipherSuites.join(',')}`] : [];
  return [...(t.cipherSuites ? [`--tls-cipher-suites=${t.cipherSuites.join(',')}`] : []), ...(t.minVersion ? [`--tls-min-version=${t.minVersion}`] : [])];
}

/**
 * The Node TLS server options that negotiate as the Go server configured so would: minimum version and suites (Node
 * takes the TLS 1.3 ones, named TLS_*, in the same list).
 */
export function servingTls(plan: LabPlan, node: LabNode, component: ComponentId): { minVersion: SecureVersion; ciphers: string } {
  const t = tlsSettingsOf(node, component);
  const minVersion = TLS_VERSIONS[t.minVersion ?? 'VersionTLS12'] ?? 'TLSv1.2';
  const go = BUILT_WITH[plan.kubernetesVersion][component === 'etcd' ? 'etcd' : 'kubernetes'];
  const names = t.cipherSuites ?? goDefaultSuites(go);
  const openssl = names.map((name) => GO_ORDER.find(([iana]) => iana === name)?.[1]).filter((n): n is string => n !== undefined);
  // OpenSSL 3 refuses TLS 1.0/1.1 and 3DES above security level 0; Go has no such levels.
  return { minVersion, ciphers: `${GO_TLS13_ORDER}:${openssl.join(':')}:@SECLEVEL=0` };
}
