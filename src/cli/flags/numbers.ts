// Every numeric flag of every command goes through these parsers: one grammar for durations, whole numbers, byte
// sizes and ports, one wording for a bad value, and bounds that keep Node's timers and buffers in range.
import { InvalidArgumentError, Option } from 'commander';

/** setTimeout's largest delay: above it Node warns (TimeoutOverflowWarning) and fires at once. Timer flags stop here. */
export const MAX_TIMER_MS = 2_147_483_647;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** A numeric flag's kind, bounds and, for durations, the unit of a bare number. */
export type NumberSpec =
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'decimal'; min: number; max: number }
  | { kind: 'duration'; min: number; max: number; bare: 's' | 'ms' }
  | { kind: 'bytes'; min: number; max: number };

/** `500ms`, `10s`, `2m`, `1h30m`, `1.5s`. */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const DECIMAL = /^[+]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const BYTES = /^(\d+)(Ki|Mi|Gi|K|M|G)?B?$/;
const BYTE_UNITS: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** 90_000 -> `1m30s`, 500 -> `500ms`: how help texts and messages write a duration. */
export function formatDuration(ms: number): string {
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`;
  let rest = ms / 1000;
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

function show(value: number, spec: NumberSpec): string {
  if (spec.kind === 'duration') return formatDuration(value);
  return String(value);
}

/** What a flag takes, for its error message: `a duration from 100ms to 10m (500ms, 10s, 2m; a bare number is ms)`. */
export function describeSpec(spec: NumberSpec): string {
  const range = `from ${show(spec.min, spec)} to ${show(spec.max, spec)}`;
  switch (spec.kind) {
    case 'integer':
      return `a whole number ${range}`;
    case 'decimal':
      return `a number ${range}`;
    case 'bytes':
      return `a size in bytes ${range} (1048576, 512Ki, 16Mi)`;
    case 'duration':
      return `a duration ${range} (500ms, 10s, 2m; a bare number is ${spec.bare === 's' ? 'seconds' : 'milliseconds'})`;
  }
}

function parseRaw(text: string, spec: NumberSpec): number | undefined {
  const value = text.trim();
  switch (spec.kind) {
    case 'integer':
      return /^\d+$/.test(value) ? Number(value) : undefined;
    case 'decimal':
      return DECIMAL.test(value) ? Number(value) : undefined;
    case 'bytes': {
      const m = BYTES.exec(value);
      return m ? Number(m[1]) * (BYTE_UNITS[m[2] ?? ''] ?? 1) : undefined;
    }
    case 'duration': {
      if (DECIMAL.test(value)) return Math.round(Number(value) * (spec.bare === 's' ? 1000 : 1));
      if (!DURATION.test(value)) return undefined;
      let ms = 0;
      for (const [, n, unit] of value.matchAll(DURATION_PART)) ms += Number(n) * UNIT_MS[unit as Unit];
      return Math.round(ms);
    }
  }
}

/**
 * The value of a numeric flag, or undefined when the text is not one or is out of bounds. Durations come back in
 * milliseconds. Never throws: the caller names the flag.
 */
export function parseNumber(text: string, spec: NumberSpec): number | undefined {
  const value = parseRaw(text, spec);
  if (value === undefined || !Number.isFinite(value) || value < spec.min || value > spec.max) return undefined;
  return value;
}

/** A commander argument parser for one flag: the value, or commander's one-line error naming the flag (exit 2). */
export function numberParser(flag: string, spec: NumberSpec): (text: string) => number {
  return (text) => {
    const value = parseNumber(text, spec);
    if (value === undefined) throw new InvalidArgumentError(`${flag} takes ${describeSpec(spec)}`);
    return value;
  };
}

/** A numeric option: `numberOption('--timeout <duration>', 'per request', { kind: 'duration', … }, 5000)`. */
export function numberOption(flags: string, description: string, spec: NumberSpec, fallback?: number): Option {
  const option = new Option(flags, description);
  option.argParser(numberParser(option.long ?? flags, spec));
  if (fallback !== undefined) option.default(fallback, show(fallback, spec));
  return option;
}

/** A port, 1-65535. */
export const PORT: NumberSpec = { kind: 'integer', min: 1, max: 65_535 };

/** `8080`, `8080,9000-9003`: a list of ports, each once, in order; at most 4096. */
export function parsePortList(text: string): number[] | undefined {
  const ports = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(item);
    const from = m ? parseNumber(m[1] ?? '', PORT) : undefined;
    const to = m?.[2] === undefined ? from : parseNumber(m[2], PORT);
    if (from === undefined || to === undefined || to < from || ports.size + (to - from) >= 4096) return undefined;
    for (let port = from; port <= to; port++) ports.add(port);
  }
  return [...ports];
}

export function portListParser(flag: string): (text: string) => number[] {
  return (text) => {
    const ports = parsePortList(text);
    if (!ports) throw new InvalidArgumentError(`${flag} takes ports from 1 to 65535, comma-separated, ranges as a-b (at most 4096), e.g. 8080,9000-9003`);
    return ports;
  };
}
