// The Prometheus text format (0.0.4) for every series kia renders: the probe series once per cycle and the process
// series at each scrape. prom-client writes the same bytes, but loading it costs about 12 MB, a fifth of what a node
// agent may use (issue 12).

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface FamilySpec {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** Without labels a family has one series, 0 until set (as a Prometheus client library starts it). */
  labelNames?: readonly string[];
}

type Labels = Readonly<Record<string, string>>;

const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => escapeText(s).replace(/"/g, '\\"');

function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

/** One metric family: its series in the order they were first set since the last reset. */
export class Family {
  readonly spec: FamilySpec;
  private readonly series = new Map<string, { labels: string; value: number }>();
  // The escaped label text of series seen before the last reset: a cycle sets the same few thousand again.
  private known = new Map<string, string>();

  constructor(spec: FamilySpec) {
    this.spec = spec;
    this.reset();
  }

  set(labels: Labels, value: number): void {
    const names = this.spec.labelNames ?? [];
    const key = names.map((n) => labels[n] ?? '').join('\u0000');
    const existing = this.series.get(key);
    if (existing) return void (existing.value = value);
    let text = this.known.get(key);
    if (text === undefined) {
      text = names.filter((n) => labels[n] !== undefined).map((n) => `${n}="${escapeLabel(labels[n] ?? '')}"`).join(',');
      this.known.set(key, text);
    }
    this.series.set(key, { labels: text, value });
  }

  /** The label-less series, `by` more (a counter's only move). */
  inc(by = 1): void {
    const one = this.series.get('');
    if (one) one.value += by;
  }

  reset(): void {
    // Only what the last round set stays known: series that went away are not remembered forever.
    this.known = new Map([...this.series].map(([key, s]) => [key, s.labels]));
    this.series.clear();
    if (!this.spec.labelNames?.length) this.series.set('', { labels: '', value: 0 });
  }

  render(): string {
    const { name, help, type } = this.spec;
    const lines = [`# HELP ${name} ${escapeText(help)}`, `# TYPE ${name} ${type}`];
    for (const { labels, value } of this.series.values()) lines.push(`${name}${labels ? `{${labels}}` : ''} ${formatValue(value)}`);
    return lines.join('\n');
  }
}

/** Families in the order they were declared, rendered as one exposition. */
export class Exposition {
  private readonly families: Family[] = [];

  family(spec: FamilySpec): Family {
    const family = new Family(spec);
    this.families.push(family);
    return family;
  }

  render(): string {
    return `${this.families.map((f) => f.render()).join('\n\n')}\n`;
  }
}
