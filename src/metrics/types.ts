// Plain data of a parsed exposition (Prometheus text format 0.0.4 and OpenMetrics 1.0): families, samples, errors.

/** `untyped` is the Prometheus text format's name for OpenMetrics' `unknown`; both are kept as written. */
export const METRIC_TYPES = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown', 'untyped'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export type Labels = Record<string, string>;

export interface Exemplar {
  labels: Labels;
  value: number;
  timestamp?: number;
}

export interface Sample {
  /** The sample's own name, with its suffix (`_bucket`, `_count`, `_sum`, `_created`, `_total`). */
  name: string;
  labels: Labels;
  value: number;
  /** As written: milliseconds in the Prometheus text format, seconds in OpenMetrics. */
  timestamp?: number;
  exemplar?: Exemplar;
}

export interface FamilyInfo {
  name: string;
  type: MetricType;
  help?: string;
  unit?: string;
}

export interface MetricFamily extends FamilyInfo {
  samples: Sample[];
}

export interface ParseError {
  /** 1-based line number in the exposition. */
  line: number;
  message: string;
  /** The offending line, cut at 200 characters. */
  text: string;
}

/** What the streaming parser emits, in input order. A family is announced once, before its first sample. */
export type ParseItem =
  | { kind: 'family'; family: FamilyInfo }
  | { kind: 'sample'; family: string; sample: Sample }
  | { kind: 'error'; error: ParseError }
  | { kind: 'eof' };

export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface ParseOptions {
  /** Keep only these families (by family name; a counter also by its `_total` sample name). */
  families?: readonly string[];
  /** Keep only samples whose labels match all of these (a missing label matches as ""). */
  labels?: readonly LabelMatcher[];
  /** Errors kept in full; the rest are only counted. Default 100. */
  maxErrors?: number;
  /** Families kept; lines of families past these are errors. Default 50,000. */
  maxFamilies?: number;
  /** Longest line accepted (bytes of Buffer input, characters of string input); longer ones are reported and skipped. Default 1 MiB. */
  maxLineLength?: number;
}

export interface ParseResult {
  families: MetricFamily[];
  errors: ParseError[];
  /** All errors, including those past maxErrors. */
  errorCount: number;
  samples: number;
  lines: number;
  /** True when the exposition ended with OpenMetrics' `# EOF`. */
  eof: boolean;
}
