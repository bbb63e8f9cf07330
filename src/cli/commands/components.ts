// Client commands for the components' own routes: `kia etcd|proxy|controller-manager|scheduler|apiserver <what>`.
// Ports, schemes and paths come from the catalog; credentials, trust and time from the shared flag sets; every failure
// is one line from explain.ts. Exit codes as CONVENTIONS.md: 0 healthy, 1 unhealthy or unusable answer, 2 usage, 3 down.
import { Option, type Command } from 'commander';
import { getComponent, getPort, type PortEntry } from '../../catalog/index.ts';
import { healthChecks, parseAnswer, proxyHealth, call, type Answer, type CallTarget, type HealthChecks, type Parsed, type ProxyHealth } from '../../clients/components.ts';
import { etcdHealth, etcdIdHex, etcdMembers, etcdStatus, etcdVersion, type EtcdMembers, type EtcdStatus } from '../../clients/etcd.ts';
import { UsageError } from '../../errors.ts';
import type { ComponentId } from '../../model/index.ts';
import { fromAnswer, reportFailure } from '../explain.ts';
import { addClientFlags, MiB, readCallTarget, type ClientFlags } from '../flags/client.ts';
import { writeResult } from '../flags/format.ts';
import { deadlineFor, oneRequestDeadline, throwIfCutShort, withinDeadline } from '../flags/time.ts';
import { EXIT } from '../output.ts';

/** @deprecated import it from get.ts (metrics.ts still imports it from here). */
export { resolveGetTarget } from './get.ts';

const SMALL = 1 * MiB;
const LARGE = 64 * MiB;

/** `host` or `host:port` as a node address. */
function hostPort(value: string): { host: string; port?: number } {
  const m = /^(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?$/.exec(value);
  if (!m) throw new UsageError(`not a node address: ${value} (give host, host:port or --endpoint https://host:port)`);
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new UsageError(`not a port: ${m[2]}`);
  return { host: m[1] ?? value, ...(port !== undefined ? { port } : {}) };
}

/**
 * The origin to call and the catalog port behind it. A node address with a port takes the scheme of the component's
 * port of that number (etcd's 2381 is plain HTTP, 2379 HTTPS); --endpoint names any other origin.
 */
function originOf(spec: Spec, node: string | undefined, endpoint: string | undefined): { origin: string; port: PortEntry } {
  const named = getPort(spec.component, spec.port);
  if (endpoint !== undefined) {
    if (node !== undefined) throw new UsageError('give either a node address or --endpoint, not both');
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UsageError(`--endpoint takes a URL such as https://10.0.0.1:${named.port}, not ${endpoint}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--endpoint must be http:// or https://, not ${url.protocol}`);
    return { origin: url.origin, port: named };
  }
  const { host, port: n } = hostPort(node ?? '127.0.0.1');
  const component = getComponent(spec.component);
  const port = n === undefined ? named : ([...component.ports, ...(component.removedPorts ?? [])].find((p) => p.port === n) ?? named);
  return { origin: `${port.scheme}://${host}:${n ?? port.port}`, port };
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

function showChecks(value: HealthChecks, answer: Answer): Shown {
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

async function runSpec(spec: Spec, node: string | undefined, flags: ClientFlags): Promise<void> {
  const deadline = deadlineFor(flags, oneRequestDeadline(flags.timeout));
  try {
    const { origin, port } = originOf(spec, node, flags.endpoint);
    const target = await readCallTarget(origin, flags, { maxBytes: spec.maxBytes ?? SMALL, deadline });
    const peer = { component: spec.component, port, timeoutMs: target.timeoutMs, maxBytes: target.maxBytes, hasCert: target.identity?.cert !== undefined };
    const what = `${spec.method ?? 'GET'} ${new URL(spec.path, origin).href}: no answer`;
    const { answer, shown, parseError } = await withinDeadline(deadline, spec.run(target, spec), what);
    throwIfCutShort(deadline, answer.outcome, what);
    if (answer.problem) {
      reportFailure(fromAnswer(answer), peer);
      return;
    }
    if (!shown) {
      // Answered, but not with what this component says here: the peer's doing (exit 1).
      const status = answer.status ?? 0;
      const detail = parseError ?? (answer.body.toString('utf8').split('\n')[0] ?? '');
      reportFailure({ ...fromAnswer(answer), kind: status >= 500 ? 'server-error' : 'bad-answer', detail }, peer);
      return;
    }
    writeResult(flags.output === 'json' ? JSON.stringify(shown.json, null, 2) : shown.text, {}, { fromPeer: true });
    process.exitCode = shown.healthy ? EXIT.ok : EXIT.findings;
  } finally {
    deadline.clear();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Registration.

function helpFor(spec: Spec): string {
  const port = getPort(spec.component, spec.port);
  const url = `${port.scheme}://<node>:${port.port}${spec.path}${spec.verbose ? '?verbose' : ''}`;
  const tls = port.scheme === 'https' ? (port.clientCert === 'required' ? '--cacert ca.crt --cert client.crt --key client.key ' : '--cacert ca.crt ') : '';
  const post = spec.method === 'POST' ? "-X POST -d '{}' " : '';
  return `\nHTTP request:\n  ${spec.method ?? 'GET'} ${url}\nEquivalent curl:\n  curl ${tls}${post}${url}\n`;
}

/** The component groups' command names (`kia etcd …`), for the executable to load only this module for them. */
export const COMPONENT_GROUPS: readonly string[] = Object.keys(GROUPS);

export function registerComponents(program: Command): void {
  for (const [group, { description, specs }] of Object.entries(GROUPS)) {
    const parent = program.command(group).description(description);
    for (const spec of specs) {
      const command = parent
        .command(spec.name)
        .argument('[node]', "node address, host or host:port (default 127.0.0.1 and the catalog port; a port takes that port's scheme)")
        .description(spec.summary)
        .addHelpText('after', helpFor(spec));
      addClientFlags(command, { maxBytes: spec.maxBytes ?? SMALL })
        .addOption(new Option('-o, --output <format>', 'output').choices(['text', 'json']).default('text'))
        .action((node: string | undefined, flags: ClientFlags) => runSpec(spec, node, flags));
    }
  }
}
