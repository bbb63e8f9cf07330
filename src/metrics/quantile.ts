// Quantiles from cumulative histogram buckets, as PromQL's histogram_quantile() computes them (linear interpolation
// inside the bucket that holds the rank; the +Inf bucket answers with the highest finite bound).
import type { MetricFamily, Sample } from './types.ts';

export interface Bucket {
  /** Upper bound (`le`). */
  le: number;
  /** Cumulative count of observations at or below le. */
  count: number;
}

export interface Histogram {
  buckets: Bucket[];
  count: number;
  sum: number;
}

/** Prometheus' bucketQuantile: NaN without a +Inf bucket or without observations. */
export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const buckets = [...input].sort((a, b) => a.le - b.le);
  const last = buckets[buckets.length - 1];
  if (buckets.length < 2 || !last || last.le !== Infinity) return NaN;
  // Counts must not fall from one bucket to the next; Prometheus evens out such noise the same way.
  for (let i = 1; i < buckets.length; i++) {
    const prev = buckets[i - 1] as Bucket;
    const cur = buckets[i] as Bucket;
    if (cur.count < prev.count) buckets[i] = { le: cur.le, count: prev.count };
  }
  const total = last.count;
  if (total === 0 || Number.isNaN(total)) return NaN;
  let rank = q * total;
  let b = buckets.findIndex((bucket) => bucket.count >= rank);
  if (b < 0) b = buckets.length - 1;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).le;
  const bucket = buckets[b] as Bucket;
  if (b === 0 && bucket.le <= 0) return bucket.le;
  let start = 0;
  let count = bucket.count;
  if (b > 0) {
    const prev = buckets[b - 1] as Bucket;
    start = prev.le;
    count -= prev.count;
    rank -= prev.count;
  }
  return start + (bucket.le - start) * (rank / count);
}

/**
 * One histogram summed over the series of a family that `keep` accepts (all by default), like
 * `sum by (le) (metric_bucket{...})`; undefined when the family has no buckets.
 */
export function sumHistogram(family: MetricFamily | undefined, keep: (sample: Sample) => boolean = () => true): Histogram | undefined {
  if (!family) return undefined;
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const sample of family.samples) {
    if (!keep(sample)) continue;
    if (sample.name.endsWith('_bucket')) {
      const le = parseBound(sample.labels.le);
      if (le === undefined) continue;
      byLe.set(le, (byLe.get(le) ?? 0) + sample.value);
    } else if (sample.name.endsWith('_count')) count += sample.value;
    else if (sample.name.endsWith('_sum')) sum += sample.value;
  }
  if (byLe.size === 0) return undefined;
  const buckets = [...byLe].map(([le, n]) => ({ le, count: n })).sort((a, b) => a.le - b.le);
  return { buckets, count, sum };
}

function parseBound(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  const n = Number(text);
  return text.trim() === '' || Number.isNaN(n) ? undefined : n;
}
