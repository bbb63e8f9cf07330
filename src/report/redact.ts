// Defensive redaction for every output. Probes already redact what they record; this catches what slipped through
// (a bearer token pasted into evidence, a private key in a body sample) before any renderer sees the data.

export const REDACTED = '[redacted]';

// `Authorization: Bearer <token>` in a header, a curl `-H`, or a JSON/YAML field; the token ends at whitespace, a
// quote, a backslash (an escaped quote in JSON), a comma or a semicolon.
const BEARER = /(authorization["']?\s*[:=]\s*["']?\s*bearer\s+)[^\s'"\\,;]+/gi;
// curl's own option for the same header.
const CURL_BEARER = /(--oauth2-bearer(?:\s+|=)["']?)[^\s'"\\]+/gi;
// A PEM private key of any kind (RSA, EC, ENCRYPTED, PKCS#8); a truncated sample without its END line is cut to the end.
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

/** Replaces bearer-token values and PEM private-key blocks in one string with `[redacted]`. */
export function redact(text: string): string {
  return text.replace(PRIVATE_KEY, REDACTED).replace(BEARER, `$1${REDACTED}`).replace(CURL_BEARER, `$1${REDACTED}`);
}

/** A copy of plain data with `fn` applied to every string; functions (a rule's `check`) are kept as they are. */
export function mapStrings<T>(value: T, fn: (text: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, fn)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = mapStrings(item, fn);
    return out as T;
  }
  return value;
}

/** A copy of plain data with every string redacted. */
export function redactDeep<T>(value: T): T {
  return mapStrings(value, redact);
}
