// Parsed metrics and summaries as text for people: a family index, samples in exposition syntax, a summary.
import type { ComponentSummary, Latency } from './summary.ts';
import type { FamilyInfo, Labels, MetricFamily, Sample } from './types.ts';

const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeValue(v)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** A family's `# HELP` and `# TYPE` lines. */
export function familyHeader(f: FamilyInfo): string[] {
  const out: string[] = [];
  if (f.help !== undefined) out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
  out.push(`# TYPE ${f.name} ${f.type}`);
  return out;
}

/** One sample in the Prometheus text format. */
export function sampleLine(s: Sample): string {
  return `${s.name}${formatLabels(s.labels)} ${formatNumber(s.value)}${s.timestamp !== undefined ? ` ${s.timestamp}` : ''}`;
}

/** Families with their samples, in the Prometheus text format. */
export function renderSamples(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(...familyHeader(f));
    for (const s of f.samples) out.push(sampleLine(s));
  }
  return out.join('\n');
}

/** One row of the family index. */
export interface IndexRow {
  name: string;
  type: string;
  samples: number;
}

/** One line per family: name, type, number of samples. */
export function renderIndex(families: readonly (MetricFamily | IndexRow)[]): string {
  const width = Math.min(70, Math.max(4, ...families.map((f) => f.name.length)));
  const count = (f: MetricFamily | IndexRow) => (typeof f.samples === 'number' ? f.samples : f.samples.length);
  const rows = families.map((f) => `${f.name.padEnd(width)}  ${f.type.padEnd(9)}  ${String(count(f)).padStart(6)}`);
  return [`${'NAME'.padEnd(width)}  ${'TYPE'.padEnd(9)}  ${'SAMPLES'.padStart(6)}`, ...rows].join('\n');
}

function seconds(n: number): string {
  if (Number.isNaN(n)) return 'n/a';
  if (n < 1) return `${(n * 1000).toFixed(n < 0.01 ? 2 : 1)} ms`;
  return `${n.toFixed(2)} s`;
}

function latency(l: Latency | undefined): string {
  if (!l) return 'n/a';
  return `p50 ${seconds(l.p50)}, p90 ${seconds(l.p90)}, p99 ${seconds(l.p99)} (${l.count} observations, mean ${seconds(l.mean)})`;
}

const show = (v: unknown) => (v === undefined ? 'n/a' : String(v));
const pairs = (r: Record<string, number>) => (Object.keys(r).length === 0 ? 'none' : Object.entries(r).map(([k, v]) => `${k || '""'} ${v}`).join(', '));
const bytes = (n: number | undefined) => (n === undefined ? 'n/a' : `${(n / (1 << 20)).toFixed(1)} MiB (${n} bytes)`);
const time = (t: number | undefined) => (t === undefined ? 'n/a' : new Date(t * 1000).toISOString());

export function renderSummary(summary: ComponentSummary): string {
  const rows: [string, string][] = [['component', summary.component]];
  switch (summary.component) {
    case 'etcd':
      rows.push(['has leader', show(summary.hasLeader)], ['is leader', show(summary.isLeader)], ['leader changes', show(summary.leaderChanges)]);
      rows.push(['db size', bytes(summary.dbSizeBytes)], ['db size in use', bytes(summary.dbSizeInUseBytes)], ['backend quota', bytes(summary.quotaBackendBytes)]);
      rows.push(['proposals failed', show(summary.proposalsFailed)], ['proposals pending', show(summary.proposalsPending)]);
      rows.push(['wal fsync', latency(summary.walFsync)], ['backend commit', latency(summary.backendCommit)]);
      break;
    case 'kubelet':
      rows.push(['running pods', show(summary.runningPods)], ['containers', pairs(summary.containers)], ['pleg relist', latency(summary.plegRelist)]);
      rows.push(['runtime operations', String(summary.runtimeOperations)], ['runtime errors', `${summary.runtimeErrorsTotal}${summary.runtimeErrorsTotal > 0 ? ` (${pairs(summary.runtimeErrors)})` : ''}`]);
      break;
    case 'kube-apiserver':
      rows.push(['requests', `${summary.requestsTotal}${summary.uptimeSeconds ? ` in ${Math.round(summary.uptimeSeconds)} s of uptime` : ''}`]);
      for (const r of summary.requests.slice(0, 15)) rows.push([`  ${r.verb} ${r.code}`, `${r.count}${r.perSecond !== undefined ? ` (${r.perSecond.toFixed(3)}/s)` : ''}`]);
      if (summary.requests.length > 15) rows.push(['  ...', `${summary.requests.length - 15} more verb/code pairs`]);
      rows.push(['inflight', pairs(summary.inflight)], ['latency (no WATCH/CONNECT)', latency(summary.latency)]);
      for (const [verb, l] of Object.entries(summary.latencyByVerb)) rows.push([`  ${verb}`, latency(l)]);
      break;
    case 'kube-proxy':
      rows.push(['sync latency', latency(summary.syncLatency)], ['last sync', time(summary.lastSync)], ['last queued', time(summary.lastQueued)]);
      if (summary.secondsSinceLastSync !== undefined) rows.push(['since last sync', `${summary.secondsSinceLastSync.toFixed(1)} s`]);
      rows.push(['sync pending', show(summary.syncPending)]);
      break;
    case 'kube-scheduler':
      rows.push(['pending pods', pairs(summary.pendingPods)], ['scheduling attempt', latency(summary.schedulingAttempt)]);
      break;
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
