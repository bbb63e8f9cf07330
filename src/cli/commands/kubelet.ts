// `kia kubelet <node> <command>`: read a kubelet's API (pods, configz, metrics, logs, …) and run commands through /run,
// straight to https://<node>:10250 or through the API server's node proxy. Help shows each HTTP request and its curl.
import { addStreamingCommands } from './kubelet-stream.ts';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'yaml';
import { getPort, type KubeletAuthz, type Route } from '../../catalog/index.ts';
import { KUBELET_PORT, KUBELET_REQUEST_CHANNEL, KubeletClient, METRICS_ENDPOINTS, parseRunExit, type ContainerLogOptions, type KubeletFailure, type KubeletResult, type KubeletTransport, type PodList, type PodRef } from '../../clients/kubelet.ts';
import { getNode, kubeconfigCluster, listNodes, type ApiServerAccess, type KubeconfigCluster } from '../../clients/kube-nodes.ts';
import { readCaFile, type Identity } from '../../clients/identity.ts';
import { CredentialError, UsageError } from '../../errors.ts';
import { EXIT } from '../output.ts';
import { collectIdentities, type HuntFlags } from './hunt.ts';

/** How every `kia kubelet` command reaches the kubelet and who it is (kubelet-stream.ts shares them). */
export interface KubeletConnectionFlags {
  node?: string;
  kubeconfig?: string;
  context?: string;
  cert?: string;
  key?: string;
  token?: string;
  tokenFile?: string;
  cacert?: string;
  kubeletCa?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  port?: number;
  viaApiserver?: boolean;
  timeout: number;
}

interface Flags extends KubeletConnectionFlags {
  allNodes?: boolean;
  maxBytes: number;
  verbose?: boolean;
  output?: string;
  checks?: boolean;
  endpoint?: string;
  onlyCpuAndMemory?: boolean;
  tail?: number;
  follow?: boolean;
  timestamps?: boolean;
  previous?: boolean;
  since?: string;
  limitBytes?: number;
  uid?: string;
}

/** A kubelet to talk to: the node's name for messages and the transport that reaches it. */
interface Target {
  node: string;
  client: KubeletClient;
}

const int = (flag: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag} takes a whole number from ${min}`);
  return n;
};


// ---------------------------------------------------------------------------------------------------------------
// Failures: one line naming what was tried and what to do.

export function exitFor(f: KubeletFailure): number {
  if (f.kind === 'error' && /ENOTFOUND|EAI_AGAIN/.test(f.message)) return EXIT.usage;
  return ['tls', 'refused', 'timeout', 'reset', 'error'].includes(f.kind) ? EXIT.down : EXIT.findings;
}

export function explain(f: KubeletFailure, maxBytes?: number): string {
  const r = f.request;
  const tried = `${r.method} ${r.url} ${r.identity === 'anonymous' ? '(no credential)' : `as ${r.identity}`}`;
  const peer = r.via === 'apiserver' ? 'the API server' : 'the kubelet';
  const said = `${f.status ?? ''} ${f.message}`.trim().replace(/\s*\n\s*/g, ' ');
  const host = new URL(r.url).host;
  switch (f.kind) {
    case 'tls':
      if (!f.verify) return `${tried}: TLS handshake with ${host} failed (${f.message}); check that it is a kubelet's HTTPS port (--port)`;
      if (r.via === 'direct') {
        return `${tried}: the kubelet's serving certificate did not verify (${f.message}); kubelets often serve a self-generated certificate: pass its CA with --kubelet-ca <file> (the node's /var/lib/kubelet/pki/kubelet.crt holds it), or skip verification with --insecure-skip-tls-verify`;
      }
      return `${tried}: the API server's certificate did not verify (${f.message}); pass its CA with --cacert <file> or fix the kubeconfig's certificate-authority (or --insecure-skip-tls-verify)`;
    case 'refused':
      return `${tried}: connection refused by ${host}: nothing listens there; check the node address and --port (kubelet default ${KUBELET_PORT})`;
    case 'timeout':
      return `${tried}: ${f.message}; check the address and firewalls, or raise --timeout`;
    case 'reset':
      return `${tried}: ${peer} closed the connection (${f.message}); check that ${host} is ${r.via === 'direct' ? `a kubelet's HTTPS port (--port)` : 'the API server'}`;
    case 'unauthorized':
      return r.identity === 'anonymous'
        ? `${tried}: ${said}: ${peer} wants a credential: give --cert/--key, --token, --token-file or --kubeconfig`
        : `${tried}: ${said}: ${peer} did not accept ${r.identity}: a certificate must be signed by ${r.via === 'direct' ? "the kubelet's client CA" : "the cluster CA"}, a token must be known to the API server; try another (--cert/--key, --token, --token-file, --kubeconfig)`;
    case 'forbidden':
      return r.via === 'direct'
        ? `${tried}: ${said}: ${r.identity} is authenticated but not allowed; it needs RBAC on the nodes subresource named above (e.g. a binding to system:kubelet-api-admin), or use another credential (--cert/--key, --token, --kubeconfig)`
        : `${tried}: ${said}: grant this user the RBAC the API server names (the node proxy needs nodes/proxy, container logs pods/log), or use another --kubeconfig user`;
    case 'not-found':
      return `${tried}: ${said}; check the node and the namespace/pod/container (\`kia kubelet <node> pods\` lists them)`;
    case 'too-large':
      return `${tried}: the answer is larger than --max-bytes ${maxBytes ?? ''}; raise --max-bytes`.replace(' ;', ';');
    case 'bad-answer':
      return `${tried}: unexpected answer: ${said}`;
    case 'http':
      return `${tried}: ${said}`;
    default:
      return /ENOTFOUND|EAI_AGAIN/.test(f.message)
        ? `${tried}: cannot resolve ${new URL(r.url).hostname}: give the node's address, or --kubeconfig to find node names through the API server`
        : `${tried}: ${f.message}`;
  }
}

function report(f: KubeletFailure, flags: Flags, node?: string): number {
  process.stderr.write(`kia: ${node && flags.allNodes ? `${node}: ` : ''}${explain(f, flags.maxBytes)}\n`);
  return exitFor(f);
}

// ---------------------------------------------------------------------------------------------------------------
// Targets: credentials, the API server, nodes by name or address.

async function identities(flags: KubeletConnectionFlags): Promise<{ explicit?: Identity; kubeconfigUser?: Identity }> {
  const base = { output: 'text', timeout: flags.timeout } as const;
  const given = [flags.cert || flags.key ? 'cert' : '', flags.token ? 'token' : '', flags.tokenFile ? 'token-file' : ''].filter(Boolean);
  if (given.length > 1) throw new CredentialError('give one credential: --cert/--key, --token or --token-file');
  const explicit = (await collectIdentities({ ...base, cert: flags.cert, key: flags.key, token: flags.token, tokenFile: flags.tokenFile } as HuntFlags))[0];
  const kubeconfigUser = flags.kubeconfig ? (await collectIdentities({ ...base, kubeconfig: flags.kubeconfig, context: flags.context } as HuntFlags))[0] : undefined;
  return { ...(explicit ? { explicit } : {}), ...(kubeconfigUser ? { kubeconfigUser } : {}) };
}

/** Who talks to a kubelet and through what: the API server (when a kubeconfig is needed), the kubelet's CA and user. */
export interface KubeletAccess {
  api?: ApiServerAccess;
  kubeletCa?: string;
  kubeletUser?: Identity;
}

/** The access every `kia kubelet` command starts from (kubelet-stream.ts shares it). */
export async function kubeletAccess(flags: KubeletConnectionFlags & { allNodes?: boolean; maxBytes?: number }): Promise<KubeletAccess> {
  const { explicit, kubeconfigUser } = await identities(flags);
  const needApi = flags.viaApiserver || flags.allNodes || (flags.kubeconfig !== undefined && !net.isIP(flags.node ?? ''));
  let cluster: KubeconfigCluster | undefined;
  if (needApi) {
    try {
      cluster = await kubeconfigCluster(flags.kubeconfig, flags.context);
    } catch (error) {
      if (flags.kubeconfig) throw error;
      throw new UsageError(`${flags.viaApiserver ? '--via-apiserver' : '--all-nodes'} needs the API server: give --kubeconfig <file> (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const apiUser = flags.viaApiserver ? (explicit ?? kubeconfigUser) : (kubeconfigUser ?? explicit);
  const api: ApiServerAccess | undefined = cluster && {
    server: cluster.server,
    timeoutMs: flags.timeout,
    ...(flags.maxBytes !== undefined ? { maxBytes: flags.maxBytes } : {}),
    ...(apiUser ? { identity: apiUser } : {}),
    ...(flags.viaApiserver && flags.cacert ? { ca: readCaFile(flags.cacert, '--cacert') } : cluster.ca ? { ca: cluster.ca } : {}),
    insecureSkipVerify: cluster.insecureSkipVerify || (flags.viaApiserver === true && flags.insecureSkipTlsVerify === true),
    ...(cluster.servername ? { servername: cluster.servername } : {}),
  };
  const kubeletCa = flags.kubeletCa ? readCaFile(flags.kubeletCa, '--kubelet-ca') : flags.cacert ? readCaFile(flags.cacert, '--cacert') : cluster?.ca;
  const kubeletUser = explicit ?? kubeconfigUser;
  return { ...(api ? { api } : {}), ...(kubeletCa ? { kubeletCa } : {}), ...(kubeletUser ? { kubeletUser } : {}) };
}

/**
 * Where a named node's kubelet listens: an IP as given; a name through the API server (its InternalIP and
 * daemonEndpoints port) when there is one; a name the API server does not know, or no API server, as a host name.
 */
export async function locateNode(api: ApiServerAccess | undefined, name: string): Promise<{ ok: true; address: string; port: number } | { ok: false; failure: KubeletFailure }> {
  if (net.isIP(name) || !api) return { ok: true, address: name, port: KUBELET_PORT };
  const node = await getNode(api, name);
  if (!node.ok && node.failure.kind !== 'not-found') return { ok: false, failure: node.failure };
  return node.ok ? { ok: true, address: node.value.address, port: node.value.port } : { ok: true, address: name, port: KUBELET_PORT };
}

async function targets(flags: Flags, run: (t: Target) => Promise<number>): Promise<number> {
  if (flags.allNodes && flags.node) throw new UsageError('name a node or give --all-nodes, not both');
  if (!flags.allNodes && !flags.node) throw new UsageError('name a node: kia kubelet <node> <command> (or --all-nodes)');
  const { api, kubeletCa, kubeletUser } = await kubeletAccess(flags);
  const common = { timeoutMs: flags.timeout, maxBytes: flags.maxBytes };
  const make = (node: string, transport: KubeletTransport): Target => {
    const tls =
      transport.kind === 'apiserver' && api
        ? { ...(api.identity ? { identity: api.identity } : {}), ...(api.ca ? { ca: api.ca } : {}), insecureSkipVerify: api.insecureSkipVerify === true }
        : { ...(kubeletUser ? { identity: kubeletUser } : {}), ...(kubeletCa ? { ca: kubeletCa } : {}), insecureSkipVerify: flags.insecureSkipTlsVerify === true };
    return { node, client: new KubeletClient({ transport, ...common, ...tls }) };
  };
  const direct = (name: string, address: string, port: number): Target =>
    make(name, { kind: 'direct', address, port: flags.port ?? port, ...(flags.tlsServerName ? { servername: flags.tlsServerName } : net.isIP(name) ? {} : { servername: name }) });
  let list: Target[];
  if (flags.allNodes) {
    const nodes = await listNodes(api as ApiServerAccess);
    if (!nodes.ok) return report(nodes.failure, flags);
    list = nodes.value.map((n) => (flags.viaApiserver ? make(n.name, { kind: 'apiserver', server: (api as ApiServerAccess).server, node: n.name }) : direct(n.name, n.address, n.port)));
  } else {
    const name = flags.node as string;
    if (flags.viaApiserver) list = [make(name, { kind: 'apiserver', server: (api as ApiServerAccess).server, node: name })];
    else {
      const node = await locateNode(api, name);
      if (!node.ok) return report(node.failure, flags);
      list = [direct(name, node.address, node.port)];
    }
  }
  let worst = 0;
  let next = 0;
  // At most eight kubelets at once; the answers are merged by the caller in node order.
  const worker = async () => {
    while (next < list.length) {
      const code = await run(list[next++] as Target);
      worst = Math.max(worst, code);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, list.length) }, worker));
  return worst;
}

/** Fans a read out over the targets, merges the answers in node order, and reports each failure on its own line. */
async function readAll<T>(flags: Flags, fetch: (c: KubeletClient) => Promise<KubeletResult<T>>, render: (answers: { node: string; value: T }[]) => string | Buffer): Promise<number> {
  const answers: { node: string; value: T }[] = [];
  const code = await targets(flags, async (t) => {
    const answer = await fetch(t.client);
    if (!answer.ok) return report(answer.failure, flags, t.node);
    answers.push({ node: t.node, value: answer.value });
    return 0;
  });
  answers.sort((a, b) => a.node.localeCompare(b.node));
  if (answers.length > 0) {
    const out = render(answers);
    process.stdout.write(out);
    if (out.length > 0 && !(typeof out === 'string' ? out.endsWith('\n') : out.at(-1) === 10)) process.stdout.write('\n');
  }
  return code;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering.

function age(from: unknown, now: number): string {
  const t = typeof from === 'string' ? Date.parse(from) : NaN;
  if (Number.isNaN(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (h < 3) return `${m}m`;
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (d < 2) return `${h}h`;
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  return d < 730 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}

type Pod = { metadata?: { name?: string; namespace?: string; deletionTimestamp?: string; creationTimestamp?: string | null }; spec?: { containers?: { name?: string }[] }; status?: { phase?: string; reason?: string; startTime?: string; containerStatuses?: { ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } }[] } };

function podRow(pod: Pod, now: number, running: boolean): string[] {
  const m = pod.metadata ?? {};
  if (running) return [m.namespace ?? '', m.name ?? '', (pod.spec?.containers ?? []).map((c) => c.name ?? '').join(',')];
  const statuses = pod.status?.containerStatuses ?? [];
  const waiting = statuses.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find(Boolean);
  const status = m.deletionTimestamp ? 'Terminating' : (pod.status?.reason ?? waiting ?? pod.status?.phase ?? 'Unknown');
  const ready = `${statuses.filter((c) => c.ready).length}/${pod.spec?.containers?.length ?? statuses.length}`;
  const restarts = String(statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0));
  return [m.namespace ?? '', m.name ?? '', ready, status, restarts, age(pod.status?.startTime ?? m.creationTimestamp, now)];
}

function renderPods(answers: { node: string; value: PodList }[], output: string, running: boolean, multi: boolean): string {
  if (output === 'json' || output === 'yaml') {
    const merged = multi ? { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: answers.flatMap((a) => a.value.items) } : answers[0]?.value;
    return output === 'json' ? `${JSON.stringify(merged, null, 2)}\n` : stringify(merged);
  }
  const now = Date.now();
  const head = running ? ['NAMESPACE', 'NAME', 'CONTAINERS'] : ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  const rows = answers.flatMap((a) => (a.value.items as Pod[]).map((p) => [...(multi ? [a.node] : []), ...podRow(p, now, running)]));
  if (rows.length === 0) return 'No pods.\n';
  return table([[...(multi ? ['NODE'] : []), ...head], ...rows]);
}

function renderObject(answers: { node: string; value: unknown }[], output: string | undefined, multi: boolean): string {
  const value = multi ? Object.fromEntries(answers.map((a) => [a.node, a.value])) : answers[0]?.value;
  return output === 'yaml' ? stringify(value) : `${JSON.stringify(value, null, 2)}\n`;
}

function blocks<T>(answers: { node: string; value: T }[], multi: boolean, show: (v: T) => string | Buffer): string | Buffer {
  if (!multi) return answers[0] ? show(answers[0].value) : '';
  return Buffer.concat(answers.flatMap((a, i) => [Buffer.from(`${i > 0 ? '\n' : ''}==> ${a.node} <==\n`), Buffer.from(show(a.value))]));
}

/** Keeps the HELP, TYPE and sample lines of the families whose names start with one of the prefixes. */
export function filterFamilies(text: string, prefixes: readonly string[]): string {
  if (prefixes.length === 0) return text;
  const kept = text.split('\n').filter((line) => {
    const name = /^# (?:HELP|TYPE) (\S+)/.exec(line)?.[1] ?? (line.startsWith('#') ? undefined : /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0]);
    return name !== undefined && prefixes.some((p) => name.startsWith(p));
  });
  return kept.length > 0 ? `${kept.join('\n')}\n` : '';
}

// ---------------------------------------------------------------------------------------------------------------
// Streams, run.

function parseRef(value: string, what: string): PodRef {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) throw new UsageError(`${what} takes <namespace>/<pod>/<container>, got "${value}"`);
  const [namespace, pod, container] = parts as [string, string, string];
  return { namespace, pod, container };
}

function sinceOptions(since: string | undefined): Pick<ContainerLogOptions, 'sinceSeconds' | 'sinceTime'> {
  if (since === undefined) return {};
  const duration = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(since);
  if (duration && since !== '') {
    const seconds = Number(duration[1] ?? 0) * 3600 + Number(duration[2] ?? 0) * 60 + Number(duration[3] ?? 0);
    if (seconds < 1) throw new UsageError('--since must be at least 1s');
    return { sinceSeconds: seconds };
  }
  if (!Number.isNaN(Date.parse(since)) && /^\d{4}-\d\d-\d\dT/.test(since)) return { sinceTime: since };
  throw new UsageError(`--since takes a duration (30s, 5m, 1h30m) or an RFC 3339 time, got "${since}"`);
}

/** Copies a stream to stdout until it ends, the peer closes, stdout closes, or Ctrl-C: all of them a clean end. */
function pump(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.off('error', stop);
      stream.destroy();
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.stdout.on('error', stop);
    stream.on('data', (chunk: Buffer) => {
      if (!process.stdout.write(chunk)) {
        stream.pause();
        process.stdout.once('drain', () => stream.resume());
      }
    });
    stream.on('end', stop);
    stream.on('close', stop);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Commands as data: the catalog route behind each, from which help derives.

interface Spec {
  name: string;
  args?: string;
  summary: string;
  route: string;
  method: string;
  /** The kubelet path shown in help (placeholders in <>). */
  path: string;
  /** The API server path when it is not the node proxy (container logs use the pods log subresource). */
  apiPath?: string;
  /** May fan out with --all-nodes (a stream or an action may not). */
  readOnly: boolean;
}

const SPECS: readonly Spec[] = [
  { name: 'healthz', summary: 'kubelet health: ok, or the failing checks (exit 1)', route: 'api.healthz', method: 'GET', path: '/healthz', readOnly: true },
  { name: 'pods', summary: 'the pods the kubelet intends to run, as a table or -o json|yaml', route: 'api.pods', method: 'GET', path: '/pods', readOnly: true },
  { name: 'runningpods', summary: 'the pods the container runtime reports', route: 'api.running-pods', method: 'GET', path: '/runningpods/', readOnly: true },
  { name: 'configz', summary: "the kubelet's running configuration", route: 'api.configz', method: 'GET', path: '/configz', readOnly: true },
  { name: 'metrics', args: '[family...]', summary: 'Prometheus text, filtered to families whose names start with the given prefixes', route: 'api.metrics', method: 'GET', path: '/metrics', readOnly: true },
  { name: 'stats', summary: 'the Summary API (node and pod CPU, memory, network, filesystems)', route: 'api.stats-summary', method: 'GET', path: '/stats/summary', readOnly: true },
  { name: 'logs', args: '[path]', summary: 'list node log files under /var/log, or print one', route: 'api.logs', method: 'GET', path: '/logs/<path>', readOnly: true },
  { name: 'container-logs', args: '<ns/pod/container>', summary: "a container's log; --follow streams until the peer closes or Ctrl-C", route: 'api.container-logs', method: 'GET', path: '/containerLogs/<ns>/<pod>/<container>?tailLines=<n>&follow=true', apiPath: '/api/v1/namespaces/<ns>/pods/<pod>/log?container=<container>&tailLines=<n>&follow=true', readOnly: false },
  { name: 'run', args: '<ns/pod/container> -- <cmd...>', summary: 'run a command in a container to completion (POST /run; acting: the command itself is the explicit flag)', route: 'api.run', method: 'POST', path: '/run/<ns>/<pod>/<container>?cmd=<cmd joined by spaces>', readOnly: false },
];

function route(id: string): Route {
  const found = getPort('kubelet', 'api').routes.find((r) => r.id === `kubelet.${id}`);
  if (!found) throw new Error(`catalog: no route kubelet.${id}`);
  return found;
}

function helpFor(spec: Spec, node: string): string {
  const r = route(spec.route);
  const a = r.authz as KubeletAuthz | undefined;
  const authz = a ? `nodes/${a.subresource}${a.fineGrained ? ` (first nodes/${a.fineGrained.subresource} from ${a.fineGrained.versions.since ?? '?'})` : ''}` : 'none';
  const kubeletUrl = `https://${node}:${KUBELET_PORT}${spec.path}`;
  const apiUrl = `https://<apiserver>${spec.apiPath ?? `/api/v1/nodes/${node}/proxy${spec.path}`}`;
  const x = spec.method === 'GET' ? '' : `-X ${spec.method} `;
  return [
    '',
    `HTTP request (catalog ${r.id}, ${r.mode}, authorization ${authz}):`,
    `  ${spec.method} ${kubeletUrl}`,
    `  ${spec.method} ${apiUrl}   (--via-apiserver)`,
    `Answer: ${r.returns.status} ${r.returns.contentType}: ${r.returns.shape}`,
    'Equivalent curl:',
    `  curl -sS ${x}--cacert <kubelet-ca> --cert <cert> --key <key> '${kubeletUrl}'`,
    `  curl -sS ${x}--cacert <cluster-ca> --cert <cert> --key <key> '${apiUrl}'`,
    '',
    'Credentials: --cert/--key, --token or --token-file, else the --kubeconfig user, else none. Direct mode verifies the',
    "kubelet's certificate against --kubelet-ca (else --cacert, else the kubeconfig's CA) for the node name (--tls-server-name).",
    'Exit codes: 0 answered; 1 the peer answered with an error (401, 403, 404, 5xx; one line saying what to do)',
    `${spec.name === 'run' ? "or the command's own exit status; " : ''}2 bad flag, argument or credential file; 3 no answer (refused, timeout, TLS failure).`,
    '',
  ].join('\n');
}

function addCommon(cmd: Command): Command {
  return cmd
    .addOption(new Option('--node <name>').hideHelp())
    .option('--kubeconfig <file>', 'kubeconfig: its user is the credential when no other is given; its cluster is the API server for node names, --via-apiserver and --all-nodes')
    .option('--context <name>', 'kubeconfig context')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'key of --cert')
    .option('--token <token>', 'bearer token')
    .option('--token-file <file>', 'file holding a bearer token')
    .option('--cacert <file>', 'CA bundle for the peer: the kubelet, or the API server with --via-apiserver')
    .option('--kubelet-ca <file>', "CA bundle for the kubelet's serving certificate (wins over --cacert)")
    .option('--insecure-skip-tls-verify', "do not verify the kubelet's certificate (the API server's with --via-apiserver)")
    .option('--tls-server-name <name>', "name the kubelet's certificate must carry (default: the node name)")
    .option('--port <port>', `kubelet port (default: the node's daemonEndpoints port, else ${KUBELET_PORT})`, int('--port', 1))
    .option('--via-apiserver', 'go through the API server: /api/v1/nodes/<node>/proxy/<path> (pods log subresource for container logs)')
    .option('--all-nodes', 'fan a read-only command out over every node (listed through the API server) and merge the answers')
    .option('--timeout <ms>', 'deadline of every request (streams: until the first byte)', int('--timeout', 1), 10_000)
    .option('--max-bytes <n>', 'byte cap on every answer (not on --follow)', int('--max-bytes', 1), 16 << 20)
    .option('-v, --verbose', 'print each request on stderr');
}

function output(choices: string[], fallback: string): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices).default(fallback);
}

async function act(flags: Flags, body: () => Promise<number>): Promise<void> {
  const onRequest = (message: unknown) => {
    const m = message as { method: string; url: string; identity: string };
    process.stderr.write(`> ${m.method} ${m.url} (${m.identity})\n`);
  };
  if (flags.verbose) subscribe(KUBELET_REQUEST_CHANNEL, onRequest);
  try {
    process.exitCode = await body();
  } finally {
    if (flags.verbose) unsubscribe(KUBELET_REQUEST_CHANNEL, onRequest);
  }
}

function buildProgram(node: string | undefined): Command {
  const shown = node ?? '<node>';
  const program = new Command('kubelet')
    .description(`talk to a kubelet's API: https://<node>:${KUBELET_PORT} directly, or through the API server (--via-apiserver)`)
    .usage('<node> <command> [options]')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .configureHelp({ commandUsage: (c) => (c.parent ? `kia kubelet ${node ?? '<node>'} ${c.name()} ${c.usage()}` : `kia kubelet ${c.usage()}`) })
    .addHelpText('after', `\nEach command's help (kia kubelet ${shown} <command> --help) shows its HTTP request and the equivalent curl.\n`);
  const sub = (spec: Spec): Command => {
    const cmd = addCommon(program.command(spec.name).description(spec.summary).addHelpText('after', helpFor(spec, shown)));
    cmd.hook('preAction', (c) => {
      if (!spec.readOnly && (c.opts() as Flags).allNodes) throw new UsageError(`--all-nodes fans out read-only commands only, not ${spec.name}`);
    });
    return spec.args ? cmd.usage(`${spec.args} [options]`) : cmd;
  };
  const spec = (name: string) => SPECS.find((s) => s.name === name) as Spec;
  const multi = (flags: Flags) => flags.allNodes === true;

  sub(spec('healthz'))
    .option('--checks', 'one line per check (?verbose)')
    .action((flags: Flags) =>
      act(flags, () =>
        readAll(flags, (c) => c.healthz({ verbose: flags.checks === true }), (a) => (multi(flags) && !flags.checks ? table([['NODE', 'HEALTHZ'], ...a.map((x) => [x.node, x.value.trim()])]) : blocks(a, multi(flags), (v) => v))),
      ),
    );
  sub(spec('pods'))
    .addOption(output(['table', 'json', 'yaml'], 'table'))
    .action((flags: Flags) => act(flags, () => readAll(flags, (c) => c.pods(), (a) => renderPods(a, flags.output ?? 'table', false, multi(flags)))));
  sub(spec('runningpods'))
    .addOption(output(['table', 'json', 'yaml'], 'table'))
    .action((flags: Flags) => act(flags, () => readAll(flags, (c) => c.runningPods(), (a) => renderPods(a, flags.output ?? 'table', true, multi(flags)))));
  sub(spec('configz'))
    .addOption(output(['json', 'yaml'], 'json'))
    .action((flags: Flags) => act(flags, () => readAll(flags, (c) => c.configz(), (a) => renderObject(a, flags.output, multi(flags)))));
  sub(spec('stats'))
    .addOption(output(['json', 'yaml'], 'json'))
    .option('--only-cpu-and-memory', '?only_cpu_and_memory=true')
    .action((flags: Flags) => act(flags, () => readAll(flags, (c) => c.statsSummary({ onlyCpuAndMemory: flags.onlyCpuAndMemory === true }), (a) => renderObject(a, flags.output, multi(flags)))));
  sub(spec('metrics'))
    .argument('[family...]', 'metric family name prefixes')
    .addOption(new Option('--endpoint <name>', 'which exposition: /metrics or /metrics/<name>').choices([...METRICS_ENDPOINTS]).default('metrics'))
    .action((families: string[], flags: Flags) =>
      act(flags, () => readAll(flags, (c) => c.metrics({ endpoint: flags.endpoint as (typeof METRICS_ENDPOINTS)[number] }), (a) => blocks(a, multi(flags), (v) => filterFamilies(v, families)))),
    );
  sub(spec('logs'))
    .argument('[path]', 'file or directory under /var/log (none: the listing)')
    .action((path: string | undefined, flags: Flags) =>
      act(flags, () =>
        readAll(flags, (c) => c.nodeLogs(path ?? ''), (a) => blocks(a, multi(flags), (v) => (v.kind === 'listing' ? v.entries.map((e) => `${e}\n`).join('') : v.body))),
      ),
    );
  sub(spec('container-logs'))
    .argument('<target>', '<namespace>/<pod>/<container>')
    .option('--tail <n>', 'only the last n lines (tailLines)', int('--tail', 0))
    .option('-f, --follow', 'keep streaming until the peer closes or Ctrl-C (exit 0 either way)')
    .option('--timestamps', 'prefix each line with its RFC 3339 time')
    .option('--previous', 'the previous instance of the container')
    .option('--since <when>', 'a duration (30s, 5m, 1h) or an RFC 3339 time')
    .option('--limit-bytes <n>', 'stop after n bytes (limitBytes)', int('--limit-bytes', 1))
    .action((target: string, flags: Flags) =>
      act(flags, async () => {
        const options: ContainerLogOptions = {
          ...parseRef(target, 'container-logs'),
          ...sinceOptions(flags.since),
          ...(flags.follow ? { follow: true } : {}),
          ...(flags.timestamps ? { timestamps: true } : {}),
          ...(flags.previous ? { previous: true } : {}),
          ...(flags.tail !== undefined ? { tailLines: flags.tail } : {}),
          ...(flags.limitBytes !== undefined ? { limitBytes: flags.limitBytes } : {}),
        };
        return targets(flags, async (t) => {
          // Ctrl-C while connecting is a clean end too.
          let interrupted = false;
          const early = () => (interrupted = true);
          process.once('SIGINT', early);
          const answer = await t.client.containerLogs(options).finally(() => process.off('SIGINT', early));
          if (interrupted) {
            if (answer.ok) answer.value.destroy();
            return 0;
          }
          if (!answer.ok) return report(answer.failure, flags);
          await pump(answer.value);
          return 0;
        });
      }),
    );
  sub(spec('run'))
    .argument('<target>', '<namespace>/<pod>/<container>')
    .argument('[command...]', 'the command, after --; joined with spaces into ?cmd=')
    .option('--uid <uid>', 'pin the pod UID (/run/<ns>/<pod>/<uid>/<container>)')
    .action((target: string, command: string[], flags: Flags) =>
      act(flags, async () => {
        const ref = { ...parseRef(target, 'run'), ...(flags.uid ? { uid: flags.uid } : {}) };
        if (command.length === 0) throw new UsageError('run needs a command: kia kubelet <node> run <ns>/<pod>/<container> -- <cmd...>');
        return targets(flags, async (t) => {
          const answer = await t.client.run({ ...ref, command });
          if (answer.ok) {
            process.stdout.write(answer.value);
            return 0;
          }
          const exit = answer.failure.status === 500 ? parseRunExit(answer.failure.message) : undefined;
          if (!exit) return report(answer.failure, flags);
          // The command ran and failed: its stderr and its exit status, as exec would give them.
          if (exit.stderr) process.stderr.write(exit.stderr.endsWith('\n') ? exit.stderr : `${exit.stderr}\n`);
          return exit.exitCode || EXIT.findings;
        });
      }),
    );
  // exec, attach and port-forward: the streaming commands (kubelet-stream.ts).
  addStreamingCommands(program);
  return program;
}

/** Splits `<node> <command> …` (options anywhere) into the command first and the node as --node. */
function arrange(tokens: readonly string[], program: Command): string[] {
  const names = new Set(program.commands.map((c) => c.name()));
  const valued = new Set(program.commands[0]?.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((n): n is string => n !== undefined)) ?? []);
  let node: number | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '--') break;
    if (token.startsWith('-')) {
      if (!token.includes('=') && valued.has(token)) i++;
      continue;
    }
    if (names.has(token)) {
      const rest = tokens.filter((_, j) => j !== i && j !== node);
      return [token, ...(node !== undefined ? ['--node', tokens[node] as string] : []), ...rest];
    }
    if (node !== undefined) throw new UsageError(`unknown kubelet command "${token}" (known: ${[...names].join(', ')})`);
    node = i;
  }
  if (node !== undefined) throw new UsageError(`no command after node "${tokens[node]}" (known: ${[...names].join(', ')})`);
  return [...tokens];
}

/** Adds `kia kubelet <node> <command>` to the program. */
export function registerKubelet(program: Command): void {
  program
    .command('kubelet')
    .description(`talk to a kubelet: ${SPECS.map((s) => s.name).join(', ')} (kia kubelet --help)`)
    .usage('<node> <command> [options]')
    .argument('[args...]', '<node> <command> [options]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async () => {
      // The raw tokens after `kubelet`: commander would drop a `--` that `run` needs.
      const raw = process.argv.slice(2);
      const tokens = raw.slice(raw.indexOf('kubelet') + 1);
      const probe = buildProgram(undefined);
      const arranged = arrange(tokens, probe);
      const node = arranged[1] === '--node' ? arranged[2] : undefined;
      const inner = buildProgram(node);
      if (arranged.length === 0) {
        process.stderr.write(inner.helpInformation());
        process.exitCode = EXIT.usage;
        return;
      }
      await inner.parseAsync(arranged, { from: 'user' });
    });
}
