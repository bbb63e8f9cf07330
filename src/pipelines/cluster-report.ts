// `kia report --cluster`: the agents' pods listed through the API server, each node's kia.report/v1 fetched through
// the pods proxy (bounded concurrency, a deadline per node), merged into one report of the cluster. A node whose
// agent did not answer is listed as such in the notes and under `unanswered`, never dropped silently.
import { KIA_AGENT_PORT } from '../catalog/kia.ts';
import type { ApiServerAccess } from '../clients/kube-api.ts';
import { listPods, podProxyJson, type PodSummary } from '../clients/kube-pods.ts';
import { Transport } from '../clients/transport/transport.ts';
import { pool } from '../concurrency.ts';
import type { Report } from '../model/index.ts';
import { VERSION } from './hunt.ts';

/** Where the agents are, as the deploy manifests put them (deploy/kustomize/base). */
export const AGENT_PODS = { namespace: 'kia-system', labelSelector: 'app.kubernetes.io/name=kia-agent', port: KIA_AGENT_PORT.port } as const;

export interface ClusterReportOptions {
  access: ApiServerAccess;
  namespace?: string;
  labelSelector?: string;
  port?: number;
  /** Nodes asked at once (default 32). */
  concurrency?: number;
  /** Per node, through the proxy (default 20 s). */
  nodeTimeoutMs?: number;
  /** Most bytes of one node's report (default 32 MiB). */
  maxBytes?: number;
  /**
   * The caller's bearer token, sent to the agents as `X-Kia-Authorization`: the API server removes the
   * Authorization header it authenticated before it proxies a request.
   */
  forwardToken?: string;
  signal?: AbortSignal;
  clock?: { now(): number };
}

export interface NodeAnswer {
  pod: PodSummary;
  report?: Report;
  error?: string;
}

/** One cluster report from each node's: endpoints and findings named by node, notes prefixed with it. */
export function mergeReports(answers: readonly NodeAnswer[], meta: { startedAt: string; finishedAt: string }): Report {
  const sorted = [...answers].sort((a, b) => (a.pod.node || a.pod.name).localeCompare(b.pod.node || b.pod.name, undefined, { numeric: true }));
  const nodeOf = (a: NodeAnswer) => a.pod.node || `(pod ${a.pod.name}, no node)`;
  const answered = sorted.filter((a): a is NodeAnswer & { report: Report } => a.report !== undefined);
  const silent = sorted.filter((a) => a.report === undefined);
  return {
    schema: 'kia.report/v1',
    tool: { name: 'kia', version: VERSION },
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    scope: {
      targets: sorted.map((a) => ({ host: nodeOf(a), address: a.pod.podIP ?? '', source: 'kubeconfig' as const, node: nodeOf(a) })),
      ports: [...new Set(answered.flatMap((a) => a.report.scope.ports))].sort((x, y) => x - y),
      identities: [...new Set(answered.flatMap((a) => a.report.scope.identities))],
      active: answered.some((a) => a.report.scope.active),
    },
    endpoints: answered.flatMap((a) => a.report.endpoints.map((e) => ({ ...e, target: { ...e.target, host: nodeOf(a), node: nodeOf(a) } }))),
    findings: answered.flatMap((a) => a.report.findings.map((f) => ({ ...f, host: nodeOf(a), node: nodeOf(a) }))),
    notes: [
      ...silent.map((a) => `node ${nodeOf(a)} (pod ${a.pod.name}): the agent did not answer: ${a.error ?? 'no report'}`),
      ...answered.flatMap((a) => a.report.notes.map((n) => `node ${nodeOf(a)}: ${n}`)),
    ],
    ...(silent.length > 0 ? { unanswered: { count: silent.length, addresses: silent.slice(0, 20).map(nodeOf) } } : {}),
  };
}

function isReport(value: unknown): value is Report {
  const r = value as Partial<Report> | null;
  return !!r && r.schema === 'kia.report/v1' && Array.isArray(r.endpoints) && Array.isArray(r.findings) && Array.isArray(r.notes) && !!r.scope && Array.isArray(r.scope.ports);
}

/** Lists the agents and asks each for its node's report; the API server not listing them is the one failure thrown. */
export async function clusterReport(options: ClusterReportOptions): Promise<{ report: Report; answers: NodeAnswer[] } | { error: string }> {
  const clock = options.clock ?? { now: () => Date.now() };
  const startedAt = new Date(clock.now()).toISOString();
  const namespace = options.namespace ?? AGENT_PODS.namespace;
  const access = { ...options.access, ...(options.signal ? { signal: options.signal } : {}) };
  const listed = await listPods(access, { namespace, labelSelector: options.labelSelector ?? AGENT_PODS.labelSelector });
  if (!listed.ok) return { error: `cannot list the agent pods in ${namespace}: ${listed.failure.message}` };
  // One transport for the fan-out: one TLS context and resumed sessions to the API server, not a new one per node.
  const transport = new Transport(options.signal ? { signal: options.signal } : {});
  const perNode = { ...access, timeoutMs: options.nodeTimeoutMs ?? 20_000, maxBytes: options.maxBytes ?? 32 << 20, transport };
  const headers = options.forwardToken ? { 'x-kia-authorization': `Bearer ${options.forwardToken}` } : undefined;
  const answers = await pool(listed.value, options.concurrency ?? 32, async (pod): Promise<NodeAnswer> => {
    if (!pod.podIP || pod.phase !== 'Running') return { pod, error: `pod is ${pod.phase}${pod.podIP ? '' : ', no IP yet'}` };
    const answer = await podProxyJson<unknown>(perNode, { namespace, pod: pod.name, port: options.port ?? AGENT_PODS.port, scheme: 'https', path: '/api/report', ...(headers ? { headers } : {}) });
    if (!answer.ok) return { pod, error: answer.failure.status ? `${answer.failure.status}: ${answer.failure.message}` : answer.failure.message };
    return isReport(answer.value) ? { pod, report: answer.value } : { pod, error: 'the answer is not a kia.report/v1' };
  }, options.signal).finally(() => transport.close());
  const all = answers.map((a, i) => a ?? { pod: listed.value[i] as PodSummary, error: 'not asked: the deadline passed' });
  return { report: mergeReports(all, { startedAt, finishedAt: new Date(clock.now()).toISOString() }), answers: all };
}
