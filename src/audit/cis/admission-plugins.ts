// Which admission plugins an API server runs: upstream's default-on set for its release, plus
// --enable-admission-plugins, minus --disable-admission-plugins. The CIS items about plugins judge this set, not the
// flag text: NamespaceLifecycle runs though no flag names it, and disabling it is what fails.

/**
 * The plugins kube-apiserver runs when no flag names them, with the minor release each joined the set: the complement
 * of kubernetes/kubernetes pkg/kubeapiserver/options/plugins.go DefaultOffAdmissionPlugins (its defaultOnPlugins).
 */
const DEFAULT_ON: readonly (readonly [plugin: string, since: number])[] = [
  ['NamespaceLifecycle', 0], ['LimitRanger', 0], ['ServiceAccount', 0], ['DefaultStorageClass', 0], ['PersistentVolumeClaimResize', 0],
  ['DefaultTolerationSeconds', 0], ['MutatingAdmissionWebhook', 0], ['ValidatingAdmissionWebhook', 0], ['ResourceQuota', 0],
  ['StorageObjectInUseProtection', 0], ['Priority', 0], ['TaintNodesByCondition', 0], ['RuntimeClass', 0], ['CertificateApproval', 0],
  ['CertificateSigning', 0], ['ClusterTrustBundleAttest', 0], ['CertificateSubjectRestriction', 0], ['DefaultIngressClass', 0],
  ['PodSecurity', 0], ['ValidatingAdmissionPolicy', 0], ['MutatingAdmissionPolicy', 32], ['PodTopologyLabels', 33],
];

/** The default-on plugins of a release (`1.31`); an unknown release gets the ones every covered release has. */
export function defaultOnPlugins(version: string | undefined): string[] {
  const minor = /^v?1\.(\d+)/.exec(version ?? '')?.[1];
  return DEFAULT_ON.filter(([, since]) => since === 0 || (minor !== undefined && Number(minor) >= since)).map(([plugin]) => plugin);
}

export interface AdmissionPlugins {
  /** Every plugin that runs. */
  running: string[];
  /** One line: how the set came about, for a verdict's detail. */
  said: string;
}

/** The running set from the two flags' values (lists; empty when not given). */
export function admissionPlugins(enable: readonly string[], disable: readonly string[], version: string | undefined): AdmissionPlugins {
  const running = [...new Set([...defaultOnPlugins(version), ...enable])].filter((p) => !disable.includes(p));
  const said = `enable-admission-plugins=${enable.join(',') || '(none)'}, disable-admission-plugins=${disable.join(',') || '(none)'}`;
  return { running, said };
}
