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

// kube-bench's allowed lists: cis-1.12 drops the two TLS_RSA_* suites.
const STRONG = ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'];
const RSA_GCM = ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_AES_128_GCM_SHA256'];

/** Pass when the cipher-suite setting lists only the benchmark's suites, or the minimum version is TLS 1.3. */
export function strongSuites(ctx: CisContext, suitesKey: string, minVersionKey: string): Verdict | undefined {
  if (ctx.config?.values[minVersionKey]?.value === 'VersionTLS13') return setting(ctx, minVersionKey, () => true, () => 'TLS 1.3 only: its suites are all strong');
  const allowed = ctx.benchmark === 'cis-1.12' ? STRONG : [...STRONG, ...RSA_GCM];
  return setting(ctx, suitesKey, (v) => Array.isArray(v) && v.length > 0 && v.every((s) => allowed.includes(String(s))), (v) => {
    const list = Array.isArray(v) ? v.map(String) : [];
    if (list.length === 0) return "not set: Go's default list, which includes CBC suites outside the benchmark's list";
    const weak = list.filter((s) => !allowed.includes(s));
    return weak.length ? `outside the benchmark's list: ${weak.join(', ')}` : "every suite is in the benchmark's list";
  });
}
