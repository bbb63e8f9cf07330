// Label sets: read in place from a line into two scratch arrays (names and values), tested there by the filter, and
// only then built into objects. Each step is its own small function: the optimizing compiler takes them one by one,
// early, instead of one large function late and again after every path it had not seen yet.
import { common, intern, isBlank, isNumberText, LABEL_CHAR, LABEL_START, NO_BYTES, toNumber, type Codes } from './text.ts';
import type { Exemplar, Labels } from './types.ts';

/**
 * The labels object, key by key. One builder for every label set: it is warm after a few lines, where a compiled
 * builder per set of names (tried before) was faster per object but cold once per set, and cost more over an
 * exposition than it saved.
 */
function makeLabels(names: readonly string[], values: readonly string[], count: number): Labels {
  const labels: Labels = {};
  for (let i = 0; i < count; i++) {
    const name = names[i] as string;
    // A label called __proto__ must be an own property, not the prototype.
    if (name === '__proto__') Object.defineProperty(labels, name, { value: values[i], enumerable: true, writable: true, configurable: true });
    else labels[name] = values[i] as string;
  }
  return labels;
}

/**
 * Scratch slots for a label set, filled in advance: a longer set than any before is then a store within bounds, not
 * a growth of the array, which sends the optimized readers back to the interpreter and through the compiler again.
 */
const SLOTS = 64;
function slots<T>(fill: T): T[] {
  return Array.from({ length: SLOTS }, () => fill);
}

export class LabelReader {
  /** Names and values of the last label set read; entries past its count are stale. */
  readonly names: string[] = slots('');
  readonly values: string[] = slots('');
  /** After read(): the position after `}`, or what was wrong. */
  pos = 0;
  error = '';
  readonly #labelNames = new Map<number, string>();
  /** The count of the last label set read, or -1 when the next one is not compared with it. */
  #prevCount = -1;
  #backslashIn = '';
  #backslashAt = Infinity;
  /** The code units of the text being read, and a view of them. */
  #codes: Codes = NO_BYTES;
  #view: DataView | undefined;
  /** Whether the last label set read sits in this text, from #lastOpen (after its `{`) to just after its `}`... */
  #inText = false;
  #lastOpen = 0;
  #lastLength = 0;
  /** ...and where each of its labels ends (after the closing quote) and its value starts, counted from #lastOpen. */
  readonly #ends: number[] = slots(0);
  readonly #valueAt: number[] = slots(0);

  /**
   * Called before reading lines of a new text, with its code units. Nothing is compared with the text before, and
   * #backslashAfter's check of its text compares two pointers, never two long strings of the same length.
   */
  newText(codes: Codes, view: DataView | undefined): void {
    this.#codes = codes;
    this.#view = view;
    this.#inText = false;
    this.#backslashIn = '';
  }

  /** The labels object of the last `count` pairs read. */
  build(count: number): Labels {
    return makeLabels(this.names, this.values, count);
  }

  /** ` # {labels} value [timestamp]` after a sample (OpenMetrics), from just after the `#`; or what is wrong. */
  exemplar(s: string, i: number, end: number, lineStart: number): Exemplar | string {
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 123) return 'an exemplar starts with {';
    const count = this.read(s, i + 1, end, lineStart);
    if (count < 0) return this.error;
    // The next line is not compared with an exemplar's labels.
    this.#prevCount = -1;
    i = this.pos;
    const tokens: number[] = [];
    while (i < end) {
      while (i < end && isBlank(s.charCodeAt(i))) i++;
      const start = i;
      while (i < end && !isBlank(s.charCodeAt(i))) i++;
      if (start === i) break;
      const n = toNumber(s, start, i);
      if (n === undefined || tokens.length === 2) return `bad exemplar "${s.slice(start, i)}"`;
      tokens.push(n);
    }
    if (tokens.length === 0) return 'an exemplar needs a value';
    const exemplar: Exemplar = { labels: makeLabels(this.names, this.values, count), value: tokens[0] as number };
    if (tokens.length === 2) exemplar.timestamp = tokens[1] as number;
    return exemplar;
  }

  #fail(message: string): number {
    this.error = message;
    return -1;
  }

  /** Whether the label is present and holds a number (`le`, `quantile`). */
  boundOk(count: number, label: string): boolean {
    const names = this.names;
    // From the end: `le` and `quantile` mostly come last. (Names are unique, so the first found is the only one.)
    for (let k = count - 1; k >= 0; k--) if (names[k] === label) return isNumberText(this.values[k] as string);
    return false;
  }

  /**
   * Reads `name="value",...}` into names/values; returns the count (and `pos` after `}`), or -1 (and `error`).
   * Label sets mostly repeat the one before, all of it (a histogram's _sum and _count) or up to a label (its buckets
   * before `le`): one comparison with the last set, when it sits earlier in the same text, keeps the names and values
   * of the labels it covers whole. Text alike is read alike, and holds no duplicate names either.
   */
  read(s: string, i: number, end: number, lineStart: number): number {
    const before = this.#prevCount;
    this.#prevCount = -1;
    let count = 0;
    const open = i;
    if (before > 0 && this.#inText) {
      const k = this.#common(i, end);
      if (k === this.#lastLength) return this.#repeat(i, k, before);
      count = this.#covered(k, before);
      if (count < before && k >= (this.#valueAt[count] as number)) {
        // The first difference lies in a value (a bucket's `le`): its label's name is the one the last set had there.
        const after = this.#value(s, open + (this.#valueAt[count] as number), end, count);
        if (after < 0) return this.#fail(this.error.replace('%s', this.names[count] as string));
        this.#ends[count++] = after - open;
        i = this.#after(after, end);
        if (i < 0) return this.#fail('expected , or } after a label');
      } else if (count > 0) {
        i = this.#after(i + (this.#ends[count - 1] as number), end);
        if (i < 0) return this.#fail('expected , or } after a label');
      }
    }
    return this.#rest(s, i, end, open, count) ?? this.#fail(`bad label name at column ${this.pos - lineStart + 1}`);
  }

  /** How many code units at i repeat the last label set, at most its length. */
  #common(i: number, end: number): number {
    return common(this.#codes, this.#view, i, this.#lastOpen, Math.min(this.#lastLength, end - i));
  }

  /** The whole label set repeats the last one. */
  #repeat(i: number, k: number, count: number): number {
    this.pos = i + k;
    this.#prevCount = count;
    this.#lastOpen = i;
    return count;
  }

  /** How many labels of the last set end within the first k code units. */
  #covered(k: number, before: number): number {
    const ends = this.#ends;
    let count = 0;
    while (count < before && (ends[count] as number) <= k) count++;
    return count;
  }

  /** After a label's closing quote: past `,`, or at `}`; -1 for anything else. */
  #after(i: number, end: number): number {
    const codes = this.#codes;
    while (i < end && isBlank(codes[i] as number)) i++;
    const sep = codes[i];
    if (sep === 44) return i + 1;
    return sep === 125 ? i : -1;
  }

  /**
   * The labels after those kept from the last set, up to `}`; undefined (and pos) at a character that cannot start a
   * label name. (Positional parameters on this path: it runs once per line.)
   */
  #rest(s: string, i: number, end: number, open: number, count: number): number | undefined {
    const codes = this.#codes;
    for (;;) {
      while (i < end && isBlank(codes[i] as number)) i++;
      if (i >= end) return this.#fail('unterminated label set');
      if (codes[i] === 125) return this.#close(open, i, count);
      if (LABEL_START[codes[i] as number] !== 1) {
        this.pos = i;
        return undefined;
      }
      i = this.#label(s, i, end, open, count);
      if (i < 0) return -1;
      this.#ends[count] = i - open;
      count++;
      i = this.#after(i, end);
      if (i < 0) return this.#fail('expected , or } after a label');
    }
  }

  #close(open: number, i: number, count: number): number {
    this.pos = i + 1;
    this.#prevCount = count;
    this.#inText = true;
    this.#lastOpen = open;
    this.#lastLength = i + 1 - open;
    return count;
  }

  /** One `name="value"` into position `count` of a set opened at `open`; the position after its closing quote, or -1. */
  #label(s: string, i: number, end: number, open: number, count: number): number {
    const label = this.#name(s, i, end, count);
    i = this.pos;
    const codes = this.#codes;
    while (i < end && isBlank(codes[i] as number)) i++;
    if (codes[i] !== 61) return this.#fail(`expected = after label ${label}`);
    i++;
    while (i < end && isBlank(codes[i] as number)) i++;
    if (codes[i] !== 34) return this.#fail(`expected " to open the value of label ${label}`);
    this.#valueAt[count] = i + 1 - open;
    i = this.#value(s, i + 1, end, count);
    if (i < 0) return this.#fail(this.error.replace('%s', label));
    const names = this.names;
    for (let k = 0; k < count; k++) if (names[k] === label) return this.#fail(`label ${label} appears twice`);
    names[count] = label;
    return i;
  }

  /**
   * A label name at i (pos after it). Names mostly repeat those of the line before at the same position: compared
   * while scanning, the previous string is kept instead of cutting a new one.
   */
  #name(s: string, i: number, end: number, count: number): string {
    const codes = this.#codes;
    const start = i;
    let label = this.names[count] ?? '';
    let same = true;
    let hash = 0;
    for (let k = 0; i < end; i++, k++) {
      const c = codes[i] as number;
      if (c >= 128 || LABEL_CHAR[c] !== 1) break;
      hash = (hash * 31 + c) | 0;
      if (same && (k >= label.length || label.charCodeAt(k) !== c)) same = false;
    }
    if (!same || i - start !== label.length) label = this.#labelName(s, start, i, hash);
    this.pos = i;
    return label;
  }

  /** A label name from a small cache keyed by its hash, checked char by char (hashes collide). */
  #labelName(s: string, start: number, end: number, hash: number): string {
    const cached = this.#labelNames.get(hash);
    const codes = this.#codes;
    if (cached !== undefined && cached.length === end - start) {
      let k = 0;
      while (k < cached.length && cached.charCodeAt(k) === codes[start + k]) k++;
      if (k === cached.length) return cached;
    }
    const label = intern(s.slice(start, end));
    if (this.#labelNames.size < 4096) this.#labelNames.set(hash, label);
    return label;
  }

  /**
   * The value from just after its opening quote into values[count]; the position after the closing quote, or -1 and
   * an error with `%s` where the label's name goes.
   */
  #value(s: string, i: number, end: number, count: number): number {
    // The closing quote by a native search; a backslash before it (rare) takes the escape-aware loop.
    const quote = s.indexOf('"', i);
    if (quote >= 0 && quote < end && this.#backslashAfter(s, i) > quote) {
      this.values[count] = s.slice(i, quote);
      return quote + 1;
    }
    return this.#escaped(s, i, end, count);
  }

  /** The next backslash at or after i; one search per string while there is none. */
  #backslashAfter(s: string, i: number): number {
    if (this.#backslashIn !== s || this.#backslashAt < i) {
      const at = s.indexOf('\\', i);
      this.#backslashIn = s;
      this.#backslashAt = at < 0 ? Infinity : at;
    }
    return this.#backslashAt;
  }

  /** A value holding escapes (`\\`, `\"`, `\n`). */
  #escaped(s: string, i: number, end: number, count: number): number {
    let built = '';
    for (;;) {
      if (i >= end) return this.#fail('unterminated value of label %s');
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        const e = s.charCodeAt(i + 1);
        if (i + 1 >= end || (e !== 92 && e !== 34 && e !== 110)) return this.#fail('bad escape in the value of label %s');
        built += e === 110 ? '\n' : e === 34 ? '"' : '\\';
        i += 2;
      } else {
        const from = i;
        let d = c;
        while (i < end && (d = s.charCodeAt(i)) !== 34 && d !== 92) i++;
        built += s.slice(from, i);
      }
    }
    this.values[count] = built;
    return i + 1;
  }
}
