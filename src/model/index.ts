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

// ---------------------------------------------------------------------------------------------------------------
// The hunt's data, stage by stage: targets -> open ports -> observations -> findings -> report.

export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** One host to hunt: a name or address, where it came from, and the node name when known. */
export interface Target {
  /** What the user gave or the source listed (hostname, IP, node name). */
  host: string;
  /** The address to dial (IPv4 or IPv6 literal). */
  address: string;
  source: 'argument' | 'cidr' | 'file' | 'lab' | 'kubeconfig' | 'local' | 'prometheus';
  node?: string;
  /**
   * The address stands for the node's own loopback (a lab's node-local address, or 127.0.0.1 on the node itself):
   * what answers there is not exposed to the network.
   */
  loopback?: boolean;
}

/** The process behind a listening socket, from /proc (node-local discovery). */
export interface ProcessInfo {
  pid: number;
  /** /proc/<pid>/comm */
  name: string;
  cmdline: string[];
  containerId?: string;
  /** `--flag=value` pairs from the command line (a bare `--flag` is "true"). */
  flags: Record<string, string>;
  /** Settings read from the component's config file (kubelet --config, kube-proxy --config), flattened. */
  config?: Record<string, unknown>;
  configFile?: string;
}

/** A TCP port that accepted a connection, or a listening socket found locally. */
export interface OpenPort {
  target: Target;
  address: string;
  port: number;
  /** For node-local discovery: the address the socket is bound to (0.0.0.0, 127.0.0.1, a node IP). */
  bindAddress?: string;
  process?: ProcessInfo;
  /** Milliseconds to connect. */
  connectMs?: number;
  /** What an inventory expects to answer here (a lab plan, the catalog's port on a listed node, a local process). */
  expected?: ExpectedComponent;
}

/** A component and catalog port an inventory expects at an endpoint; health judges the endpoint as that. */
export interface ExpectedComponent {
  component: ComponentId;
  /** Catalog port name (`api`, `healthz`, `client`, …). */
  portName: string;
  scheme: Scheme;
}

export type ClientCertObservation = ClientCertPolicy | 'unknown';

export interface CertificateObservation {
  subject: string;
  issuer: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
  isCA: boolean;
  fingerprint256: string;
}

export interface TlsObservation {
  protocol: string | null;
  alpn: string | false;
  /** The served chain, leaf first. */
  chain: CertificateObservation[];
  /** Verification against the CA the user passed (absent when none was passed). */
  verified?: boolean;
  verifyError?: string;
  clientCert: ClientCertObservation;
  /** How the policy was seen: handshake refused, alert after it, CertificateRequest seen, none seen. */
  clientCertEvidence: string;
  /** Distinguished names of the acceptable client-certificate CAs the server sent (TLS 1.2 CertificateRequest). */
  acceptableCAs?: string[];
  /** The chain verified against the CA the user passed, names aside (absent when none was passed). */
  chainVerified?: boolean;
  /** Whether the port still agrees to old protocol versions and weak suites (the hunt asks; health does not). */
  posture?: TlsPosture;
}

/** What a server did when offered only something weak: the version or suite it chose, or null when it refused. */
export interface TlsOfferResult {
  /** Absent when nothing was learned (a timeout, a close without an alert). */
  accepted?: string | null;
  /** One line: what the ServerHello chose, or the alert or failure that refused it. */
  evidence: string;
}

export interface TlsPosture {
  /** One ClientHello offering only TLS 1.0 and 1.1: the server picks the highest it has below 1.2. */
  legacyVersion: TlsOfferResult;
  /** One TLS 1.2 ClientHello offering only weak suites (CBC without AEAD, RSA key exchange, 3DES, RC4): an IANA name. */
  weakSuite: TlsOfferResult;
}

/**
 * What became of one exchange with a peer, the one vocabulary every stage uses (the transport is the only code that
 * maps socket errors to it):
 * `ok` an HTTP answer read whole; `too-large` an HTTP answer cut at the byte cap (status and headers kept);
 * `refused` nothing listens; `unreachable` no route to the host or a name that does not resolve; `timeout` no whole
 * answer within the deadline; `reset` the peer closed or reset before a whole answer; `tls-error` the handshake
 * failed; `tls-verify` the server's certificate did not verify, so nothing was sent; `tls-client-cert` the server
 * refused our client certificate (or its absence) in or right after the handshake; `bad-answer` not HTTP, or HTTP
 * kia will not read (broken status line, too many or too large headers, invalid chunking, two lengths); `aborted`
 * the run's overall deadline passed first; `skipped` not asked (the reason says why); `error` anything else.
 */
export type Outcome = 'ok' | 'too-large' | 'refused' | 'unreachable' | 'timeout' | 'reset' | 'tls-error' | 'tls-verify' | 'tls-client-cert' | 'bad-answer' | 'aborted' | 'skipped' | 'error';

/** Outcomes that carry an HTTP status the peer sent. */
export function answered(outcome: Outcome): boolean {
  return outcome === 'ok' || outcome === 'too-large';
}

/** @deprecated the one outcome type is `Outcome`. */
export type RouteOutcome = Outcome;

/** One request to one route as one identity: what happened, never a verdict. */
export interface RouteObservation {
  /** The catalog route id, or `probe:<name>` for fingerprinting requests. */
  route: string;
  method: string;
  path: string;
  identity: string;
  outcome: RouteOutcome;
  status?: number;
  contentType?: string;
  /** The start of the body, capped, with secrets redacted. */
  bodySample?: string;
  /** The whole body (up to the probe's cap) where its meaning needs it: health answers, configuration. */
  body?: string;
  /** One line on why it failed or was not asked. */
  detail?: string;
  /** For a failing check's own sub-path (`/healthz/<check>`): the check's name. */
  check?: string;
  /** With outcome `too-large`: the byte cap the answer went past. */
  capBytes?: number;
  durationMs: number;
}

export interface Fingerprint {
  component: ComponentId | 'unknown';
  /** The catalog port name when known (`api`, `client`, ...). */
  port?: string;
  confidence: 'high' | 'medium' | 'low';
  /** The answers that made the call. */
  evidence: string[];
  version?: string;
}

export interface EndpointObservation {
  target: Target;
  address: string;
  port: number;
  scheme: Scheme | 'unknown';
  /** Plain TCP outcome of the first connection. */
  outcome: 'open' | 'closed' | 'timeout' | 'error';
  tls?: TlsObservation;
  fingerprint: Fingerprint;
  routes: RouteObservation[];
  bindAddress?: string;
  process?: ProcessInfo;
  /** Reachable from the network the hunt ran on, or bound to loopback only (local hunt). */
  exposure: 'network' | 'loopback' | 'unknown';
  errors: string[];
  /** What the inventory expected here (health). */
  expected?: ExpectedComponent;
  /** A kubelet API port: who can exec through it, per identity (the access matrix's exec column). */
  exec?: ExecAccess[];
}

/**
 * `inferred`: a 200 on a read route that needs get nodes/proxy, which a WebSocket upgrade to /exec also needs (passive);
 * `proven`: with --active, `id` ran over that upgrade; `refused`: the kubelet refused a nodes/proxy route (401/403)
 * and granted none, or refused the upgrade itself.
 */
export type ExecState = 'inferred' | 'proven' | 'refused';

export interface ExecAccess {
  identity: string;
  state: ExecState;
  /** The request whose answer shows it (`/pods`, `/exec/…?command=id&output=1`). */
  path: string;
}

export interface Evidence {
  /** The exact request, as a curl command line, secrets redacted. */
  request: string;
  /** The status line and the start of the response body. */
  response: string;
}

export interface Finding {
  rule: string;
  title: string;
  severity: Severity;
  mode: Mode;
  component: ComponentId | 'unknown';
  host: string;
  address: string;
  port: number;
  node?: string;
  message: string;
  evidence: Evidence[];
  fix: string;
  references: string[];
  /** The path the finding is about, when its rule is about one route (`/configz`). */
  route?: string;
  /** The baseline entry that matched: it waives the finding until it expires; an expired one waives nothing. */
  waiver?: Waiver;
}

/** An accepted finding from a baseline file (`kia hunt --baseline`): why, until when, and whether that has passed. */
export interface Waiver {
  reason: string;
  /** The last day it waives (UTC), `YYYY-MM-DD`. */
  expires: string;
  /** The run is past `expires`: the finding counts again. */
  expired: boolean;
}

export interface Report {
  schema: 'kia.report/v1';
  tool: { name: 'kia'; version: string };
  startedAt: string;
  finishedAt: string;
  /** What was hunted and how: targets, ports, identities used (names only), active or passive. */
  scope: {
    targets: Target[];
    ports: number[];
    identities: string[];
    active: boolean;
    /** Server certificates were not verified (`--insecure-skip-tls-verify`): tokens went to unverified servers. */
    insecureSkipVerify?: boolean;
  };
  endpoints: EndpointObservation[];
  findings: Finding[];
  /** Hosts that could not be reached at all, and other non-fatal problems. */
  notes: string[];
  /** Targets on which no port answered: how many, and the first few addresses (a CIDR hunt can leave thousands). */
  unanswered?: { count: number; addresses: string[] };
  /** The CIS Benchmark items kia can judge from what it saw (`--cis`). */
  cis?: CisReport;
}

// ---------------------------------------------------------------------------------------------------------------
// Health (`kia health`, `kia serve`): endpoints -> probes -> checks -> component state. One shape for the table, the
// JSON, the exporter and the dashboard.

/**
 * `healthy`; `degraded`: answered but unhealthy (5xx, a failing check, kube-proxy stale, a certificate close to
 * expiry); `down`: did not answer (refused, hang, timeout, TLS failure); `unknown`: nothing could be asked (no
 * credentials for any of its health routes).
 */
export type HealthState = 'healthy' | 'degraded' | 'down' | 'unknown';

export const HEALTH_STATES: readonly HealthState[] = ['healthy', 'unknown', 'degraded', 'down'];

/** The worse of two states: down > degraded > unknown > healthy. */
export function worseHealth(a: HealthState, b: HealthState): HealthState {
  return HEALTH_STATES.indexOf(a) >= HEALTH_STATES.indexOf(b) ? a : b;
}

/** One named check of a verbose health answer (`[+]etcd ok`, `[-]syncloop failed: reason withheld`). */
export interface HealthCheck {
  name: string;
  ok: boolean;
  /** The failure reason: from the answer itself, or from the check's own sub-path when the summary withholds it. */
  reason?: string;
}

/** One health route asked of one endpoint. */
export interface HealthProbe {
  /** Catalog route id, e.g. `kubelet.api.healthz`. */
  route: string;
  method: string;
  path: string;
  identity: string;
  /** `skipped` when no credential could ask it (the reason is in `detail`). */
  state: HealthState | 'skipped';
  outcome: RouteOutcome;
  status?: number;
  durationMs: number;
  /** One line: `ok`, `503 ALARM NOSPACE`, `stale: lastUpdated 95 s behind currentTime`, `connection refused`. */
  detail: string;
  checks: HealthCheck[];
  /** kube-proxy 10256: the proxier's last sync and the server's clock, as ISO strings, and node eligibility. */
  proxy?: { lastUpdated?: string; currentTime?: string; ageSeconds?: number; nodeEligible?: boolean; healthy?: boolean };
}

/** Days left under which a serving certificate is a warning and a critical problem: declared once, for audit and health. */
export const CERTIFICATE_THRESHOLDS = { warningDays: 30, criticalDays: 7 } as const;
/** How close a certificate is to its notAfter, from the least to the most urgent. */
export const CERTIFICATE_LEVELS = ['ok', 'warning', 'critical', 'expired'] as const;
export type CertificateLevel = (typeof CERTIFICATE_LEVELS)[number];

export interface CertificateHealth {
  subject: string;
  notAfter: string;
  /** Whole days until notAfter (negative once expired). */
  daysLeft: number;
  /** Against the thresholds (warning under 30 days, critical under 7): `ok`, `warning`, `critical`, `expired`. */
  level: CertificateLevel;
  state: HealthState;
  /** Whether the served chain verifies against the CA given (absent when no CA was given). */
  verified?: boolean;
  verifyError?: string;
}

export interface EndpointHealth {
  address: string;
  port: number;
  /** Catalog port name (`api`, `healthz`, `metrics`, `client`, `secure`). */
  portName: string;
  scheme: Scheme;
  state: HealthState;
  probes: HealthProbe[];
  certificate?: CertificateHealth;
}

export interface ComponentHealth {
  node: string;
  component: ComponentId;
  state: HealthState;
  /** One line for the table. */
  summary: string;
  endpoints: EndpointHealth[];
}

export interface NodeHealth {
  name: string;
  state: HealthState;
  components: ComponentHealth[];
}

export interface HealthReport {
  schema: 'kia.health/v1';
  checkedAt: string;
  durationMs: number;
  state: HealthState;
  nodes: NodeHealth[];
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Effective configuration and the CIS Kubernetes Benchmark (`kia hunt --cis`).

/**
 * Where a configuration value was read: the running process's own `/configz` or `/flagz`, or the node (its command
 * line, its config file). The first two are what runs; the last two are what the node says should run.
 */
export type ConfigSource = 'configz' | 'flagz' | 'cmdline' | 'file';

export interface ConfigValue {
  value: unknown;
  source: ConfigSource;
  /** The request (`GET https://10.0.0.13:10250/configz as admin`) or the file (`/var/lib/kubelet/config.yaml`). */
  from: string;
  /** `/configz` left the field out (omitempty): the value is the type's zero value, not a default. */
  omitted?: boolean;
  /** The file left the field out: the value is the config version's default. */
  defaulted?: boolean;
}

/** The running value and the node's own disagree: a restart is pending, or something changed under the process. */
export interface ConfigDrift {
  setting: string;
  running: ConfigValue;
  declared: ConfigValue;
}

/** One component on one host: the settings that matter, each with its source. */
export interface EffectiveConfig {
  component: ComponentId;
  host: string;
  address: string;
  node?: string;
  /** The effective value of each setting: running (configz, flagz) first, else the node's (cmdline, file). */
  values: Record<string, ConfigValue>;
  drift: ConfigDrift[];
  /** Sources that were there but could not be read, one line each (`/configz: 403 to alice, 401 to anonymous`). */
  unread: string[];
}

export type CisStatus = 'pass' | 'fail' | 'not-verified';

/** One CIS Benchmark item judged for one component on one host. */
export interface CisResult {
  /** The benchmark's item number, e.g. `4.2.4`. */
  item: string;
  title: string;
  component: ComponentId;
  host: string;
  node?: string;
  status: CisStatus;
  /** What proved it: a configuration source, or `wire` (TLS facts, answers). Never absent on pass or fail. */
  source?: ConfigSource | 'wire';
  /** One line: the value seen and what it means, or what is missing. */
  detail: string;
  /** With `not-verified`: the credential or access that would verify it. */
  needs?: string;
  /** With `fail`: the setting and its safe value. */
  fix?: string;
}

export interface CisReport {
  /** e.g. `cis-1.11`. */
  benchmark: string;
  /** The Kubernetes minors the benchmark was written for. */
  writtenFor: string[];
  /** The Kubernetes version judged (`1.31`), and where it came from. */
  kubernetesVersion: string;
  /** Why this benchmark: `1.31 is covered by cis-1.11`, or a newer release judged by the newest benchmark. */
  basis: string;
  results: CisResult[];
  effective: EffectiveConfig[];
}
