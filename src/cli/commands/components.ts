// Client commands for the components' own routes: `kia etcd|proxy|controller-manager|scheduler|apiserver <what>` and
// `kia get <url>`. Ports, schemes and paths come from the catalog; every failure becomes one line naming what was
// tried and what to do. Exit codes as CONVENTIONS.md: 0 healthy, 1 unhealthy answer, 2 usage/credential, 3 no answer.
import { readCaFile } from '../../clients/identity.ts';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { findComponent, findPortByNumber, getComponent, getPort, type PortEntry, type Route } from '../../catalog/index.ts';
import { call, healthChecks, parseAnswer, proxyHealth, type Answer, type CallTarget, type HealthReport, type Parsed, type ProxyHealth } from '../../clients/components.ts';
import { etcdHealth, etcdIdHex, etcdMembers, etcdStatus, etcdVersion, type EtcdMembers, type EtcdStatus } from '../../clients/etcd.ts';
import { UsageError } from '../../errors.ts';
import type { ComponentId } from '../../model/index.ts';
import { EXIT } from '../output.ts';
import { collectIdentities } from './hunt.ts';

interface ClientFlags {
  endpoint?: string;
  cert?: string;
  key?: string;
  cacert?: string;
  token?: string;
  tokenFile?: string;
  kubeconfig?: string | true;
  context?: string;
  insecureSkipTlsVerify?: boolean;
  output: 'text' | 'json';
  timeout: number;
  maxBytes?: number;
}

interface GetFlags extends ClientFlags {
  component?: string;
  method?: string;
  data?: string;
  act?: boolean;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const SMALL = 1 * MiB;
const LARGE = 64 * MiB;

/** Where kubeadm keeps what a failing call needs next (spec §2.9, §5.5, §6.1). */
const KUBEADM_HINTS: Partial<Record<ComponentId, { ca?: string; cert?: string }>> = {
  etcd: { ca: '/etc/kubernetes/pki/etcd/ca.crt', cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt and .key' },
  'kube-apiserver': { ca: '/etc/kubernetes/pki/ca.crt', cert: '--kubeconfig /etc/kubernetes/admin.conf' },
  'kube-controller-manager': { ca: 'none, its serving certificate is self-signed in memory' },
  'kube-scheduler': { ca: 'none, its serving certificate is self-signed in memory' },
  kubelet: { ca: 'none, /var/lib/kubelet/pki/kubelet.crt is self-signed', cert: '/etc/kubernetes/pki/apiserver-kubelet-client.crt and .key' },
};

// ---------------------------------------------------------------------------------------------------------------
// Targets and credentials.

function hostPort(value: string): { host: string; port?: number } {
  const m = /^(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?$/.exec(value);
  if (!m) throw new UsageError(`not a node address: ${value} (give host, host:port or --endpoint https://host:port)`);
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new UsageError(`not a port: ${m[2]}`);
  return { host: m[1] ?? value, ...(port !== undefined ? { port } : {}) };
}

function originOf(port: PortEntry, node: string | undefined, endpoint: string | undefined): string {
  if (endpoint !== undefined) {
    if (node !== undefined) throw new UsageError('give either a node address or --endpoint, not both');
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UsageError(`--endpoint takes a URL such as https://10.0.0.1:${port.port}, not ${endpoint}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--endpoint must be http:// or https://, not ${url.protocol}`);
    return url.origin;
  }
  const { host, port: n } = hostPort(node ?? '127.0.0.1');
  return `${port.scheme}://${host}:${n ?? port.port}`;
}

async function callTarget(origin: string, flags: ClientFlags, maxBytes: number): Promise<CallTarget> {
  const identities = await collectIdentities({ ...flags, output: 'text' });
  if (identities.length > 1) throw new UsageError('give one credential: --cert/--key, --token, --token-file or --kubeconfig');
  const ca = readCaFile(flags.cacert);
  const [identity] = identities;
  return { origin, ...(identity ? { identity } : {}), ...(ca ? { ca } : {}), insecureSkipVerify: flags.insecureSkipTlsVerify === true, timeoutMs: flags.timeout, maxBytes: flags.maxBytes ?? maxBytes };
}

// ---------------------------------------------------------------------------------------------------------------
// One line for every way a call can fail.

/** OpenSSL's `80…:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:…` becomes its reason. */
function tidy(detail: string): string {
  const openssl = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(detail);
  return (openssl?.[1] ?? detail).replace(/\s+/g, ' ').trim();
}

const CREDENTIAL_FLAGS = '--cert/--key, --token, --token-file or --kubeconfig';

function explain(answer: Answer, component: ComponentId, port: PortEntry | undefined, target: CallTarget): { message: string; code: number } {
  const tried = `${answer.method} ${answer.url} as ${answer.as}`;
  const title = getComponent(component).title;
  const hint = KUBEADM_HINTS[component];
  const hasCert = target.identity?.cert !== undefined;
  const detail = answer.detail ? ` (${tidy(answer.detail)})` : '';
  const url = new URL(answer.url);
  // etcd's TLS port closes a certificate-less connection, which can surface as a reset rather than an alert.
  const problem = answer.problem === 'reset' && url.protocol === 'https:' && port?.clientCert === 'required' ? 'tls-client-cert' : answer.problem;
  const onLoopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  const loopback = port?.kubeadmBind === 'loopback' && !onLoopback ? ` (kubeadm binds ${title} ${port.port} to 127.0.0.1: run kia on the node)` : '';
  switch (problem) {
    case 'refused':
      return { message: `${tried}: connection refused: nothing listens there${loopback}; check the address, or name the endpoint with --endpoint`, code: EXIT.down };
    case 'timeout':
      return { message: `${tried}: no answer within ${target.timeoutMs} ms: the port is filtered or ${title} hangs; check the address or raise --timeout`, code: EXIT.down };
    case 'tls-verify':
      return { message: `${tried}: the server certificate did not verify${detail}: pass its CA with --cacert <file>${hint?.ca ? ` (kubeadm: ${hint.ca})` : ''}, or --insecure-skip-tls-verify to skip the check`, code: EXIT.down };
    case 'tls-client-cert':
      return hasCert
        ? { message: `${tried}: ${title} refused the client certificate in the TLS handshake${detail}: give one signed by the CA it trusts with --cert/--key${hint?.cert ? ` (kubeadm: ${hint.cert})` : ''}`, code: EXIT.usage }
        : { message: `${tried}: ${title} requires a client certificate and ended the TLS handshake${detail}: give --cert and --key${hint?.cert ? ` (kubeadm: ${hint.cert})` : ''}`, code: EXIT.usage };
    case 'tls-error':
      return { message: `${tried}: TLS failed${detail}: check --cacert (or --insecure-skip-tls-verify) and the client certificate --cert/--key`, code: EXIT.down };
    case 'reset':
      return { message: `${tried}: the connection was closed without an answer${detail}${url.protocol === 'http:' ? ': the port may speak TLS; try --endpoint https://…' : ''}`, code: EXIT.down };
    case 'too-large':
      return { message: `${tried}: the answer is larger than ${target.maxBytes} bytes: raise --max-bytes`, code: EXIT.usage };
    case 'credential':
      return answer.as === 'anonymous'
        ? { message: `${tried}: 401 Unauthorized: ${title} needs a credential here: give ${CREDENTIAL_FLAGS}`, code: EXIT.usage }
        : { message: `${tried}: 401 Unauthorized: ${title} did not accept this credential (unknown CA, expired, or unknown token)${answer.tokenWithheld ? '; the token was not sent over plain HTTP' : ''}: give another with ${CREDENTIAL_FLAGS}`, code: EXIT.usage };
    case 'forbidden':
      return answer.as === 'anonymous'
        ? { message: `${tried}: 403 Forbidden${detail}: give a credential allowed to ${answer.method} ${url.pathname} with ${CREDENTIAL_FLAGS}`, code: EXIT.usage }
        : { message: `${tried}: 403 Forbidden${detail}: this identity is not authorised; use one that is with ${CREDENTIAL_FLAGS} (kubeadm: --kubeconfig /etc/kubernetes/admin.conf)`, code: EXIT.usage };
    case 'not-found':
      return { message: `${tried}: 404 Not Found: ${title} does not serve ${url.pathname} here (version or port); \`kia catalog ${component}\` lists its routes`, code: EXIT.usage };
    case 'rejected':
      return { message: `${tried}: ${answer.status}${detail}${/HTTP request to an HTTPS server/.test(answer.detail ?? '') ? ': use https:// (--endpoint https://…)' : ''}`, code: EXIT.usage };
    default:
      return { message: `${tried}: ${answer.detail ?? answer.outcome}: check the address and port`, code: EXIT.down };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Output.

/** What a command prints, and whether the answer was a healthy one. */
interface Shown {
  healthy: boolean;
  text: string;
  json: Record<string, unknown>;
}

/** A call's answer and, when it parsed, what to print. */
interface Result {
  answer: Answer;
  shown?: Shown;
  parseError?: string;
}

const head = (answer: Answer): Record<string, unknown> => ({ url: answer.url, status: answer.status });
const below500 = (answer: Answer): boolean => (answer.status ?? 0) < 500;

function present<T>(parsed: Parsed<T>, show: (value: T, answer: Answer) => Shown): Result {
  if (parsed.value === undefined) return { answer: parsed.answer, ...(parsed.parseError !== undefined ? { parseError: parsed.parseError } : {}) };
  return { answer: parsed.answer, shown: show(parsed.value, parsed.answer) };
}

const raw = (answer: Answer): Shown => ({ healthy: below500(answer), text: answer.body.toString('utf8'), json: { ...head(answer), contentType: answer.contentType, body: answer.body.toString('utf8') } });

function showChecks(value: HealthReport, answer: Answer): Shown {
  const lines = value.checks.map((c) => (c.ok ? `[+] ${c.name} ${c.excluded ? 'excluded' : 'ok'}` : `[-] ${c.name} failed: ${c.reason ?? ''}`));
  const verdict = `${value.healthy ? 'healthy' : 'unhealthy'} (${answer.status}): ${value.checks.filter((c) => c.ok).length}/${value.checks.length} checks ok`;
  return { healthy: value.healthy, text: [verdict, ...lines, ...(value.summary ? [value.summary] : [])].join('\n'), json: { ...head(answer), ...value } };
}

function showJson(answer: Answer, key: string, text: (value: Record<string, unknown>) => string | undefined): Shown {
  const value = parseAnswer(answer, (body) => JSON.parse(body) as Record<string, unknown>, () => true).value;
  const line = value && typeof value === 'object' ? text(value) : undefined;
  return line === undefined || !value ? raw(answer) : { healthy: below500(answer), text: line, json: { ...head(answer), [key]: value } };
}

function showMembers(v: EtcdMembers, a: Answer): Shown {
  const rows = v.members.map((m) => `${m.idHex}\t${m.name}\t${m.peerURLs.join(',')}\t${m.clientURLs.join(',')}\t${m.isLearner}`);
  return { healthy: true, text: ['ID\tNAME\tPEER URLS\tCLIENT URLS\tLEARNER', ...rows].join('\n'), json: { ...head(a), ...v } };
}

function showStatus(v: EtcdStatus, a: Answer): Shown {
  const text = [
    `version: ${v.version}`,
    `member: ${etcdIdHex(v.header.memberId)}${v.isLeader ? ' (leader)' : ''}${v.isLearner ? ' (learner)' : ''}`,
    `leader: ${v.leaderHex}`,
    `db size: ${v.dbSize ?? '?'} bytes${v.dbSizeInUse !== undefined ? ` (${v.dbSizeInUse} in use)` : ''}`,
    `raft term: ${v.raftTerm ?? '?'}, index: ${v.raftIndex ?? '?'}, applied: ${v.raftAppliedIndex ?? '?'}`,
    ...(v.storageVersion ? [`storage version: ${v.storageVersion}`] : []),
    ...v.errors.map((e) => `error: ${e}`),
  ];
  return { healthy: v.errors.length === 0, text: text.join('\n'), json: { ...head(a), ...v } };
}

function showProxyHealth(v: ProxyHealth, a: Answer): Shown {
  const healthy = a.status === 200 && v.healthy !== false;
  const eligible = v.nodeEligible === undefined ? '' : `, node eligible: ${v.nodeEligible}`;
  const text = `${healthy ? 'healthy' : 'unhealthy'} (${a.status}): last updated ${v.lastUpdated}, ${(v.ageMs / 1000).toFixed(1)} s before ${v.currentTime}${eligible}`;
  return { healthy, text, json: { ...head(a), healthy, ...v } };
}

// ---------------------------------------------------------------------------------------------------------------
// The commands, as data.

interface Spec {
  name: string;
  component: ComponentId;
  port: string;
  path: string;
  method?: string;
  summary: string;
  maxBytes?: number;
  /** Health routes are asked with `?verbose`. */
  verbose?: boolean;
  run(target: CallTarget, spec: Spec): Promise<Result>;
}

const plain = (show: (answer: Answer) => Shown) => async (target: CallTarget, spec: Spec): Promise<Result> => {
  const answer = await call(target, { path: spec.path, ...(spec.method ? { method: spec.method } : {}) });
  return answer.problem ? { answer } : { answer, shown: show(answer) };
};
const checks = async (target: CallTarget, spec: Spec): Promise<Result> => present(await healthChecks(target, spec.path), showChecks);
const metrics = (component: ComponentId, port: string): Spec => ({ name: 'metrics', component, port, path: '/metrics', summary: 'Prometheus metrics, as served', maxBytes: LARGE, run: plain(raw) });
const configz = (component: ComponentId, port: string): Spec => ({
  name: 'configz', component, port, path: '/configz', summary: 'the running configuration (/configz)',
  run: plain((a) => showJson(a, 'config', (v) => JSON.stringify(v, null, 2))),
});
const healthz = (component: ComponentId, name = 'healthz'): Spec => ({ name, component, port: 'secure', path: `/${name}`, verbose: true, summary: `GET /${name}?verbose, parsed into named checks`, run: checks });

const GROUPS: Record<string, { description: string; specs: Spec[] }> = {
  etcd: {
    description: 'etcd over mTLS: health, version, metrics, and members/status through the v3 JSON gateway',
    specs: [
      {
        name: 'health', component: 'etcd', port: 'client', path: '/health', summary: 'GET /health: healthy, or the reason (3.4 and 3.5+ bodies)',
        run: async (t) => present(await etcdHealth(t), (v, a) => ({ healthy: v.healthy, text: v.healthy ? 'healthy' : `unhealthy: ${v.reason || '(no reason given)'}`, json: { ...head(a), ...v } })),
      },
      {
        name: 'version', component: 'etcd', port: 'client', path: '/version', summary: 'GET /version: server, cluster and (3.6+) storage versions',
        run: async (t) => present(await etcdVersion(t), (v, a) => ({ healthy: true, text: `server ${v.server}, cluster ${v.cluster}${v.storage ? `, storage ${v.storage}` : ''}`, json: { ...head(a), ...v } })),
      },
      metrics('etcd', 'client'),
      { name: 'members', component: 'etcd', port: 'client', path: '/v3/cluster/member/list', method: 'POST', summary: 'POST /v3/cluster/member/list through the gateway', run: async (t) => present(await etcdMembers(t), showMembers) },
      { name: 'status', component: 'etcd', port: 'client', path: '/v3/maintenance/status', method: 'POST', summary: 'POST /v3/maintenance/status through the gateway', run: async (t) => present(await etcdStatus(t), showStatus) },
    ],
  },
  proxy: {
    description: 'kube-proxy: 10256 health (both body formats) and the 10249 metrics port',
    specs: [
      { name: 'healthz', component: 'kube-proxy', port: 'healthz', path: '/healthz', summary: 'GET /healthz on 10256: healthy, last sync, node eligibility', run: async (t) => present(await proxyHealth(t, '/healthz'), showProxyHealth) },
      configz('kube-proxy', 'metrics'),
      metrics('kube-proxy', 'metrics'),
      { name: 'mode', component: 'kube-proxy', port: 'metrics', path: '/proxyMode', summary: 'GET /proxyMode: iptables, ipvs or nftables', run: plain((a) => ({ healthy: below500(a), text: a.body.toString('utf8').trim(), json: { ...head(a), mode: a.body.toString('utf8').trim() } })) },
    ],
  },
  'controller-manager': {
    description: 'kube-controller-manager (10257): healthz with named checks, configz, metrics',
    specs: [healthz('kube-controller-manager'), configz('kube-controller-manager', 'secure'), metrics('kube-controller-manager', 'secure')],
  },
  scheduler: {
    description: 'kube-scheduler (10259): healthz with named checks, configz, metrics',
    specs: [healthz('kube-scheduler'), configz('kube-scheduler', 'secure'), metrics('kube-scheduler', 'secure')],
  },
  apiserver: {
    description: 'kube-apiserver (6443): healthz, readyz, livez with named checks, and version',
    specs: [
      healthz('kube-apiserver'),
      healthz('kube-apiserver', 'readyz'),
      healthz('kube-apiserver', 'livez'),
      { name: 'version', component: 'kube-apiserver', port: 'secure', path: '/version', summary: 'GET /version', run: plain((a) => showJson(a, 'version', (v) => (typeof v.gitVersion === 'string' ? `${v.gitVersion} (${String(v.goVersion)}, ${String(v.platform)})` : undefined))) },
    ],
  },
};

/** Writes to stdout; a reader that went away (`| head`) ends the output quietly instead of crashing. */
function write(data: string | Buffer): void {
  if (process.stdout.listenerCount('error') === 0) {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  process.stdout.write(data);
}

function emit(shown: Shown, flags: ClientFlags): void {
  const text = flags.output === 'json' ? JSON.stringify(shown.json, null, 2) : shown.text;
  write(text.endsWith('\n') ? text : `${text}\n`);
}

function fail(message: string, code: number): void {
  process.stderr.write(`kia: ${message}\n`);
  process.exitCode = code;
}

async function runSpec(spec: Spec, node: string | undefined, flags: ClientFlags): Promise<void> {
  const port = getPort(spec.component, spec.port);
  const target = await callTarget(originOf(port, node, flags.endpoint), flags, spec.maxBytes ?? SMALL);
  const { answer, shown, parseError } = await spec.run(target, spec);
  if (answer.problem) {
    const { message, code } = explain(answer, spec.component, port, target);
    return fail(message, code);
  }
  if (!shown) {
    const status = answer.status ?? 0;
    const what = parseError ?? `${status}: ${(answer.body.toString('utf8').split('\n')[0] ?? '').slice(0, 200)}`;
    const broken = status >= 500;
    return fail(`${answer.method} ${answer.url} as ${answer.as}: ${broken ? 'answered' : `not ${getComponent(spec.component).title}'s answer (is this the right port?)`}: ${what}`, broken ? EXIT.findings : EXIT.usage);
  }
  emit(shown, flags);
  process.exitCode = shown.healthy ? EXIT.ok : EXIT.findings;
}

// ---------------------------------------------------------------------------------------------------------------
// `kia get`: any route the catalog knows.

function pathMatches(pattern: string, path: string): boolean {
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  const want = pattern.split('/');
  const got = path.split('/');
  for (const [i, part] of want.entries()) {
    // `{path}` (the node proxy's tail) takes the rest; any other `{param}` one non-empty segment.
    if (part === '{path}') return got.slice(i).join('/') !== '';
    if (part.startsWith('{')) {
      if (!got[i]) return false;
    } else if (part !== got[i]) return false;
  }
  return want.length === got.length;
}

const specificity = (r: Route): number => (r.path.endsWith('*') ? 2 : r.path.includes('{') ? 1 : 0);

/** The catalog route for a path and method on a port; with no method, GET when it is served, else the one method. */
export function matchRoute(port: PortEntry, path: string, method: string | undefined): { route?: Route; method: string; methods: string[] } {
  const candidates = port.routes.filter((r) => pathMatches(r.path, path)).sort((a, b) => specificity(a) - specificity(b));
  const methods = [...new Set(candidates.flatMap((r) => r.methods))];
  // A path only POSTed (the etcd gateway) or PUT needs no -X: take the most specific route's one method.
  const only = candidates[0]?.methods.length === 1 ? candidates[0].methods[0] : undefined;
  const chosen = method?.toUpperCase() ?? (methods.includes('GET') || methods.includes('*') || !only ? 'GET' : only);
  const route = candidates.find((r) => r.methods.includes(chosen) || r.methods.includes('*'));
  return { ...(route ? { route } : {}), method: chosen, methods };
}

function parseGetTarget(arg: string): { scheme?: 'http' | 'https'; host: string; port: number; path: string } {
  const full = /^(https?):\/\//.exec(arg);
  if (full) {
    const url = new URL(arg);
    return { scheme: full[1] as 'http' | 'https', host: url.hostname, port: Number(url.port || (full[1] === 'https' ? 443 : 80)), path: `${url.pathname}${url.search}` };
  }
  const m = /^(\[[^\]]+\]|[^:/\s]+):(\d+)(\/.*)?$/.exec(arg);
  if (!m) throw new UsageError(`not a URL or node:port/path: ${arg} (e.g. 10.0.0.1:10249/proxyMode or https://10.0.0.1:10250/pods)`);
  return { host: m[1] ?? '', port: Number(m[2]), path: m[3] ?? '/' };
}

/** A `kia get` target resolved against the catalog: the route, the method, and the URL in the port's scheme. */
export interface ResolvedTarget {
  port: PortEntry;
  route: Route;
  method: string;
  /** The path as given, with its query. */
  path: string;
  /** The origin: the URL's own scheme when one was given, else the catalog port's (https for TLS ports). */
  origin: string;
}

/** A URL or `node:port/path` as `kia get` takes it (also `kia metrics`); a UsageError names what is wrong. */
export function resolveGetTarget(arg: string, options: { component?: string; method?: string }): ResolvedTarget {
  const parsed = parseGetTarget(arg);
  const pathname = new URL(parsed.path, 'http://x').pathname;
  let ports: PortEntry[];
  if (options.component) {
    const component = findComponent(options.component);
    if (!component) throw new UsageError(`unknown component "${options.component}" (see kia catalog)`);
    const all = [...component.ports, ...(component.removedPorts ?? [])];
    const byNumber = all.filter((p) => p.port === parsed.port);
    ports = byNumber.length > 0 ? byNumber : all;
  } else {
    ports = findPortByNumber(parsed.port);
    if (ports.length === 0) throw new UsageError(`port ${parsed.port} is not one the catalog knows: name the component with --component`);
  }
  const matches = ports.map((port) => ({ port, ...matchRoute(port, pathname, options.method) })).filter((m) => m.methods.length > 0);
  const found = matches.find((m) => m.route);
  if (!found?.route) {
    const where = ports.map((p) => `${p.component} ${p.name} (${p.port})`).join(', ');
    if (matches[0]) throw new UsageError(`${options.method?.toUpperCase() ?? 'GET'} ${pathname} is not a route of ${where}: it takes ${matches[0].methods.join(', ')} (-X)`);
    throw new UsageError(`${pathname} is not a route the catalog knows on ${where}; \`kia catalog\` lists them`);
  }
  const { port, route, method } = found;
  return { port, route, method, path: parsed.path, origin: `${parsed.scheme ?? port.scheme}://${parsed.host}:${parsed.port}` };
}

async function runGet(arg: string, flags: GetFlags): Promise<void> {
  const { port, route, method, path, origin: resolved } = resolveGetTarget(arg, flags);
  if (route.mode === 'act' && !flags.act) throw new UsageError(`${method} ${route.path} on ${port.component} ${port.port} acts on the target (${route.description.split(/\. /)[0]?.replace(/\.$/, '')}): add --act to run it`);
  const origin = flags.endpoint ?? resolved;
  const target = await callTarget(new URL(origin).origin, flags, LARGE);
  const body = flags.data ?? (method === 'POST' && route.path.startsWith('/v3/') ? '{}' : undefined);
  const answer = await call(target, { path, method, ...(body !== undefined ? { body } : {}) });
  if (answer.problem) {
    const { message, code } = explain(answer, port.component, port, target);
    return fail(message, code);
  }
  write(answer.body);
  const status = answer.status ?? 0;
  if (status >= 300) fail(`${answer.method} ${answer.url} as ${answer.as}: answered ${status}`, status >= 500 ? EXIT.findings : EXIT.usage);
  else process.exitCode = EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------------------
// Registration.

const milliseconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100 || n > 600_000) throw new InvalidArgumentError('--timeout takes milliseconds from 100 to 600000');
  return n;
};
const bytes = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--max-bytes takes a positive number of bytes');
  return n;
};

function clientOptions(command: Command, defaultBytes: number): Command {
  return command
    .option('--endpoint <url>', 'the full origin, e.g. https://10.0.0.1:2379 (instead of a node address)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'key of --cert')
    .option('--cacert <file>', 'CA bundle to verify the server certificate with')
    .option('--insecure-skip-tls-verify', 'do not verify the server certificate')
    .option('--token <token>', 'bearer token (never sent over plain HTTP)')
    .option('--token-file <file>', 'bearer token file')
    .option('--kubeconfig [path]', "use the kubeconfig user's credential")
    .option('--context <name>', 'kubeconfig context')
    .option('--timeout <ms>', 'deadline for the whole exchange', milliseconds, 10_000)
    .option('--max-bytes <n>', `largest answer accepted (default ${defaultBytes})`, bytes);
}

function helpFor(spec: Spec): string {
  const port = getPort(spec.component, spec.port);
  const url = `${port.scheme}://<node>:${port.port}${spec.path}${spec.verbose ? '?verbose' : ''}`;
  const tls = port.scheme === 'https' ? (port.clientCert === 'required' ? '--cacert ca.crt --cert client.crt --key client.key ' : '--cacert ca.crt ') : '';
  const post = spec.method === 'POST' ? "-X POST -d '{}' " : '';
  return `\nHTTP request:\n  ${spec.method ?? 'GET'} ${url}\nEquivalent curl:\n  curl ${tls}${post}${url}\n`;
}

export function registerComponents(program: Command): void {
  for (const [group, { description, specs }] of Object.entries(GROUPS)) {
    const parent = program.command(group).description(description);
    for (const spec of specs) {
      const command = parent
        .command(spec.name)
        .argument('[node]', 'node address, host or host:port (default 127.0.0.1 and the catalog port)')
        .description(spec.summary)
        .addHelpText('after', helpFor(spec));
      clientOptions(command, spec.maxBytes ?? SMALL)
        .addOption(new Option('-o, --output <format>', 'output').choices(['text', 'json']).default('text'))
        .action((node: string | undefined, flags: ClientFlags) => runSpec(spec, node, flags));
    }
  }
  clientOptions(program.command('get'), LARGE)
    .argument('<target>', 'URL or node:port/path of a route the catalog knows')
    .description('GET (or -X) any catalog route and print the body raw; act routes need --act')
    .option('--component <name>', 'the component, when the port number does not say')
    .option('-X, --method <method>', 'HTTP method (default GET, or the route\'s only method)')
    .option('-d, --data <body>', 'request body')
    .option('--act', 'allow routes that act on the target (mode act)')
    .action((arg: string, flags: GetFlags) => runGet(arg, flags));
}
