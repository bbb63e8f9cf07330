// Which CIS Kubernetes Benchmark judges which Kubernetes release (kube-bench's version_mapping at a73ce378), and a
// release newer than the newest benchmark: the newest, labelled with the releases it was written for.
export const BENCHMARKS = [
  { id: 'cis-1.10', writtenFor: ['1.28'] },
  { id: 'cis-1.11', writtenFor: ['1.29', '1.30', '1.31'] },
  { id: 'cis-1.12', writtenFor: ['1.32', '1.33', '1.34'] },
] as const;

export type BenchmarkId = (typeof BENCHMARKS)[number]['id'];
export const BENCHMARK_IDS: readonly BenchmarkId[] = BENCHMARKS.map((b) => b.id);

export interface BenchmarkChoice {
  id: BenchmarkId;
  writtenFor: string[];
  /** One line: why this benchmark judges this release. */
  basis: string;
}

function minorOf(version: string): number | undefined {
  const m = /^v?1\.(\d+)/.exec(version.trim());
  return m ? Number(m[1]) : undefined;
}

/** The benchmark for a Kubernetes version (`1.31`, `v1.31.4`); undefined for a release older than the oldest covered. */
export function benchmarkFor(version: string): BenchmarkChoice | undefined {
  const minor = minorOf(version);
  if (minor === undefined) return undefined;
  const exact = BENCHMARKS.find((b) => (b.writtenFor as readonly string[]).includes(`1.${minor}`));
  if (exact) return { id: exact.id, writtenFor: [...exact.writtenFor], basis: `Kubernetes 1.${minor} is covered by ${exact.id} (written for ${exact.writtenFor.join(', ')})` };
  const newest = BENCHMARKS[BENCHMARKS.length - 1] as (typeof BENCHMARKS)[number];
  const newestMinor = minorOf(newest.writtenFor[newest.writtenFor.length - 1] as string) as number;
  if (minor > newestMinor) return { id: newest.id, writtenFor: [...newest.writtenFor], basis: `Kubernetes 1.${minor} is newer than every benchmark: judged by the newest, ${newest.id}, written for ${newest.writtenFor.join(', ')}` };
  return undefined;
}
