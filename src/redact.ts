// The one redaction module: what kia must never show, in anything it prints, serves or writes. Two kinds of secret:
// the ones kia holds (tokens, token files, client keys, kubeconfig credentials), scrubbed by value wherever a peer
// echoes them back, and the ones a peer's answer carries (a JWT, a bearer header, a private key), scrubbed by shape.
// Imports nothing, so every stage (transport, report, serve, cli) can use it.

export const REDACTED = '[redacted]';

// A PEM private key of any kind (RSA, EC, ENCRYPTED, PKCS#8); a sample cut before its END line is cut to the end.
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
// A JWT (service-account tokens, OIDC id tokens): three base64url parts, the first a JSON header.
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
// `Authorization: Bearer <token>` in a header, a curl `-H`, or a JSON/YAML field; the token ends at whitespace, a
// quote, a backslash (an escaped quote in JSON), a comma or a semicolon.
const BEARER = /(authorization["']?\s*[:=]\s*["']?\s*bearer\s+)[^\s'"\\,;]+/gi;
// curl's own option for the same header.
const CURL_BEARER = /(--oauth2-bearer(?:\s+|=)["']?)[^\s'"\\]+/gi;
// Credential fields of a kubeconfig or a TokenReview echoed as JSON (a quoted key) or YAML (a space after the colon);
// kia's own identity labels (`token:admin.token`, `kubeconfig:token`) are neither.
const FIELDS = /((?:["'](?:token|password|client-key-data|id-token|refresh-token)["']\s*:\s*["']?|\b(?:token|password|client-key-data|id-token|refresh-token):[ \t]+["']?))[^"'\s,}]{6,}/gi;

// A word every shape above contains (a superset: case aside, PRIVATE KEY, eyJ, bearer and the field names).
const SHAPE_HINT = /PRIVATE KEY|eyJ|bearer|token|password|client-key-data/i;

/** Secrets by shape: private keys, JWTs, bearer headers and credential fields become `[redacted]`. */
export function redactShapes(text: string): string {
  // One look for what any of the shapes needs before five replacements: nearly every answer has none of them.
  if (!SHAPE_HINT.test(text)) return text;
  return text.replace(PRIVATE_KEY, REDACTED).replace(JWT, REDACTED).replace(BEARER, `$1${REDACTED}`).replace(CURL_BEARER, `$1${REDACTED}`).replace(FIELDS, `$1${REDACTED}`);
}

// Shorter values are not secrets worth scrubbing by value (and would eat ordinary words).
const MIN_SECRET = 8;

/**
 * Every secret value a run holds, in the forms a peer could echo it in (as sent, base64, base64url, URL-encoded, and each line
 * of a PEM key's body), scrubbed from text and bytes by value. One per run; the CLI, the transport and `kia serve`
 * share it.
 */
export class Secrets {
  readonly #values = new Set<string>();
  // Sorted once per new value, not once per scrubbed string (a hunt scrubs every answer it keeps).
  #sorted: string[] | undefined;
  #buffers: Buffer[] | undefined;

  /** Adds a secret (a token, a token file's content, a key's PEM, a kubeconfig's credential data). */
  add(value: string | undefined): this {
    const text = value?.trim();
    if (!text || text.length < MIN_SECRET) return this;
    const forms = [text, Buffer.from(text).toString('base64'), Buffer.from(text).toString('base64url'), encodeURIComponent(text)];
    // A PEM block: every line of its body, so that a line quoted alone is caught too.
    if (text.includes('-----BEGIN')) forms.push(...text.split('\n').map((l) => l.trim()).filter((l) => !l.startsWith('-----')));
    const known = this.#values.size;
    for (const form of forms) if (form.length >= MIN_SECRET) this.#values.add(form);
    // Only a new value drops the byte patterns: the transport adds its identities' secrets on every request.
    if (this.#values.size !== known) {
      this.#sorted = undefined;
      this.#buffers = undefined;
    }
    return this;
  }

  get size(): number {
    return this.#values.size;
  }

  /** Longest first, so that a value containing another is replaced whole. */
  #list(): string[] {
    this.#sorted ??= [...this.#values].sort((a, b) => b.length - a.length);
    return this.#sorted;
  }

  /** Text with every held secret replaced by `[redacted]`, then (unless told not to) secrets by shape. */
  /** Whether any held secret occurs in the text. */
  holds(text: string): boolean {
    for (const value of this.#list()) if (text.includes(value)) return true;
    return false;
  }

  scrub(text: string, options: { shapes?: boolean } = {}): string {
    let out = text;
    for (const value of this.#list()) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return options.shapes === false ? out : redactShapes(out);
  }

  /** Bytes with every held secret replaced (by value only: bodies are bytes, shapes are judged when shown). */
  scrubBytes(data: Buffer): Buffer {
    if (this.#values.size === 0 || data.length === 0) return data;
    this.#buffers ??= this.#list().map((v) => Buffer.from(v));
    let out = data;
    for (const needle of this.#buffers) {
      let at = out.indexOf(needle);
      if (at < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (at >= 0) {
        parts.push(out.subarray(from, at), Buffer.from(REDACTED));
        from = at + needle.length;
        at = out.indexOf(needle, from);
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  }

  /** The longest secret form in bytes: a stream scrubber keeps this many bytes back between chunks. */
  get longest(): number {
    let max = 0;
    for (const v of this.#values) max = Math.max(max, Buffer.byteLength(v));
    return max;
  }
}

/** A copy of plain data with every string scrubbed; functions (a rule's `check`) are kept as they are. */
export function redactDeep<T>(value: T, secrets?: Secrets): T {
  if (typeof value === 'string') return (secrets ? secrets.scrub(value) : redactShapes(value)) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, secrets)) as T;
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, secrets);
    return out as T;
  }
  return value;
}

/**
 * What a terminal acts on: C0 controls but tab and newline, DEL, C1 controls (0x9b is CSI on 8-bit terminals) and the
 * Unicode controls that reorder how text is displayed (bidi embeddings, overrides, isolates and marks).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from a peer made safe for a terminal: every control character but `\n` and `\t` written as an escape (`\x1b` up
 * to 0xff, `\u202e` beyond). Everything else is left as it is: text without controls comes back unchanged. The CLI
 * applies it unless the user asked for raw bytes (-o raw, a pipe, a file).
 */
export function escapeControl(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** One line quoted from a peer in an error message: scrubbed, escaped, first line only, at most `max` characters. */
export function excerpt(text: string, options: { secrets?: Secrets; max?: number } = {}): string {
  const max = options.max ?? 200;
  const line = (text.replace(/\r/g, '').split('\n').find((l) => l.trim() !== '') ?? '').trim();
  const clean = escapeControl(options.secrets ? options.secrets.scrub(line) : redactShapes(line));
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
