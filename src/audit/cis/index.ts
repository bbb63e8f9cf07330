// Observations -> the CIS Kubernetes Benchmark items kia can judge: the benchmark for the cluster's version, each item
// for each host where its component answered, pass or fail with the source that proved it, else not verified with
// what would verify it. Pure.
import { compareNatural, type CisReport, type CisResult, type EffectiveConfig, type EndpointObservation } from '../../model/index.ts';
import { effectiveConfig, hostKey } from '../effective-config.ts';
import { APISERVER_ITEMS } from './apiserver.ts';
import { APISERVER_FLAG_ITEMS } from './apiserver-flags.ts';
import { benchmarkFor, BENCHMARKS, type BenchmarkChoice } from './benchmarks.ts';
import { CONTROL_PLANE_ITEMS } from './control-plane.ts';
import { ETCD_ITEMS } from './etcd.ts';
import { KUBELET_ITEMS } from './kubelet.ts';
import type { CisItem } from './types.ts';

export { benchmarkFor, BENCHMARKS, BENCHMARK_IDS, type BenchmarkId } from './benchmarks.ts';
export type { CisItem, Verdict } from './types.ts';

/** Every item kia judges, in benchmark order: item numbers compare part by part as numbers (1.2.9 before 1.2.10). */
export const CIS_ITEMS: readonly CisItem[] = [...APISERVER_ITEMS, ...APISERVER_FLAG_ITEMS, ...CONTROL_PLANE_ITEMS, ...ETCD_ITEMS, ...KUBELET_ITEMS].sort((a, b) => compareNatural(a.id, b.id));

/** The cluster's version as the components told it: the API server's /version first, then any other component's. */
function seenVersion(endpoints: readonly EndpointObservation[]): { version: string; from: string } | undefined {
  const rank = (e: EndpointObservation) => (e.fingerprint.component === 'kube-apiserver' ? 0 : 1);
  const told = endpoints.filter((e) => e.fingerprint.version && e.fingerprint.component !== 'etcd' && e.fingerprint.component !== 'unknown').sort((a, b) => rank(a) - rank(b))[0];
  const minor = told?.fingerprint.version ? /^v?(1\.\d+)/.exec(told.fingerprint.version)?.[1] : undefined;
  return told && minor ? { version: minor, from: `${told.fingerprint.component} on ${told.address}:${told.port} reports ${told.fingerprint.version}` } : undefined;
}

function choose(endpoints: readonly EndpointObservation[], given: string | undefined): { version: string; choice: BenchmarkChoice } {
  const seen = given ? { version: given, from: 'given' } : seenVersion(endpoints);
  const choice = seen ? benchmarkFor(seen.version) : undefined;
  if (seen && choice) return { version: seen.version, choice: { ...choice, basis: `${choice.basis}; version ${seen.from === 'given' ? 'given' : `seen: ${seen.from}`}` } };
  const newest = BENCHMARKS[BENCHMARKS.length - 1] as (typeof BENCHMARKS)[number];
  const why = seen ? `Kubernetes ${seen.version} is older than every benchmark kia covers` : 'no component told its Kubernetes version';
  return { version: seen?.version ?? 'unknown', choice: { id: newest.id, writtenFor: [...newest.writtenFor], basis: `${why}: judged by the newest, ${newest.id}, written for ${newest.writtenFor.join(', ')}` } };
}

interface Subject {
  host: string;
  node?: string;
  endpoints: readonly EndpointObservation[];
  /** Every endpoint of the host, of any component. */
  all: readonly EndpointObservation[];
}

function judged(item: CisItem, benchmark: BenchmarkChoice['id'], version: string, subject: Subject, config: EffectiveConfig | undefined): CisResult {
  const verdict = item.judge({ benchmark, version, endpoints: subject.endpoints, host: subject.all, ...(config ? { config } : {}) });
  const base = { item: item.id, title: item.title, component: item.component, host: subject.host, ...(subject.node ? { node: subject.node } : {}) };
  if (verdict) return { ...base, status: verdict.status, source: verdict.source, detail: verdict.detail, ...(verdict.status === 'fail' ? { fix: item.remediation } : {}) };
  const unread = config?.unread.length ? `nothing decides it (${config.unread.join('; ')})` : 'nothing kia saw decides it';
  return { ...base, status: 'not-verified', detail: unread, needs: item.needs };
}

export interface CisOptions {
  /** The cluster's Kubernetes version (`1.31`); else the one the components report. */
  kubernetesVersion?: string;
}

export function cisAudit(endpoints: readonly EndpointObservation[], options: CisOptions = {}): CisReport {
  const { version, choice } = choose(endpoints, options.kubernetesVersion);
  const effective = effectiveConfig(endpoints);
  const results: CisResult[] = [];
  for (const item of CIS_ITEMS.filter((i) => i.benchmarks.includes(choice.id))) {
    const hosts = new Map<string, EndpointObservation[]>();
    for (const e of endpoints.filter((x) => x.fingerprint.component === item.component)) {
      const key = hostKey(e);
      hosts.set(key, [...(hosts.get(key) ?? []), e]);
    }
    if (hosts.size === 0) results.push({ item: item.id, title: item.title, component: item.component, host: '-', status: 'not-verified', detail: `no ${item.component} answered on any target`, needs: item.needs });
    for (const [key, group] of hosts) {
      const first = group[0] as EndpointObservation;
      const config = effective.find((c) => c.component === item.component && c.host === key);
      const all = endpoints.filter((e) => hostKey(e) === key);
      results.push(judged(item, choice.id, version, { host: first.target.host, ...(first.target.node ? { node: first.target.node } : {}), endpoints: group, all }, config));
    }
  }
  return { benchmark: choice.id, writtenFor: choice.writtenFor, kubernetesVersion: version, basis: choice.basis, results, effective };
}
