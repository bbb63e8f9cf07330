// Label sets: read in place from a line into two scratch arrays (names and values), tested there by the filter, and
// only then built into objects.
import { intern, isBlank, LABEL_CHAR, LABEL_START, NO_BYTES, toNumber, type Codes } from './text.ts';
import type { Exemplar, Labels } from './types.ts';

interface Shape {
  seen: number;
  make: ((values: readonly string[]) => Labels) | undefined;
}

/**
 * `(v) => ({"code": v[0], "verb": v[1]})` for a list of label names. Names are [a-zA-Z_][a-zA-Z0-9_]* (checked while
 * parsing) and quoted with JSON.stringify, so no input reaches the code unquoted. Without code generation
 * (--disallow-code-generation-from-strings) labels are built key by key.
 */
function compileShape(names: readonly string[], count: number): Shape['make'] {
  const keys = names.slice(0, count);
  if (keys.includes('__proto__')) return undefined;
  try {
    return new Function('v', `return {${keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ')}};`) as Shape['make'];
  } catch {
    return undefined;
  }
}

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

export class LabelReader {
  /** Names and values of the last label set read; entries past its count are stale. */
  readonly names: string[] = [];
  readonly values: string[] = [];
  /** After read(): the position after `}`, or what was wrong. */
  pos = 0;
  error = '';
  readonly #labelNames = new Map<number, string>();
  readonly #shapes = new Map<string, Shape>();
  /** The last few shapes looked up, with their names: label sets alternate between few shapes (with `le`, without). */
  readonly #recent: { names: string[]; shape: Shape }[] = [];
  /** Whether bucket bounds and quantiles, as written, are numbers: they repeat from series to series (short ones kept). */
  readonly #bounds = new Map<string, boolean>();
  /** The shape of the names in the scratch array, while they stay the same from line to line. */
  #shape: Shape | undefined;
  #prevCount = -1;
  #backslashIn = '';
  #backslashAt = Infinity;
  /** The code units of the text being read. */
  #codes: Codes = NO_BYTES;
  /** Whether the last label set read sits in this text, from #lastOpen (after its `{`) to just after its `}`... */
  #inText = false;
  #lastOpen = 0;
  #lastLength = 0;
  /** ...and where each of its labels ends (after the closing quote), counted from #lastOpen. */
  readonly #ends: number[] = [];

  /**
   * Called before reading lines of a new text, with its code units. Nothing is compared with the text before, and
   * #backslashAfter's check of its text compares two pointers, never two long strings of the same length.
   */
  newText(codes: Codes): void {
    this.#codes = codes;
    this.#inText = false;
    this.#backslashIn = '';
  }

  /** Labels built key by key, for a one-off set (an exemplar's); the next read() looks its shape up again. */
  plain(count: number): Labels {
    this.#prevCount = -1;
    return makeLabels(this.names, this.values, count);
  }

  /** ` # {labels} value [timestamp]` after a sample (OpenMetrics), from just after the `#`; or what is wrong. */
  exemplar(s: string, i: number, end: number, lineStart: number): Exemplar | string {
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 123) return 'an exemplar starts with {';
    const count = this.read(s, i + 1, end, lineStart);
    if (count < 0) return this.error;
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
    const exemplar: Exemplar = { labels: this.plain(count), value: tokens[0] as number };
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
    for (let k = count - 1; k >= 0; k--) {
      if (names[k] !== label) continue;
      const value = this.values[k] as string;
      if (value.length > 32) return toNumber(value, 0, value.length) !== undefined;
      let ok = this.#bounds.get(value);
      if (ok === undefined) {
        ok = toNumber(value, 0, value.length) !== undefined;
        if (this.#bounds.size >= 256) this.#bounds.clear();
        this.#bounds.set(value, ok);
      }
      return ok;
    }
    return false;
  }

  /**
   * The labels object of the names in the scratch array. A label set seen often gets a compiled object-literal
   * factory: building objects key by key costs ten times more, and label sets repeat on thousands of lines.
   */
  build(count: number): Labels {
    let shape = this.#shape;
    if (shape === undefined) {
      shape = this.#lookUp(count);
      this.#shape = shape;
    }
    if (shape.make) return shape.make(this.values);
    if (++shape.seen === 16) shape.make = compileShape(this.names, count);
    return makeLabels(this.names, this.values, count);
  }

  #lookUp(count: number): Shape {
    const names = this.names;
    const recent = this.#recent;
    // Label names are interned strings, so comparing them is comparing pointers.
    for (const r of recent) {
      if (r.names.length !== count) continue;
      let k = 0;
      while (k < count && r.names[k] === names[k]) k++;
      if (k === count) return r.shape;
    }
    const key = names.slice(0, count);
    const joined = key.join(',');
    let shape = this.#shapes.get(joined);
    if (shape === undefined) {
      shape = { seen: 0, make: undefined };
      if (this.#shapes.size < 4096) this.#shapes.set(joined, shape);
    }
    recent.unshift({ names: key, shape });
    if (recent.length > 4) recent.pop();
    return shape;
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

  /** Reads `name="value",...}` into names/values; returns the count (and `pos` after `}`), or -1 (and `error`). */
  read(s: string, i: number, end: number, lineStart: number): number {
    const codes = this.#codes;
    const names = this.names;
    const values = this.values;
    const ends = this.#ends;
    const open = i;
    let count = 0;
    const before = this.#prevCount;
    this.#prevCount = -1;
    let changed = false;
    // Label sets mostly repeat the one before, all of it (a histogram's _sum and _count) or up to a label (its
    // buckets before `le`). One comparison with the last set, when it sits earlier in the same text, keeps the names
    // and values of the labels it covers whole: text alike is read alike, and holds no duplicate names either.
    if (before > 0 && this.#inText) {
      const last = this.#lastOpen;
      const length = this.#lastLength;
      const limit = Math.min(length, end - i);
      let k = 0;
      while (k < limit && codes[i + k] === codes[last + k]) k++;
      if (k === length) {
        this.pos = i + k;
        this.#prevCount = before;
        this.#lastOpen = i;
        return before;
      }
      while (count < before && (ends[count] as number) <= k) count++;
      if (count > 0) {
        i += ends[count - 1] as number;
        while (i < end && isBlank(codes[i] as number)) i++;
        const sep = codes[i];
        if (sep === 44) i++;
        else if (sep !== 125) return this.#fail('expected , or } after a label');
      }
    }
    for (;;) {
      while (i < end && isBlank(codes[i] as number)) i++;
      if (i >= end) return this.#fail('unterminated label set');
      if (codes[i] === 125) {
        this.pos = i + 1;
        if (changed || count !== before) this.#shape = undefined;
        this.#prevCount = count;
        this.#inText = true;
        this.#lastOpen = open;
        this.#lastLength = i + 1 - open;
        return count;
      }
      const nameStart = i;
      if (LABEL_START[codes[i] as number] !== 1) return this.#fail(`bad label name at column ${i - lineStart + 1}`);
      // Names mostly repeat those of the line before at the same position: compare while scanning and reuse the
      // previous string instead of cutting a new one.
      let label = names[count] ?? '';
      let same = true;
      let hash = 0;
      for (let k = 0; i < end; i++, k++) {
        const c = codes[i] as number;
        if (c >= 128 || LABEL_CHAR[c] !== 1) break;
        hash = (hash * 31 + c) | 0;
        if (same && (k >= label.length || label.charCodeAt(k) !== c)) same = false;
      }
      if (!same || i - nameStart !== label.length) {
        label = this.#labelName(s, nameStart, i, hash);
        changed = true;
      }
      while (i < end && isBlank(codes[i] as number)) i++;
      if (codes[i] !== 61) return this.#fail(`expected = after label ${label}`);
      i++;
      while (i < end && isBlank(codes[i] as number)) i++;
      if (codes[i] !== 34) return this.#fail(`expected " to open the value of label ${label}`);
      const valueStart = ++i;
      let value: string;
      let c = 0;
      // The closing quote by a native search; a backslash before it (rare) takes the escape-aware loop below.
      const quote = s.indexOf('"', i);
      if (quote >= 0 && quote < end && this.#backslashAfter(s, i) > quote) {
        value = s.slice(valueStart, quote);
        i = quote;
      } else {
        let built = s.slice(valueStart, i);
        for (;;) {
          if (i >= end) return this.#fail(`unterminated value of label ${label}`);
          c = s.charCodeAt(i);
          if (c === 34) break;
          if (c === 92) {
            const e = s.charCodeAt(i + 1);
            if (i + 1 >= end || (e !== 92 && e !== 34 && e !== 110)) return this.#fail(`bad escape in the value of label ${label}`);
            built += e === 110 ? '\n' : e === 34 ? '"' : '\\';
            i += 2;
          } else {
            const from = i;
            while (i < end && (c = s.charCodeAt(i)) !== 34 && c !== 92) i++;
            built += s.slice(from, i);
          }
        }
        value = built;
      }
      i++;
      for (let k = 0; k < count; k++) if (names[k] === label) return this.#fail(`label ${label} appears twice`);
      names[count] = label;
      values[count] = value;
      ends[count] = i - open;
      count++;
      while (i < end && isBlank(codes[i] as number)) i++;
      const sep = codes[i];
      if (sep === 44) i++;
      else if (sep !== 125) return this.#fail('expected , or } after a label');
    }
  }
}
