// kia's public library API: named exports only. The lab has its own entry (`kia/lab`) and is never imported here.
export { hunt, VERSION } from './hunt.ts';
export type { HuntOptions, HuntPhase } from './hunt.ts';
export { CATALOG, getComponent, getPort, allPorts, findPortByNumber, routesFor, kubeadmEtcdVersion } from './catalog/index.ts';
export type { ComponentEntry, PortEntry, Route } from './catalog/index.ts';
export { RULES, audit, CERT_THRESHOLDS } from './audit/index.ts';
export type { Rule } from './audit/index.ts';
export { scan, catalogPorts } from './discover/scan.ts';
export { probeAll, probeEndpoint } from './probe/index.ts';
export type { ProbeOptions } from './probe/index.ts';
export { parseTarget, targetsFromFile, targetsFromLab, targetsFromKubeconfig, expandCidr } from './targets/index.ts';
export { certificateIdentity, tokenIdentity, tokenFileIdentity, Secret, ANONYMOUS } from './clients/identity.ts';
export type { Identity } from './clients/identity.ts';
export { request } from './clients/http.ts';
export { dialTls } from './clients/tls.ts';
export { KiaError, UsageError, InputError, CredentialError, LabError, NetworkError, TimeoutError, TooLargeError } from './errors.ts';
export type * from './model/index.ts';
export { SEVERITIES, severityRank, KUBERNETES_VERSIONS, DEFAULT_KUBERNETES_VERSION } from './model/index.ts';
