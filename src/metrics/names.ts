// Sample names as the parser meets them: the last few, with their family and the label their bound sits in, so a
// histogram's _bucket, _sum and _count lines, which take turns, are matched in place instead of cut, interned and
// looked up again on every turn.
import type { FamilyState, FamilyTable } from './families.ts';
import { common, intern, NAME_CHAR, nameEnd, type Codes } from './text.ts';

export interface NameEntry {
  name: string;
  family: FamilyState;
  /** The label its samples must carry as a number: `le` on a histogram's buckets, `quantile` on a summary's. */
  bound: 'le' | 'quantile' | undefined;
  /** Where it was last met in the text being read, or -1. */
  at: number;
}

const KEPT = 4;

export class RecentNames {
  /** After match() or read(): the position after the name. */
  pos = 0;
  readonly #families: FamilyTable;
  /** Most recent first. */
  #entries: NameEntry[] = [];

  constructor(families: FamilyTable) {
    this.#families = families;
  }

  /** Forgets every name: metadata may change what a name resolves to. */
  clear(): void {
    this.#entries = [];
  }

  /** A new text: no name was met in it yet. */
  newText(): void {
    for (const entry of this.#entries) entry.at = -1;
  }

  /**
   * The entry whose name is at i, when it resolves to the current family (a name resolves to the family that owns it
   * when that family is the current one, so these stay right while the current family does).
   */
  match(codes: Codes, view: DataView | undefined, i: number, end: number, current: FamilyState | undefined): NameEntry | undefined {
    const entries = this.#entries;
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e] as NameEntry;
      if (entry.family !== current || !this.#at(entry, codes, view, i, end)) continue;
      entry.at = i;
      if (e > 0) {
        entries.splice(e, 1);
        entries.unshift(entry);
      }
      this.pos = i + entry.name.length;
      return entry;
    }
    return undefined;
  }

  /** Whether the name at i is `name`: the same characters, and no name character after them. */
  #at(entry: NameEntry, codes: Codes, view: DataView | undefined, i: number, end: number): boolean {
    const name = entry.name;
    const after = i + name.length;
    if (after > end) return false;
    if (after < end) {
      const next = codes[after] as number;
      if (next < 128 && NAME_CHAR[next] === 1) return false;
    }
    // Where it was met in this text, bytes compare with bytes; else code units with the name's.
    if (entry.at >= 0) return common(codes, view, i, entry.at, name.length) === name.length;
    for (let k = name.length - 1; k >= 0; k--) if (codes[i + k] !== name.charCodeAt(k)) return false;
    return true;
  }

  /** Reads the name at i and resolves its family; a message when no family can take it. */
  read(s: string, i: number, end: number, current: FamilyState | undefined): NameEntry | string {
    const start = i;
    // A native match: this runs once per name and family, too rarely to be worth compiling a loop.
    i = nameEnd(s, i, end, false);
    const name = intern(s.slice(start, i));
    const family = this.#families.resolve(name, current);
    if (!family) return this.#families.fullMessage(name);
    // (Types change on # TYPE lines only, which clear the entries.)
    const type = family.info.type;
    const bound = (type === 'histogram' || type === 'gaugehistogram') && name.endsWith('_bucket') ? 'le' : type === 'summary' && name === family.info.name ? 'quantile' : undefined;
    const entry: NameEntry = { name, family, bound, at: start };
    this.#entries.unshift(entry);
    if (this.#entries.length > KEPT) this.#entries.pop();
    this.pos = i;
    return entry;
  }
}
