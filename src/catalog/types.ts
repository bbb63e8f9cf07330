// The shape of the catalog: data about every component, port and route, grounded in upstream source.
// Other modules read the catalog instead of hard-coding ports and paths.
import type { ClientCertPolicy, ComponentId, Mode, Scheme } from '../model/index.ts';

/**
 * A version range, inclusive `since`, exclusive `until`. For etcd ports and routes the numbers are etcd versions
 * (`3.5.11`); for everything else Kubernetes versions (`1.28`). Absent bounds are open.
 */
export interface VersionRange {
  readonly since?: string;
  readonly until?: string;
  /** Why the range is what it is: the gate, PR or release note. */
  readonly note?: string;
}

/** Where a port listens in a kubeadm cluster (and upstream by default). */
export type BindScope = 'loopback' | 'all' | 'node-ip' | 'loopback+node-ip' | 'off' | 'not-deployed';

/**
 * Who may use a route without credentials.
 * - `open`: no authentication at all on this port (plain HTTP health/metrics ports).
 * - `always-allow`: authenticated-or-anonymous callers pass authorisation without a check (delegated
 *   `--authorization-always-allow-paths`, apiserver's system:public-info-viewer).
 * - `authz`: authentication, then an authorisation check; anonymous callers are refused unless the component is
 *   configured insecurely.
 * - `tls-client-cert`: the TLS handshake itself refuses callers without a valid client certificate (etcd).
 */
export type Access = 'open' | 'always-allow' | 'authz' | 'tls-client-cert';

/** kubelet authorisation attributes: resource `nodes`, a subresource, the verb from the HTTP method. */
export interface KubeletAuthz {
  readonly resource: 'nodes';
  /** The coarse subresource every version checks: proxy, stats, metrics, log, checkpoint. */
  readonly subresource: 'proxy' | 'stats' | 'metrics' | 'log' | 'checkpoint';
  /** The fine-grained subresource tried first with KubeletFineGrainedAuthz (alpha 1.32, on by default from 1.33). */
  readonly fineGrained?: { readonly subresource: string; readonly versions: VersionRange };
}

/** Non-resource authorisation (controller-manager, scheduler, apiserver): verb from the method, the URL path. */
export interface NonResourceAuthz {
  readonly nonResourcePath: string;
}

export interface RouteParam {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** Values or form, e.g. `true|false`, `<int>`, `RFC3339`. */
  readonly values?: string;
  readonly versions?: VersionRange;
}

export interface Route {
  /** Stable id, `<component>.<port name>.<route>`, e.g. `kubelet.api.pods`. */
  readonly id: string;
  /** Path pattern; `{name}` marks a path parameter, a trailing `*` a prefix (`/debug/pprof/*`). */
  readonly path: string;
  /** HTTP methods the route answers; `*` for any. */
  readonly methods: readonly string[];
  readonly pathParams?: readonly RouteParam[];
  readonly query?: readonly RouteParam[];
  /** What a successful answer is. */
  readonly returns: { readonly status: number; readonly contentType: string; readonly shape: string };
  readonly mode: Mode;
  readonly access: Access;
  readonly authz?: KubeletAuthz | NonResourceAuthz;
  /** Condition beyond the version, e.g. `enableDebuggingHandlers`, `--profiling`, `--enable-pprof`. */
  readonly requires?: string;
  /** A streaming upgrade (exec/attach/portForward) or a long-lived stream (follow, watch). */
  readonly streaming?: boolean;
  readonly versions?: VersionRange;
  /** A health route: how `kia health` reads its answer (absent on every other route). */
  readonly health?: HealthRoute;
  /** The upstream file(s) this route is read from, as `repo:path` (`kubernetes/kubernetes:pkg/kubelet/server/server.go`). */
  readonly source: string;
  readonly description: string;
}

/**
 * How a health route answers, for `kia health` and `kia serve`:
 * - `healthz`: k8s.io/apiserver healthz (and etcd's /livez /readyz): `ok`, `?verbose` lists `[+]name ok` / `[-]name failed: reason`;
 * - `etcd-health`: etcd's `/health` JSON `{"health":"true","reason":""}` with `health` a string;
 * - `kube-proxy`: kube-proxy's 10256 JSON with `lastUpdated`, `currentTime`, `healthy`, `nodeEligible` (two body formats).
 */
export interface HealthRoute {
  readonly format: 'healthz' | 'etcd-health' | 'kube-proxy';
  /** Ask with `?verbose` to get the named checks. */
  readonly verbose?: boolean;
  /**
   * The summary withholds the reason of a failing check (`reason withheld`) and `<path>/<check>` shows it: the probe
   * follows up on each failing check.
   */
  readonly checkSubpaths?: boolean;
}

export interface PortEntry {
  readonly component: ComponentId;
  /** Stable name of the port within the component: `client`, `peer`, `metrics`, `api`, `healthz`, `secure`, ... */
  readonly name: string;
  readonly port: number;
  readonly scheme: Scheme;
  readonly clientCert: ClientCertPolicy;
  readonly title: string;
  /** Where kubeadm binds it. */
  readonly kubeadmBind: BindScope;
  /** Upstream default bind when nothing configures it (e.g. `0.0.0.0`, `127.0.0.1`, `off`). */
  readonly upstreamDefaultBind: string;
  /** Flags that control the listener, its TLS and its authentication. */
  readonly flags: readonly string[];
  /** Config-file fields (KubeletConfiguration, KubeProxyConfiguration, ...) that control it. */
  readonly configFields: readonly string[];
  /** Whether a caller without credentials is expected to get anything in a kubeadm cluster, and what. */
  readonly anonymous: { readonly expected: boolean; readonly detail: string };
  /** The unauthenticated caller's answer in a kubeadm cluster, as the wire shows it. */
  readonly unauthenticated: string;
  readonly versions?: VersionRange;
  readonly source: string;
  readonly routes: readonly Route[];
}

export interface ComponentEntry {
  readonly id: ComponentId;
  readonly title: string;
  /** The process names it runs under (for node-local discovery). */
  readonly processNames: readonly string[];
  /** Whose versions the ranges of this component use. */
  readonly versioning: 'kubernetes' | 'etcd';
  readonly ports: readonly PortEntry[];
  /** Ports that existed and are gone, kept as history (kube-scheduler 10251, kube-controller-manager 10252). */
  readonly removedPorts?: readonly PortEntry[];
  readonly source: string;
}
