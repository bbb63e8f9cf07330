// What matters in one scrape of a component, as plain data: pure functions over parsed families.
// Counters are totals since the process started; a rate is that total over the process' uptime when `now` is known.
import { histogramQuantile, sumHistogram, type Histogram } from './quantile.ts';
import type { MetricFamily, Sample } from './types.ts';

export type MetricsComponent = 'etcd' | 'kubelet' | 'kube-apiserver' | 'kube-proxy' | 'kube-scheduler';

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  count: number;
  /** Mean in seconds (sum / count). */
  mean: number;
}

export interface EtcdSummary {
  component: 'etcd';
  hasLeader: boolean | undefined;
  isLeader: boolean | undefined;
  leaderChanges: number | undefined;
  dbSizeBytes: number | undefined;
  dbSizeInUseBytes: number | undefined;
  quotaBackendBytes: number | undefined;
  proposalsFailed: number | undefined;
  proposalsPending: number | undefined;
  walFsync: Latency | undefined;
  backendCommit: Latency | undefined;
}

export interface KubeletSummary {
  component: 'kubelet';
  runningPods: number | undefined;
  /** kubelet_running_containers by container_state. */
  containers: Record<string, number>;
  plegRelist: Latency | undefined;
  runtimeOperations: number;
  /** kubelet_runtime_operations_errors_total by operation_type (absent until an operation fails). */
  runtimeErrors: Record<string, number>;
  runtimeErrorsTotal: number;
}

export interface RequestCount {
  verb: string;
  code: string;
  count: number;
  /** Per second over the process' uptime, when the summary knows the time. */
  perSecond?: number;
}

export interface ApiserverSummary {
  component: 'kube-apiserver';
  requests: RequestCount[];
  requestsTotal: number;
  /** apiserver_current_inflight_requests by request_kind (mutating, readOnly). */
  inflight: Record<string, number>;
  /** apiserver_request_duration_seconds over every verb but WATCH and CONNECT (long-running). */
  latency: Latency | undefined;
  latencyByVerb: Record<string, Latency>;
  uptimeSeconds?: number;
}

export interface KubeProxySummary {
  component: 'kube-proxy';
  syncLatency: Latency | undefined;
  /** Unix seconds of the last completed and the last queued rules sync. */
  lastSync: number | undefined;
  lastQueued: number | undefined;
  secondsSinceLastSync?: number;
  /** A sync was queued after the last one completed. */
  syncPending: boolean | undefined;
}

export interface SchedulerSummary {
  component: 'kube-scheduler';
  pendingPods: Record<string, number>;
  schedulingAttempt: Latency | undefined;
}

export type ComponentSummary = EtcdSummary | KubeletSummary | ApiserverSummary | KubeProxySummary | SchedulerSummary;

export interface SummaryOptions {
  /** Unix seconds of the scrape, for rates and ages. */
  now?: number;
}

type Families = ReadonlyMap<string, MetricFamily>;

/**
 * Every family whose samples a summary reads (the detection reads only names): a streaming reader keeps these and
 * drops the rest. A test checks that summaries from these alone equal summaries from everything.
 */
export const SUMMARY_FAMILIES: ReadonlySet<string> = new Set([
  'etcd_server_has_leader',
  'etcd_server_is_leader',
  'etcd_server_leader_changes_seen_total',
  'etcd_mvcc_db_total_size_in_bytes',
  'etcd_debugging_mvcc_db_total_size_in_bytes',
  'etcd_mvcc_db_total_size_in_use_in_bytes',
  'etcd_server_quota_backend_bytes',
  'etcd_server_proposals_failed_total',
  'etcd_server_proposals_pending',
  'etcd_disk_wal_fsync_duration_seconds',
  'etcd_disk_backend_commit_duration_seconds',
  'kubelet_running_pods',
  'kubelet_running_pod_count',
  'kubelet_running_containers',
  'kubelet_pleg_relist_duration_seconds',
  'kubelet_runtime_operations_total',
  'kubelet_runtime_operations_errors_total',
  'apiserver_request_total',
  'apiserver_request_duration_seconds',
  'apiserver_current_inflight_requests',
  'process_start_time_seconds',
  'kubeproxy_sync_proxy_rules_duration_seconds',
  'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
  'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds',
  'scheduler_pending_pods',
  'scheduler_scheduling_attempt_duration_seconds',
]);

export function familyMap(families: readonly MetricFamily[]): Map<string, MetricFamily> {
  return new Map(families.map((f) => [f.name, f]));
}

/** The component that served an exposition, from the families only it has. */
export function detectComponent(families: Families): MetricsComponent | undefined {
  if (families.has('etcd_server_has_leader')) return 'etcd';
  const names = [...families.keys()];
  if (names.some((n) => n.startsWith('kubeproxy_'))) return 'kube-proxy';
  if (families.has('kubelet_running_pods') || families.has('kubelet_pleg_relist_duration_seconds')) return 'kubelet';
  if (names.some((n) => n.startsWith('scheduler_'))) return 'kube-scheduler';
  if (families.has('apiserver_request_total')) return 'kube-apiserver';
  return undefined;
}

function first(families: Families, ...names: string[]): number | undefined {
  for (const name of names) {
    const sample = families.get(name)?.samples[0];
    if (sample) return sample.value;
  }
  return undefined;
}

function total(families: Families, name: string): number {
  return families.get(name)?.samples.reduce((acc, s) => acc + s.value, 0) ?? 0;
}

function byLabel(families: Families, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of families.get(name)?.samples ?? []) {
    const key = s.labels[label] ?? '';
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

export function latencyOf(histogram: Histogram | undefined): Latency | undefined {
  if (!histogram) return undefined;
  const q = (p: number) => histogramQuantile(p, histogram.buckets);
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), count: histogram.count, mean: histogram.count > 0 ? histogram.sum / histogram.count : NaN };
}

const bool = (n: number | undefined) => (n === undefined ? undefined : n === 1);

export function etcdSummary(families: Families): EtcdSummary {
  return {
    component: 'etcd',
    hasLeader: bool(first(families, 'etcd_server_has_leader')),
    isLeader: bool(first(families, 'etcd_server_is_leader')),
    leaderChanges: first(families, 'etcd_server_leader_changes_seen_total'),
    dbSizeBytes: first(families, 'etcd_mvcc_db_total_size_in_bytes', 'etcd_debugging_mvcc_db_total_size_in_bytes'),
    dbSizeInUseBytes: first(families, 'etcd_mvcc_db_total_size_in_use_in_bytes'),
    quotaBackendBytes: first(families, 'etcd_server_quota_backend_bytes'),
    proposalsFailed: first(families, 'etcd_server_proposals_failed_total'),
    proposalsPending: first(families, 'etcd_server_proposals_pending'),
    walFsync: latencyOf(sumHistogram(families.get('etcd_disk_wal_fsync_duration_seconds'))),
    backendCommit: latencyOf(sumHistogram(families.get('etcd_disk_backend_commit_duration_seconds'))),
  };
}

export function kubeletSummary(families: Families): KubeletSummary {
  const errors = byLabel(families, 'kubelet_runtime_operations_errors_total', 'operation_type');
  return {
    component: 'kubelet',
    runningPods: first(families, 'kubelet_running_pods', 'kubelet_running_pod_count'),
    containers: byLabel(families, 'kubelet_running_containers', 'container_state'),
    plegRelist: latencyOf(sumHistogram(families.get('kubelet_pleg_relist_duration_seconds'))),
    runtimeOperations: total(families, 'kubelet_runtime_operations_total'),
    runtimeErrors: errors,
    runtimeErrorsTotal: Object.values(errors).reduce((a, b) => a + b, 0),
  };
}

const LONG_RUNNING = new Set(['WATCH', 'CONNECT']);

export function apiserverSummary(families: Families, options: SummaryOptions = {}): ApiserverSummary {
  const counts = new Map<string, RequestCount>();
  for (const s of families.get('apiserver_request_total')?.samples ?? []) {
    const verb = s.labels.verb ?? '';
    const code = s.labels.code ?? '';
    const key = `${verb} ${code}`;
    const entry = counts.get(key) ?? { verb, code, count: 0 };
    entry.count += s.value;
    counts.set(key, entry);
  }
  const started = first(families, 'process_start_time_seconds');
  const uptime = options.now !== undefined && started !== undefined && options.now > started ? options.now - started : undefined;
  const requests = [...counts.values()].sort((a, b) => b.count - a.count || a.verb.localeCompare(b.verb) || a.code.localeCompare(b.code));
  if (uptime !== undefined) for (const r of requests) r.perSecond = r.count / uptime;
  const duration = families.get('apiserver_request_duration_seconds');
  const verbs = new Set((duration?.samples ?? []).map((s) => s.labels.verb ?? ''));
  const latencyByVerb: Record<string, Latency> = {};
  for (const verb of [...verbs].sort()) {
    const latency = latencyOf(sumHistogram(duration, (s: Sample) => s.labels.verb === verb));
    if (latency) latencyByVerb[verb] = latency;
  }
  return {
    component: 'kube-apiserver',
    requests,
    requestsTotal: requests.reduce((acc, r) => acc + r.count, 0),
    inflight: byLabel(families, 'apiserver_current_inflight_requests', 'request_kind'),
    latency: latencyOf(sumHistogram(duration, (s) => !LONG_RUNNING.has(s.labels.verb ?? ''))),
    latencyByVerb,
    ...(uptime !== undefined ? { uptimeSeconds: uptime } : {}),
  };
}

export function kubeProxySummary(families: Families, options: SummaryOptions = {}): KubeProxySummary {
  const lastSync = first(families, 'kubeproxy_sync_proxy_rules_last_timestamp_seconds');
  const lastQueued = first(families, 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds');
  return {
    component: 'kube-proxy',
    syncLatency: latencyOf(sumHistogram(families.get('kubeproxy_sync_proxy_rules_duration_seconds'))),
    lastSync,
    lastQueued,
    ...(options.now !== undefined && lastSync !== undefined ? { secondsSinceLastSync: options.now - lastSync } : {}),
    syncPending: lastSync === undefined || lastQueued === undefined ? undefined : lastQueued > lastSync,
  };
}

export function schedulerSummary(families: Families): SchedulerSummary {
  return {
    component: 'kube-scheduler',
    pendingPods: byLabel(families, 'scheduler_pending_pods', 'queue'),
    schedulingAttempt: latencyOf(sumHistogram(families.get('scheduler_scheduling_attempt_duration_seconds'))),
  };
}

/** The summary of whichever component served these families, or undefined when none is recognised. */
export function summarize(families: readonly MetricFamily[], options: SummaryOptions = {}): ComponentSummary | undefined {
  const map = familyMap(families);
  switch (detectComponent(map)) {
    case 'etcd':
      return etcdSummary(map);
    case 'kubelet':
      return kubeletSummary(map);
    case 'kube-apiserver':
      return apiserverSummary(map, options);
    case 'kube-proxy':
      return kubeProxySummary(map, options);
    case 'kube-scheduler':
      return schedulerSummary(map);
    default:
      return undefined;
  }
}
