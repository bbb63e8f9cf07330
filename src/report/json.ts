// The machine view: `kia.report/v1`, documented in docs/report-schema.md. Keys come out in the order listed here on
// every run; maps (flags, config) are sorted. Each list must name every key of its type, so a new model field fails
// to compile until it is placed (and documented, and the versioning rule applied).
import type {
  CertificateObservation,
  CisReport,
  CisResult,
  ConfigDrift,
  ConfigValue,
  EffectiveConfig,
  EndpointObservation,
  Evidence,
  ExecAccess,
  Finding,
  Fingerprint,
  ProcessInfo,
  Report,
  RouteObservation,
  Target,
  TlsObservation,
  Waiver,
} from '../model/index.ts';
import { redactDeep } from './redact.ts';

export const REPORT_SCHEMA = 'kia.report/v1';

type Missing<T, K extends readonly PropertyKey[]> = Exclude<keyof T, K[number]>;
/** The key order of T; a compile error names any key of T left out. */
const keyOrder =
  <T>() =>
  <const K extends readonly (keyof T)[]>(keys: K & ([Missing<T, K>] extends [never] ? unknown : { missing: Missing<T, K> })): K =>
    keys;

const REPORT = keyOrder<Report>()(['schema', 'tool', 'startedAt', 'finishedAt', 'scope', 'endpoints', 'findings', 'notes', 'unanswered', 'cis']);
const TOOL = keyOrder<Report['tool']>()(['name', 'version']);
const SCOPE = keyOrder<Report['scope']>()(['targets', 'ports', 'identities', 'active', 'insecureSkipVerify']);
const TARGET = keyOrder<Target>()(['host', 'address', 'node', 'source', 'loopback']);
const ENDPOINT = keyOrder<EndpointObservation>()(['target', 'address', 'port', 'scheme', 'outcome', 'exposure', 'bindAddress', 'fingerprint', 'tls', 'routes', 'exec', 'process', 'errors', 'expected']);
const EXEC = keyOrder<ExecAccess>()(['identity', 'state', 'path']);
const FINGERPRINT = keyOrder<Fingerprint>()(['component', 'port', 'version', 'confidence', 'evidence']);
const TLS = keyOrder<TlsObservation>()(['protocol', 'alpn', 'clientCert', 'clientCertEvidence', 'acceptableCAs', 'verified', 'chainVerified', 'verifyError', 'posture', 'chain']);
const CERTIFICATE = keyOrder<CertificateObservation>()(['subject', 'issuer', 'dnsNames', 'ipAddresses', 'notBefore', 'notAfter', 'selfSigned', 'isCA', 'fingerprint256']);
const ROUTE = keyOrder<RouteObservation>()(['route', 'method', 'path', 'identity', 'outcome', 'status', 'contentType', 'check', 'detail', 'bodySample', 'body', 'capBytes', 'durationMs']);
const PROCESS = keyOrder<ProcessInfo>()(['pid', 'name', 'cmdline', 'containerId', 'flags', 'configFile', 'config']);
const FINDING = keyOrder<Finding>()(['rule', 'title', 'severity', 'mode', 'component', 'host', 'address', 'port', 'node', 'route', 'message', 'evidence', 'fix', 'references', 'waiver']);
const WAIVER = keyOrder<Waiver>()(['reason', 'expires', 'expired']);
const UNANSWERED = keyOrder<NonNullable<Report['unanswered']>>()(['count', 'addresses']);
const EVIDENCE = keyOrder<Evidence>()(['request', 'response']);
const CIS = keyOrder<CisReport>()(['benchmark', 'writtenFor', 'kubernetesVersion', 'basis', 'results', 'effective']);
const CIS_RESULT = keyOrder<CisResult>()(['item', 'title', 'component', 'host', 'node', 'status', 'source', 'detail', 'needs', 'fix']);
const EFFECTIVE = keyOrder<EffectiveConfig>()(['component', 'host', 'address', 'node', 'values', 'drift', 'unread']);
const CONFIG_VALUE = keyOrder<ConfigValue>()(['value', 'source', 'from', 'omitted', 'defaulted']);
const DRIFT = keyOrder<ConfigDrift>()(['setting', 'running', 'declared']);

/** The listed keys of `value` in order, leaving out absent ones. */
function pick<T extends object>(value: T, keys: readonly (keyof T)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (value[key] !== undefined) out[key as string] = value[key];
  return out;
}

/** A free-form map with its keys sorted, at every depth. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sorted(v)]));
}

// A key set again after `pick` keeps the place `pick` gave it.
const target = (t: Target) => pick(t, TARGET);
const processInfo = (p: ProcessInfo) => ({ ...pick(p, PROCESS), flags: sorted(p.flags), ...(p.config !== undefined && { config: sorted(p.config) }) });
const tls = (t: TlsObservation) => ({ ...pick(t, TLS), chain: t.chain.map((c) => pick(c, CERTIFICATE)) });

const endpoint = (e: EndpointObservation) => ({
  ...pick(e, ENDPOINT),
  target: target(e.target),
  fingerprint: pick(e.fingerprint, FINGERPRINT),
  ...(e.tls !== undefined && { tls: tls(e.tls) }),
  routes: e.routes.map((r) => pick(r, ROUTE)),
  ...(e.exec !== undefined && { exec: e.exec.map((x) => pick(x, EXEC)) }),
  ...(e.process !== undefined && { process: processInfo(e.process) }),
});

const finding = (f: Finding) => ({ ...pick(f, FINDING), evidence: f.evidence.map((ev) => pick(ev, EVIDENCE)), ...(f.waiver !== undefined && { waiver: pick(f.waiver, WAIVER) }) });

const configValue = (v: ConfigValue) => pick(v, CONFIG_VALUE);
const effective = (e: EffectiveConfig) => ({
  ...pick(e, EFFECTIVE),
  values: Object.fromEntries(Object.entries(e.values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, configValue(v)])),
  drift: e.drift.map((d) => ({ ...pick(d, DRIFT), running: configValue(d.running), declared: configValue(d.declared) })),
});
const cis = (c: CisReport) => ({ ...pick(c, CIS), results: c.results.map((r) => pick(r, CIS_RESULT)), effective: c.effective.map(effective) });

/** The report as ordered plain data (what `renderJson` prints), secrets redacted. */
export function reportDocument(report: Report): Record<string, unknown> {
  const r = redactDeep(report);
  return {
    ...pick(r, REPORT),
    schema: REPORT_SCHEMA,
    tool: pick(r.tool, TOOL),
    scope: { ...pick(r.scope, SCOPE), targets: r.scope.targets.map(target) },
    endpoints: r.endpoints.map(endpoint),
    findings: r.findings.map(finding),
    ...(r.unanswered !== undefined && { unanswered: pick(r.unanswered, UNANSWERED) }),
    ...(r.cis !== undefined && { cis: cis(r.cis) }),
  };
}

/** `kia.report/v1` as pretty-printed JSON with a trailing newline. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(reportDocument(report), null, 2)}\n`;
}

/**
 * The very text of renderJson, in pieces (one per element of the top-level arrays), so the report of 1,000 nodes
 * (80 MB of JSON) is written without being held whole as one string and again as its bytes.
 */
export function* renderJsonPieces(report: Report): Generator<string> {
  const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
  // JSON.stringify drops keys whose value is undefined.
  const entries = Object.entries(reportDocument(report)).filter(([, value]) => value !== undefined);
  yield '{';
  for (const [i, [key, value]] of entries.entries()) {
    yield `${i === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `;
    if (!Array.isArray(value) || value.length === 0) {
      yield indent(JSON.stringify(value, null, 2), '  ');
      continue;
    }
    yield '[';
    for (const [j, item] of (value as unknown[]).entries()) yield `${j === 0 ? '' : ','}\n    ${indent(JSON.stringify(item, null, 2) ?? 'null', '    ')}`;
    yield '\n  ]';
  }
  yield entries.length === 0 ? '}\n' : '\n}\n';
}
