// A streaming parser for the Prometheus text format and OpenMetrics: chunks in (split anywhere, even inside a UTF-8
// character), families, samples and errors out. Lines are scanned in place, over the text's code units (its own bytes
// when it is ASCII), and compared with the line before rather than read again where they repeat it; a sample that the
// filter drops is never built. Malformed lines are data: each becomes an error with its line number, and parsing goes on.
import { compileMatchers, type LabelTest } from './filter.ts';
import { LabelReader } from './labels.ts';
import { codesOf, intern, isBlank, NAME_CHAR, NAME_START, NO_BYTES, numberAt, unescapeHelp, type Codes } from './text.ts';
import { FamilyTable, TYPES, type FamilyState } from './families.ts';
import type { MetricType, ParseItem, ParseOptions, Sample } from './types.ts';

export class ExpositionParser {
  readonly #families: FamilyTable;
  readonly #test: LabelTest | undefined;
  readonly #maxErrors: number;
  readonly #maxLine: number;
  readonly #labels = new LabelReader();
  #out: ParseItem[] = [];
  /** The bytes after the last newline, waiting for the rest of their line. */
  #tail: Buffer = NO_BYTES;
  /** The same for string input. */
  #rest = '';
  #skipping = false;
  #lineNo = 0;
  #lineStart = 0;
  #lineEnd = 0;
  #current: FamilyState | undefined;
  #lastName = '';
  /** Where #lastName was last read in the current text, or -1. */
  #lastNameAt = -1;
  #lastFamily: FamilyState | undefined;
  /** The label #lastName's samples must carry as a number: `le` on a histogram's buckets, `quantile` on a summary's. */
  #lastBound: string | undefined;
  /** The code units of the text being read (see codesOf). */
  #codes: Codes = NO_BYTES;
  #eof = false;
  #afterEof = false;
  #errors = 0;

  constructor(options: ParseOptions = {}) {
    this.#families = new FamilyTable(options.families);
    this.#test = compileMatchers(options.labels ?? []);
    this.#maxErrors = options.maxErrors ?? 100;
    this.#maxLine = options.maxLineLength ?? 1 << 20;
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
    if (typeof chunk === 'string') this.#pushText(chunk);
    else this.#pushBytes(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    return this.#take();
  }

  /** Ends the input: parses a last line without a newline and announces a family that had no samples. */
  end(): ParseItem[] {
    const tail = this.#tail;
    const last = tail.length > 0 ? tail.toString('utf8') : this.#rest;
    if (last.length > 0 && !this.#skipping) {
      this.#read(last, tail.length > 0 ? tail : undefined);
      this.#lineNo++;
      this.#line(last, 0, last.length);
      this.#read('', NO_BYTES);
    }
    this.#tail = NO_BYTES;
    this.#rest = '';
    this.#close();
    return this.#take();
  }

  #take(): ParseItem[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #pushBytes(chunk: Buffer): void {
    if (this.#rest !== '') {
      chunk = Buffer.concat([Buffer.from(this.#rest), chunk]);
      this.#rest = '';
    }
    if (this.#skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) return;
      this.#skipping = false;
      chunk = chunk.subarray(nl + 1);
    }
    const bytes = this.#tail.length > 0 ? Buffer.concat([this.#tail, chunk]) : chunk;
    const nl = bytes.lastIndexOf(10);
    if (nl >= 0) this.#lines(bytes.toString('utf8', 0, nl + 1), bytes.subarray(0, nl + 1));
    const tail = bytes.subarray(nl + 1);
    // A copy: the caller may reuse its buffer.
    this.#tail = tail.length === 0 || this.#tooLong(tail.length, () => tail.subarray(0, 200).toString('utf8')) ? NO_BYTES : Buffer.from(tail);
  }

  #pushText(text: string): void {
    if (this.#tail.length > 0) {
      text = this.#tail.toString('utf8') + text;
      this.#tail = NO_BYTES;
    }
    if (this.#skipping) {
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      this.#skipping = false;
      text = text.slice(nl + 1);
    }
    const all = this.#rest === '' ? text : this.#rest + text;
    const nl = all.lastIndexOf('\n');
    if (nl >= 0) this.#lines(all.slice(0, nl + 1));
    const rest = all.slice(nl + 1);
    this.#rest = this.#tooLong(rest.length, () => rest.slice(0, 200)) ? '' : rest;
  }

  /** Starts reading a new text (its bytes, if it was decoded from them); nothing read in the text before is reused. */
  #read(text: string, bytes: Buffer | undefined): void {
    const codes = text.length === 0 ? NO_BYTES : codesOf(text, bytes);
    this.#codes = codes;
    this.#lastNameAt = -1;
    this.#labels.newText(codes);
  }

  /** Parses every line of a string that ends with a newline. */
  #lines(text: string, bytes?: Buffer): void {
    this.#read(text, bytes);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.#lineNo++;
      this.#line(text, start, nl);
      start = nl + 1;
    }
    // The caller's buffer is not kept.
    this.#read('', NO_BYTES);
  }

  /** A line without its end yet that is already too long is reported, and skipped up to its newline. */
  #tooLong(length: number, head: () => string): boolean {
    if (length <= this.#maxLine) return false;
    const text = head();
    this.#lineNo++;
    this.#lineStart = 0;
    this.#lineEnd = text.length;
    this.#error(text, `line longer than ${this.#maxLine} characters`);
    this.#skipping = true;
    return true;
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
    if (this.#eof) {
      if (!this.#afterEof) this.#error(s, 'content after # EOF');
      this.#afterEof = true;
      return;
    }
    if (end - start > this.#maxLine) return this.#error(s, `line longer than ${this.#maxLine} characters`);
    if (codes[i] === 35) this.#comment(s, i + 1, end);
    else this.#sample(s, i, end);
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
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    const word = s.slice(i, Math.min(i + 4, end));
    const after = i + word.length;
    if (word === 'EOF' || (word === 'EOF ' && s.slice(after, end).trim() === '')) {
      this.#close();
      this.#eof = true;
      this.#out.push({ kind: 'eof' });
      return;
    }
    if ((word !== 'HELP' && word !== 'TYPE' && word !== 'UNIT') || (after < end && !isBlank(s.charCodeAt(after)))) return;
    i = after;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    const nameStart = i;
    if (i < end && NAME_START[s.charCodeAt(i)] === 1) while (i < end && NAME_CHAR[s.charCodeAt(i)] === 1) i++;
    if (i === nameStart || (i < end && !isBlank(s.charCodeAt(i)))) return this.#error(s, `# ${word} needs a metric name`);
    const name = s.slice(nameStart, i);
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    const text = s.slice(i, end);
    const state = this.#families.state(name);
    this.#lastName = '';
    this.#lastNameAt = -1;
    this.#switchTo(state);
    if (word === 'HELP') {
      if (state.helped) return this.#error(s, `second # HELP for ${name}`);
      state.helped = true;
      state.info.help = unescapeHelp(text);
    } else if (word === 'TYPE') {
      const type = text.trim();
      if (!TYPES.has(type)) return this.#error(s, `unknown metric type "${type}" for ${name}`);
      if (state.typed) return this.#error(s, `second # TYPE for ${name}`);
      if (state.samples > 0) return this.#error(s, `# TYPE for ${name} after its samples`);
      state.typed = true;
      state.info.type = type as MetricType;
    } else {
      state.info.unit = text.trim();
    }
  }

  #sample(s: string, i: number, end: number): void {
    const codes = this.#codes;
    const nameStart = i;
    if (NAME_START[codes[i] as number] !== 1) return this.#error(s, 'expected a metric name');
    // Consecutive lines mostly share their name: compare with where the last one was read, else with the name.
    let name = this.#lastName;
    const length = name.length;
    const at = this.#lastNameAt;
    let k = 0;
    if (at >= 0) while (k < length && codes[i + k] === codes[at + k]) k++;
    else while (k < length && codes[i + k] === name.charCodeAt(k)) k++;
    let family = this.#lastFamily as FamilyState;
    i += k;
    const c = i < end ? (codes[i] as number) : 0;
    if (k !== length || (c < 128 && NAME_CHAR[c] === 1)) {
      while (i < end) {
        const c = codes[i] as number;
        if (c >= 128 || NAME_CHAR[c] !== 1) break;
        i++;
      }
      name = intern(s.slice(nameStart, i));
      family = this.#families.resolve(name, this.#current);
      this.#lastName = name;
      this.#lastFamily = family;
      // (Types change on # TYPE lines only, which start over with the next name.)
      const type = family.info.type;
      this.#lastBound =
        (type === 'histogram' || type === 'gaugehistogram') && name.endsWith('_bucket') ? 'le' : type === 'summary' && name === family.info.name ? 'quantile' : undefined;
    }
    this.#lastNameAt = nameStart;
    this.#switchTo(family);
    // Lines of a family the filter drops are skipped unread.
    if (!family.selected) return;
    const reader = this.#labels;
    let count = 0;
    while (i < end && isBlank(codes[i] as number)) i++;
    if (i < end && codes[i] === 123) {
      count = reader.read(s, i + 1, end, this.#lineStart);
      if (count < 0) return this.#error(s, reader.error);
      i = reader.pos;
    } else if (i < end && i === nameStart + name.length) return this.#error(s, 'bad character in metric name');
    const bound = this.#lastBound;
    if (bound !== undefined && !reader.boundOk(count, bound)) return this.#error(s, `${name} needs ${bound === 'le' ? 'an "le"' : 'a "quantile"'} label holding a number`);
    const test = this.#test;
    if (test && !test(reader.names, reader.values, count)) return;
    while (i < end && isBlank(codes[i] as number)) i++;
    const valueStart = i;
    while (i < end && !isBlank(codes[i] as number)) i++;
    if (valueStart === i) return this.#error(s, `missing value for ${name}`);
    const value = numberAt(codes, s, valueStart, i);
    if (value === undefined) return this.#error(s, `bad value "${s.slice(valueStart, i)}" for ${name}`);
    const sample: Sample = { name, labels: count === 0 ? {} : reader.build(count), value };
    while (i < end && isBlank(codes[i] as number)) i++;
    if (i < end && codes[i] !== 35) {
      const tsStart = i;
      while (i < end && !isBlank(codes[i] as number)) i++;
      const timestamp = numberAt(codes, s, tsStart, i);
      if (timestamp === undefined || !Number.isFinite(timestamp)) return this.#error(s, `bad timestamp "${s.slice(tsStart, i)}" for ${name}`);
      sample.timestamp = timestamp;
      while (i < end && isBlank(codes[i] as number)) i++;
    }
    if (i < end && codes[i] === 35) {
      const exemplar = this.#labels.exemplar(s, i + 1, end, this.#lineStart);
      if (typeof exemplar === 'string') return this.#error(s, exemplar);
      sample.exemplar = exemplar;
    } else if (i < end) return this.#error(s, `unexpected text after the sample of ${name}`);
    if (!family.announced) {
      family.announced = true;
      this.#out.push({ kind: 'family', family: family.info });
    }
    family.samples++;
    this.#out.push({ kind: 'sample', family: family.info.name, sample });
  }




}
