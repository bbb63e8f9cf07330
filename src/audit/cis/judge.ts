// Verdicts from one setting of the effective configuration, said with the value, where it came from and what an
// absent field meant.
import type { ConfigValue } from '../../model/index.ts';
import type { CisContext, Verdict } from './types.ts';

export function shown(key: string, v: ConfigValue): string {
  const why = v.omitted ? ' (absent from /configz: the zero value)' : v.defaulted ? (v.source === 'file' ? ' (left out of the file: the default)' : ' (flag not given: the default)') : '';
  return `${key}=${JSON.stringify(v.value)}${why}, from ${v.from}`;
}

/** Pass when `ok` holds for the setting's effective value; undefined when no source gave it. */
export function setting(ctx: CisContext, key: string, ok: (value: unknown) => boolean, meaning?: (value: unknown, pass: boolean) => string): Verdict | undefined {
  const v = ctx.config?.values[key];
  if (!v) return undefined;
  const pass = ok(v.value);
  return { status: pass ? 'pass' : 'fail', source: v.source, detail: `${shown(key, v)}${meaning ? `: ${meaning(v.value, pass)}` : ''}` };
}

/** An address that only the host itself reaches: the IPv4 loopback range or ::1 (`127.0.0.1:10249` too). */
export function isLoopback(address: unknown): boolean {
  const host = String(address).replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return /^127\./.test(host) || host === '::1' || host === 'localhost';
}
