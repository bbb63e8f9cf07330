// Accepted findings (`kia hunt --baseline FILE`): which rule on which target, why, and until when. Pure: the CLI
// reads and parses the file, this checks its shape and marks the findings it waives.
import { InputError } from '../errors.ts';
import type { Finding, Report, Waiver } from '../model/index.ts';

/** One accepted finding. `rule` and `target` take `*` and `?` globs; a field left out matches everything. */
export interface BaselineEntry {
  rule: string;
  /** Matched against the finding's host, address and node name, case-insensitively. */
  target?: string;
  port?: number;
  reason: string;
  /** `YYYY-MM-DD`: the last day (UTC) the entry waives. */
  expires: string;
}

export interface Baseline {
  /** Where it came from (the file name), for messages. */
  source: string;
  entries: BaselineEntry[];
}

const ENTRY_KEYS = ['rule', 'target', 'port', 'reason', 'expires'] as const;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

function entry(raw: unknown, where: string): BaselineEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`${where}: each waiver is a mapping with rule, reason and expires`);
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !(ENTRY_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new InputError(`${where}: unknown field "${unknown}" (fields: ${ENTRY_KEYS.join(', ')})`);
  const text = (key: string, required: boolean): string | undefined => {
    const value = fields[key];
    if (value === undefined && !required) return undefined;
    // YAML reads an unquoted date as a string with the core schema, and some writers give a Date: both are fine.
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
    if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${where}: "${key}" must be a non-empty string`);
    return value.trim();
  };
  const rule = text('rule', true) as string;
  const reason = text('reason', true) as string;
  const expires = text('expires', true) as string;
  if (!isDate(expires)) throw new InputError(`${where}: "expires" must be a date YYYY-MM-DD, not "${expires}"`);
  const target = text('target', false);
  const port = fields.port;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) throw new InputError(`${where}: "port" must be a port number from 1 to 65535`);
  return { rule, reason, expires, ...(target !== undefined && { target }), ...(port !== undefined && { port }) };
}

/**
 * Checks parsed YAML or JSON: `{ waivers: [{ rule, target?, port?, reason, expires }] }`. Throws an InputError whose
 * one line names the file and the entry.
 */
export function parseBaseline(data: unknown, source: string): Baseline {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !Array.isArray((data as { waivers?: unknown }).waivers)) {
    throw new InputError(`${source}: a baseline is a mapping with a "waivers" list`);
  }
  const extra = Object.keys(data).find((k) => k !== 'waivers');
  if (extra !== undefined) throw new InputError(`${source}: unknown field "${extra}" (a baseline has only "waivers")`);
  const waivers = (data as { waivers: unknown[] }).waivers;
  return { source, entries: waivers.map((raw, i) => entry(raw, `${source}: waiver ${i + 1}`)) };
}

/** `*` any run of characters, `?` one; everything else literal; whole string, case-insensitive. */
function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function matches(e: BaselineEntry, f: Finding): boolean {
  if (!glob(e.rule).test(f.rule)) return false;
  if (e.port !== undefined && e.port !== f.port) return false;
  if (e.target === undefined) return true;
  const target = glob(e.target);
  return [f.host, f.address, f.node].some((name) => name !== undefined && target.test(name));
}

const describe = (e: BaselineEntry, i: number) => `waiver ${i + 1} (${e.rule}${e.target !== undefined ? ` on ${e.target}` : ''}${e.port !== undefined ? ` port ${e.port}` : ''})`;

/**
 * The report with each finding a baseline entry matches marked: waived while the entry runs (through its expiry day,
 * against the hunt's start), counted again once it has expired. A note says which entries expired and which matched
 * nothing, so the baseline can be kept short.
 */
export function applyBaseline(report: Report, baseline: Baseline): Report {
  const today = report.startedAt.slice(0, 10);
  // Entry index -> findings it matched.
  const used = new Map<number, number>();
  const findings = report.findings.map((f) => {
    const hits = baseline.entries.map((e, i) => ({ e, i })).filter(({ e }) => matches(e, f));
    // A running entry wins over an expired one for the same finding.
    const chosen = hits.find(({ e }) => e.expires >= today) ?? hits[0];
    if (!chosen) return f;
    used.set(chosen.i, (used.get(chosen.i) ?? 0) + 1);
    const waiver: Waiver = { reason: chosen.e.reason, expires: chosen.e.expires, expired: chosen.e.expires < today };
    return { ...f, waiver };
  });
  const notes = [...report.notes];
  baseline.entries.forEach((e, i) => {
    const count = used.get(i) ?? 0;
    if (count === 0) notes.push(`baseline ${baseline.source}: ${describe(e, i)} matched no finding`);
    else if (e.expires < today) notes.push(`baseline ${baseline.source}: ${describe(e, i)} expired on ${e.expires}; ${count === 1 ? '1 finding counts' : `${count} findings count`} again`);
  });
  return { ...report, findings, notes };
}
