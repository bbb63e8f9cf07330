// What `kia metrics` prints, written while the exposition is read: parser items in, text out. No sink holds a sample
// after writing it, so memory stays bounded however many samples a peer sends: the index counts, the text and JSON
// writers stream, and the summary keeps only the samples of the families it reads, up to a cap it reports.
import { familyHeader, renderIndex, sampleLine, type IndexRow } from './render.ts';
import type { FamilyInfo, Labels, MetricFamily, ParseError, ParseItem, Sample } from './types.ts';

/** A writer of parser items: text to print now (possibly empty), and the text that ends the output. */
export interface Sink {
  add(items: readonly ParseItem[]): string;
  end(totals: Totals): string;
}

/** What the whole exposition held, known only at its end. */
export interface Totals {
  samples: number;
  errorCount: number;
  errors: readonly ParseError[];
}

/** Counts samples and families, and keeps the errors the parser reported in full. */
export class Tally {
  samples = 0;
  families = 0;
  readonly errors: ParseError[] = [];

  add(items: readonly ParseItem[]): void {
    for (const item of items) {
      if (item.kind === 'sample') this.samples++;
      else if (item.kind === 'family') this.families++;
      else if (item.kind === 'error') this.errors.push(item.error);
    }
  }
}

/**
 * JSON as JSON.stringify writes it, with the controls it leaves raw (DEL, C1 controls such as the 8-bit CSI, bidi
 * overrides) escaped too: the same data, safe on a terminal.
 */
export function jsonText(value: unknown, indent?: number): string {
  return safeJson(JSON.stringify(value, null, indent));
}

const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const safeJson = (text: string) => text.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The family index: one row per family, counted as samples pass. */
export class IndexSink implements Sink {
  readonly #rows = new Map<string, IndexRow>();

  add(items: readonly ParseItem[]): string {
    for (const item of items) {
      if (item.kind === 'family') {
        if (!this.#rows.has(item.family.name)) this.#rows.set(item.family.name, { name: item.family.name, type: item.family.type, samples: 0 });
      } else if (item.kind === 'sample') {
        const row = this.#rows.get(item.family);
        if (row) row.samples++;
      }
    }
    return '';
  }

  end(): string {
    return `${renderIndex([...this.#rows.values()])}\n`;
  }
}

/** Samples in the Prometheus text format, each family's header before its first sample. */
export class SampleSink implements Sink {
  add(items: readonly ParseItem[]): string {
    const out: string[] = [];
    for (const item of items) {
      if (item.kind === 'family') out.push(...familyHeader(item.family));
      else if (item.kind === 'sample') out.push(sampleLine(item.sample));
    }
    return out.length > 0 ? `${out.join('\n')}\n` : '';
  }

  end(): string {
    return '';
  }
}

/**
 * `{...head, "families": [...], "samples": n, "errorCount": n, "errors": [...]}`, one sample a line. A family whose
 * samples come in two blocks (the format forbids it; a peer may not care) gets an entry for each block.
 */
export class JsonSink implements Sink {
  readonly #head: Record<string, unknown>;
  readonly #infos = new Map<string, FamilyInfo>();
  #started = false;
  /** The family whose entry is open, and whether it has a sample yet. */
  #open: string | undefined;
  #hasSample = false;

  constructor(head: Record<string, unknown>) {
    this.#head = head;
  }

  #start(): string {
    if (this.#started) return '';
    this.#started = true;
    const head = jsonText(this.#head, 2);
    return `${head.slice(0, head.length - (head === '{}' ? 1 : 2))}${head === '{}' ? '' : ','}\n  "families": [`;
  }

  #entry(info: FamilyInfo): string {
    const close = this.#close();
    const first = close === '';
    this.#open = info.name;
    this.#hasSample = false;
    return `${close}${first ? '' : ','}\n    ${jsonText(info).slice(0, -1)},"samples":[`;
  }

  #close(): string {
    if (this.#open === undefined) return '';
    this.#open = undefined;
    return this.#hasSample ? '\n    ]}' : ']}';
  }

  add(items: readonly ParseItem[]): string {
    let out = '';
    for (const item of items) {
      if (item.kind === 'family') {
        this.#infos.set(item.family.name, item.family);
        out += this.#start() + this.#entry(item.family);
      } else if (item.kind === 'sample') {
        if (this.#open !== item.family) out += this.#start() + this.#entry(this.#infos.get(item.family) ?? { name: item.family, type: 'unknown' });
        out += `${this.#hasSample ? ',' : ''}\n      ${jsonText(item.sample)}`;
        this.#hasSample = true;
      }
    }
    return out;
  }

  end(totals: Totals): string {
    const started = this.#started;
    const head = this.#start();
    const close = this.#close();
    const tail = jsonText({ samples: totals.samples, errorCount: totals.errorCount, errors: totals.errors }, 2);
    return `${head}${close}${started ? '\n  ]' : ']'},\n${tail.slice(2)}\n`;
  }
}

export interface SummarySinkOptions {
  /** The families the summaries read: only their samples are kept. */
  families: ReadonlySet<string>;
  /** Samples kept at most. */
  maxSamples: number;
  /** Characters of label values kept at most. */
  maxChars: number;
}

/** A copy that holds nothing of the text it was cut from (a slice would keep the whole piece of input alive). */
const own = (v: string) => (v.length < 13 ? v : ` ${v}`.slice(1));

/** Every family's metadata, and the samples of the families a summary reads, up to a cap. */
export class SummarySink {
  readonly #options: SummarySinkOptions;
  readonly #infos = new Map<string, FamilyInfo>();
  readonly #kept = new Map<string, Sample[]>();
  #samples = 0;
  #chars = 0;
  /** Samples of summarised families past the cap. */
  dropped = 0;

  constructor(options: SummarySinkOptions) {
    this.#options = options;
  }

  add(items: readonly ParseItem[]): void {
    for (const item of items) {
      if (item.kind === 'family') this.#infos.set(item.family.name, item.family);
      else if (item.kind === 'sample' && this.#options.families.has(item.family)) this.#keep(item.family, item.sample);
    }
  }

  #keep(family: string, sample: Sample): void {
    const entries = Object.entries(sample.labels);
    const chars = entries.reduce((n, [, value]) => n + value.length, 0);
    if (this.#samples >= this.#options.maxSamples || this.#chars + chars > this.#options.maxChars) {
      this.dropped++;
      return;
    }
    this.#samples++;
    this.#chars += chars;
    // (fromEntries defines own properties: a label called __proto__ stays a label.)
    const labels: Labels = Object.fromEntries(entries.map(([name, value]) => [name, own(value)]));
    let list = this.#kept.get(family);
    if (!list) this.#kept.set(family, (list = []));
    list.push({ name: sample.name, labels, value: sample.value });
  }

  /** Every family seen, with the samples kept. */
  families(): MetricFamily[] {
    return [...this.#infos.values()].map((info) => ({ ...info, samples: this.#kept.get(info.name) ?? [] }));
  }
}
