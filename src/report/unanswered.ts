// The targets on which no port answered, told in proportion: a few are named, many are counted (a /16 leaves
// 65,000), and the data keeps the count with the first addresses.
import type { Report, Target } from '../model/index.ts';

/** Silent targets named one by one up to this many; past it, one counted note. */
const NAMED = 3;
/** Addresses the report's data keeps. */
const KEPT = 20;

/** The notes and the `unanswered` summary for the targets whose address is not among those that answered. */
export function unansweredTargets(targets: readonly Target[], answered: ReadonlySet<string>): { notes: string[]; unanswered?: NonNullable<Report['unanswered']> } {
  const seen = new Set<string>();
  const silent: Target[] = [];
  for (const t of targets) {
    if (answered.has(t.address) || seen.has(t.address)) continue;
    seen.add(t.address);
    silent.push(t);
  }
  if (silent.length === 0) return { notes: [] };
  const unanswered = { count: silent.length, addresses: silent.slice(0, KEPT).map((t) => t.address) };
  const name = (t: Target) => (t.host === t.address ? t.address : `${t.host} (${t.address})`);
  if (silent.length <= NAMED) return { notes: silent.map((t) => `${name(t)}: no catalog port answered`), unanswered };
  const others = answered.size > 0 ? 'other ' : '';
  return { notes: [`${silent.length.toLocaleString('en-US')} ${others}hosts: no catalog port answered`], unanswered };
}
