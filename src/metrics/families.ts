// The families of one exposition as the parser meets them: declared by metadata or named by samples, and which
// family a sample name belongs to (`_bucket`, `_count`, `_sum`, `_created`, `_total` suffixes by type).
import { METRIC_TYPES, type FamilyInfo, type MetricType } from './types.ts';

/** The sample-name suffixes a family of each type may carry besides its own name. */
/** (A map, not an object: looked up by a type that varies, a property load would change shape with every new type.) */
const SUFFIXES = new Map<MetricType, readonly string[]>(Object.entries({
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['_count', '_sum', '_created'],
  info: ['_info'],
  gauge: [],
  stateset: [],
  unknown: [],
  untyped: [],
}) as [MetricType, readonly string[]][]);
const suffixesOf = (type: MetricType): readonly string[] => SUFFIXES.get(type) ?? [];
const ALL_SUFFIXES = ['_bucket', '_count', '_sum', '_created', '_total', '_gcount', '_gsum', '_info'];
export const TYPES = new Set<string>(METRIC_TYPES);

export interface FamilyState {
  info: FamilyInfo;
  selected: boolean;
  announced: boolean;
  typed: boolean;
  helped: boolean;
  samples: number;
}

export class FamilyTable {
  readonly #families = new Map<string, FamilyState>();
  readonly #select: ReadonlySet<string> | undefined;
  readonly #max: number;

  /** Families past `max` are not kept: a peer's exposition cannot grow the table without bound. */
  constructor(select: readonly string[] | undefined, max: number) {
    this.#select = select ? new Set(select) : undefined;
    this.#max = max;
  }

  /** Why a name found no family. */
  fullMessage(name: string): string {
    return `more than ${this.#max} families: ${name} skipped`;
  }

  /** The family of this name, created (untyped, selected or not) on first sight; undefined when the table is full. */
  state(name: string): FamilyState | undefined {
    let state = this.#families.get(name);
    if (!state) {
      if (this.#families.size >= this.#max) return undefined;
      const select = this.#select;
      const selected = !select || select.has(name);
      state = { info: { name, type: 'unknown' }, selected, announced: false, typed: false, helped: false, samples: 0 };
      this.#families.set(name, state);
    }
    return state;
  }

  /** The family of a sample name: the current family, a declared family by suffix, or a new untyped one. */
  resolve(name: string, current: FamilyState | undefined): FamilyState | undefined {
    if (current && this.#owns(current, name)) return current;
    const own = this.#families.get(name);
    if (own && own.typed) return own;
    for (const suffix of ALL_SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const base = this.#families.get(name.slice(0, -suffix.length));
      if (base && suffixesOf(base.info.type).includes(suffix)) return base;
    }
    return own ?? this.state(name);
  }

  #owns(state: FamilyState, name: string): boolean {
    const family = state.info.name;
    if (name === family) return true;
    return name.startsWith(family) && suffixesOf(state.info.type).includes(name.slice(family.length));
  }
}
