// A streaming parser for the Prometheus text format and OpenMetrics: chunks in (split anywhere, even inside a UTF-8
// character), families, samples and errors out. Lines are scanned in place, over the text's code units (its own bytes
// when it is ASCII), and compared with the lines before rather than read again where they repeat them; a sample that
// the filter drops is never built. Malformed lines are data: each becomes an error with its line number, and parsing
// goes on. The work per line is split into small steps, each taken by the optimizing compiler on its own and early.
import { compileMatchers, type LabelTest } from './filter.ts';
import { LabelReader } from './labels.ts';
import { isBlank, NAME_START, NO_BYTES, numberAt, viewOf, type Codes } from './text.ts';
import { FamilyTable, type FamilyState } from './families.ts';
import { comment } from './comment.ts';
import { RecentNames, type NameEntry } from './names.ts';
import { Chunker } from './chunker.ts';
import type { ParseItem, ParseOptions, Sample } from './types.ts';

function objectArray(): ParseItem[] {
  const items: ParseItem[] = [{ kind: 'eof' }];
  items.length = 0;
  return items;
}

export class ExpositionParser {
  readonly #families: FamilyTable;
  readonly #test: LabelTest | undefined;
  readonly #maxErrors: number;
  readonly #maxLine: number;
  readonly #labels = new LabelReader();
  readonly #names: RecentNames;
  readonly #chunker: Chunker;
  /**
   * An empty array whose elements are objects: output arrays are copies of it, so the first item put in each is not
   * a change of array kind (a fresh [] starts as small integers, and code optimized for that is thrown away).
   */
  readonly #objects: ParseItem[] = objectArray();
  #out: ParseItem[] = this.#objects.slice();
  #lineNo = 0;
  #lineStart = 0;
  #lineEnd = 0;
  #current: FamilyState | undefined;
  /** The code units of the text being read (see codesOf). */
  #codes: Codes = NO_BYTES;
  #view: DataView | undefined;
  #eof = false;
  #afterEof = false;
  #errors = 0;

  constructor(options: ParseOptions = {}) {
    this.#families = new FamilyTable(options.families, options.maxFamilies ?? 50_000);
    this.#names = new RecentNames(this.#families);
    this.#test = compileMatchers(options.labels ?? []);
    this.#maxErrors = options.maxErrors ?? 100;
    this.#maxLine = options.maxLineLength ?? 1 << 20;
    this.#chunker = new Chunker({
      maxLine: this.#maxLine,
      text: (text, codes) => this.#lines(text, codes),
      tooLong: (head) => this.#tooLong(head),
    });
  }

  get lines(): number {
    return this.#lineNo;
  }

  get errorCount(): number {
    return this.#errors;
  }

  /**
   * Feeds one chunk, cut anywhere (inside a line or a UTF-8 character); returns what it completed. Bytes are decoded
   * only up to the chunk's last newline, so every string the scanner reads is flat and whole.
   */
  push(chunk: Buffer | Uint8Array | string): ParseItem[] {
    this.#chunker.push(chunk);
    return this.#take();
  }

  /** Ends the input: parses a last line without a newline and announces a family that had no samples. */
  end(): ParseItem[] {
    this.#chunker.end();
    this.#close();
    return this.#take();
  }

  #take(): ParseItem[] {
    const out = this.#out;
    this.#out = this.#objects.slice();
    return out;
  }

  /** Parses every line of a text: each ends with a newline, but the input's last line may not. */
  #lines(text: string, codes: Codes): void {
    this.#codes = codes;
    const view = viewOf(codes);
    this.#view = view;
    this.#names.newText();
    this.#labels.newText(codes, view);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.#lineNo++;
      this.#line(text, start, nl);
      start = nl + 1;
    }
    if (start < text.length) {
      this.#lineNo++;
      this.#line(text, start, text.length);
    }
    // The caller's buffer is not kept.
    this.#codes = NO_BYTES;
    this.#view = undefined;
    this.#labels.newText(NO_BYTES, undefined);
  }

  /** A line without its end yet that is already too long is reported (its start), and skipped up to its newline. */
  #tooLong(head: string): void {
    this.#lineNo++;
    this.#lineStart = 0;
    this.#lineEnd = head.length;
    this.#error(head, `line longer than ${this.#maxLine} characters`);
  }

  #error(s: string, message: string): void {
    this.#errors++;
    if (this.#errors > this.#maxErrors) return;
    const text = s.slice(this.#lineStart, Math.min(this.#lineEnd, this.#lineStart + 200));
    this.#out.push({ kind: 'error', error: { line: this.#lineNo, message, text } });
  }

  #line(s: string, start: number, end: number): void {
    const codes = this.#codes;
    if (end > start && codes[end - 1] === 13) end--;
    this.#lineStart = start;
    this.#lineEnd = end;
    let i = start;
    while (i < end && isBlank(codes[i] as number)) i++;
    if (i === end) return;
    if (this.#eof) return this.#afterEnd(s);
    if (end - start > this.#maxLine) return this.#error(s, `line longer than ${this.#maxLine} characters`);
    if (codes[i] === 35) return this.#comment(s, i + 1, end);
    this.#sample(s, i, end);
  }

  #afterEnd(s: string): void {
    if (!this.#afterEof) this.#error(s, 'content after # EOF');
    this.#afterEof = true;
  }

  /** The family a metadata line or a new sample name starts; the current one is announced if it had no samples. */
  #switchTo(state: FamilyState): void {
    if (state === this.#current) return;
    this.#close();
    this.#current = state;
  }

  #close(): void {
    const current = this.#current;
    // A family with neither samples nor metadata was only named by a malformed line; under a label filter, a
    // family none of whose samples matched is left out.
    if (current && current.selected && !current.announced && !this.#test && (current.typed || current.helped || current.info.unit !== undefined)) {
      current.announced = true;
      this.#out.push({ kind: 'family', family: current.info });
    }
    this.#current = undefined;
  }

  #comment(s: string, i: number, end: number): void {
    const result = comment({ s, i, end, families: this.#families });
    if (result === undefined) return;
    if (result.eof) {
      this.#close();
      this.#eof = true;
      this.#out.push({ kind: 'eof' });
      return;
    }
    // Metadata may change what a sample name resolves to: names are looked up again.
    this.#names.clear();
    if (result.state) this.#switchTo(result.state);
    if (result.error !== undefined) this.#error(s, result.error);
  }

  /** The name at i, as a known entry; the position after it is in #names.pos. */
  #name(s: string, i: number, end: number): NameEntry | string {
    const names = this.#names;
    const entry = names.match(this.#codes, this.#view, i, end, this.#current);
    if (entry !== undefined) return entry;
    return names.read(s, i, end, this.#current);
  }

  #sample(s: string, i: number, end: number): void {
    const codes = this.#codes;
    const nameStart = i;
    if (NAME_START[codes[i] as number] !== 1) return this.#error(s, 'expected a metric name');
    const entry = this.#name(s, i, end);
    if (typeof entry === 'string') return this.#error(s, entry);
    const family = entry.family;
    this.#switchTo(family);
    // Lines of a family the filter drops are skipped unread.
    if (!family.selected) return;
    i = this.#names.pos;
    const name = entry.name;
    while (i < end && isBlank(codes[i] as number)) i++;
    let count = 0;
    if (codes[i] === 123 && i < end) {
      count = this.#labels.read(s, i + 1, end, this.#lineStart);
      if (count < 0) return this.#error(s, this.#labels.error);
      i = this.#labels.pos;
    } else if (i < end && i === nameStart + name.length) return this.#error(s, 'bad character in metric name');
    if (!this.#bounded(entry.bound, count)) return this.#error(s, `${name} needs ${entry.bound === 'le' ? 'an "le"' : 'a "quantile"'} label holding a number`);
    if (this.#test && !this.#test(this.#labels.names, this.#labels.values, count)) return;
    while (i < end && isBlank(codes[i] as number)) i++;
    const valueStart = i;
    while (i < end && !isBlank(codes[i] as number)) i++;
    if (valueStart === i) return this.#error(s, `missing value for ${name}`);
    const value = numberAt(codes, s, valueStart, i);
    if (value === undefined) return this.#error(s, `bad value "${s.slice(valueStart, i)}" for ${name}`);
    const sample: Sample = { name, labels: count === 0 ? {} : this.#labels.build(count), value };
    if (i < end && !this.#after(sample, s, i, end)) return;
    this.#emit(family, sample);
  }

  /** Whether a bucket or quantile line carries its bound as a number (other lines need none). */
  #bounded(bound: 'le' | 'quantile' | undefined, count: number): boolean {
    return bound === undefined || this.#labels.boundOk(count, bound);
  }

  /** What may follow a value: a timestamp, an exemplar (OpenMetrics); false when the line is malformed. */
  #after(sample: Sample, s: string, i: number, end: number): boolean {
    const codes = this.#codes;
    while (i < end && isBlank(codes[i] as number)) i++;
    if (i < end && codes[i] !== 35) {
      const tsStart = i;
      while (i < end && !isBlank(codes[i] as number)) i++;
      const timestamp = numberAt(codes, s, tsStart, i);
      if (timestamp === undefined || !Number.isFinite(timestamp)) {
        this.#error(s, `bad timestamp "${s.slice(tsStart, i)}" for ${sample.name}`);
        return false;
      }
      sample.timestamp = timestamp;
      while (i < end && isBlank(codes[i] as number)) i++;
    }
    if (i < end && codes[i] === 35) {
      const exemplar = this.#labels.exemplar(s, i + 1, end, this.#lineStart);
      if (typeof exemplar === 'string') {
        this.#error(s, exemplar);
        return false;
      }
      sample.exemplar = exemplar;
    } else if (i < end) {
      this.#error(s, `unexpected text after the sample of ${sample.name}`);
      return false;
    }
    return true;
  }

  #emit(family: FamilyState, sample: Sample): void {
    if (!family.announced) {
      family.announced = true;
      this.#out.push({ kind: 'family', family: family.info });
    }
    family.samples++;
    this.#out.push({ kind: 'sample', family: family.info.name, sample });
  }
}
