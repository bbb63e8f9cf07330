// Lexical pieces of the exposition formats: character classes, numbers as Go's ParseFloat reads them, escapes.

// A metric name's first character and the rest, once: the tables below and the native match of `nameEnd`.
const NAME_START_CLASS = '[a-zA-Z_:]';
const NAME_CHAR_CLASS = '[a-zA-Z0-9_:]';

export const NAME_START = new Uint8Array(128);
export const NAME_CHAR = new Uint8Array(128);
export const LABEL_START = new Uint8Array(128);
export const LABEL_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  LABEL_START[c] = /[a-zA-Z_]/.test(ch) ? 1 : 0;
  LABEL_CHAR[c] = /[a-zA-Z0-9_]/.test(ch) ? 1 : 0;
  NAME_START[c] = new RegExp(NAME_START_CLASS).test(ch) ? 1 : 0;
  NAME_CHAR[c] = new RegExp(NAME_CHAR_CLASS).test(ch) ? 1 : 0;
}

/**
 * Where the metric name at `i` ends (`i` when there is none), by a native match instead of a loop per character: for
 * the paths that run once per family (metadata lines, new sample names), too rarely to be worth the optimizing
 * compiler's time. `whole`: the name starts here (its first character is checked); else only the rest is read.
 * Neither \r nor \n is a name character, so the match stops by the line's end.
 */
export function nameEnd(s: string, i: number, end: number, whole: boolean): number {
  // A new sticky expression per call (V8 caches its compiled form): no lastIndex shared between callers.
  const name = new RegExp(whole ? `${NAME_START_CLASS}${NAME_CHAR_CLASS}*` : `${NAME_CHAR_CLASS}*`, 'y');
  name.lastIndex = i;
  return i < end && name.test(s) ? Math.min(name.lastIndex, end) : i;
}

export const NO_BYTES = Buffer.alloc(0);

/**
 * The UTF-16 code units of a text, one per index as charCodeAt reads them: the text's own bytes when it is ASCII
 * (loads from a typed array cost a third of charCodeAt's), else the units copied out. The scanner reads these.
 */
export type Codes = Buffer | Uint16Array;

export function codesOf(text: string): Codes {
  if (Buffer.byteLength(text, 'utf8') === text.length) return Buffer.from(text, 'latin1');
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return codes;
}
/** A view that reads a text's bytes four at a time; none for code units copied out (see codesOf). */
export function viewOf(codes: Codes): DataView | undefined {
  return codes instanceof Uint16Array ? undefined : new DataView(codes.buffer, codes.byteOffset, codes.byteLength);
}

/**
 * How many code units at a and at b are the same, up to limit: four bytes at a compare where the view allows.
 * (Positional parameters: this runs on every line.)
 */
export function common(codes: Codes, view: DataView | undefined, a: number, b: number, limit: number): number {
  let k = 0;
  if (view !== undefined) {
    const words = limit - 3;
    while (k < words && view.getUint32(a + k, true) === view.getUint32(b + k, true)) k += 4;
  }
  while (k < limit && codes[a + k] === codes[b + k]) k++;
  return k;
}

export const isBlank = (c: number) => c === 32 || c === 9;

/** Exact powers of ten: every one up to 1e22 is a double, so a product or quotient with one is rounded once. */
const POW10 = Array.from({ length: 23 }, (_, e) => Number(`1e${e}`));

/**
 * toNumber over code units. The common case by hand: [sign] digits [. digits] [e [sign] digits] with at most 15
 * significant digits and a decimal exponent within 22. Both the digits and 10^e are exact doubles then, and one IEEE
 * multiplication or division rounds correctly, to what Number() gives (Clinger's fast path). The rest: toNumber.
 * Written so that every value runs the same operations on the same types: the sign is arithmetic, not a branch, and
 * the mantissa is a double from the start (-0), so a value with a sign or ten digits, met after the optimizing
 * compiler has taken this function, is not new to it and does not send it back to the interpreter.
 */
export function numberAt(codes: Codes, s: string, a: number, b: number): number | undefined {
  const first = a < b ? (codes[a] as number) : 0;
  const minus = +(first === 45);
  let k = a + (minus | +(first === 43));
  let c = 0;
  let m = -0;
  let digits = 0;
  let significant = 0;
  let scale = 0;
  let fraction = false;
  for (; k < b; k++) {
    c = codes[k] as number;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      digits++;
      if (significant > 0 || d > 0) significant++;
      m = m * 10 + d;
      if (fraction) scale--;
    } else if (c === 46 && !fraction) fraction = true;
    else break;
  }
  if (digits > 0 && significant <= 15) {
    if (k < b && (c === 101 || c === 69)) {
      scale += exponentAt(codes, k + 1, b);
      k = b;
    }
    if (k === b && scale >= -22 && scale <= 22) {
      const v = scale < 0 ? m / (POW10[-scale] as number) : m * (POW10[scale] as number);
      return v * (1 - 2 * minus);
    }
  } else if (digits > 0 && k === b) {
    // A plain decimal of more than 15 significant digits (a float printed in full): Number() reads it as Go does,
    // as toNumber would, without its other checks (so toNumber stays rare enough never to be worth compiling).
    return Number(s.slice(a, b));
  }
  return toNumber(s, a, b);
}

/** The exponent after `e`: [sign] one to four digits running to b; else NaN, which no fast path takes. */
function exponentAt(codes: Codes, k: number, b: number): number {
  const c = k < b ? (codes[k] as number) : 0;
  const minus = c === 45;
  if (minus || c === 43) k++;
  const from = k;
  let e = 0;
  for (; k < b && k - from < 4; k++) {
    const d = (codes[k] as number) - 48;
    if (d < 0 || d > 9) break;
    e = e * 10 + d;
  }
  return k === from || k !== b ? NaN : minus ? -e : e;
}

/** `0x`, `0b`, `0o` after an optional sign: Number() reads them, Go's ParseFloat does not. (No regex: most long values pass here.) */
function radixPrefixed(s: string, a: number, b: number): boolean {
  const first = s.charCodeAt(a);
  const k = a + (first === 43 || first === 45 ? 1 : 0);
  if (k + 1 >= b || s.charCodeAt(k) !== 48) return false;
  const x = s.charCodeAt(k + 1) | 32;
  return x === 120 || x === 98 || x === 111;
}

/** Go's ParseFloat as the text format uses it: decimals, exponents, Inf, NaN; no radix prefixes. */
export function toNumber(s: string, a: number, b: number): number | undefined {
  let k = a;
  const negative = s.charCodeAt(k) === 45;
  if (negative) k++;
  if (b - k > 0 && b - k <= 15) {
    let v = 0;
    let j = k;
    for (; j < b; j++) {
      const d = s.charCodeAt(j) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (j === b) return negative ? -v : v;
  }
  const token = s.slice(a, b);
  const v = Number(token);
  if (!Number.isNaN(v)) return radixPrefixed(s, a, b) ? undefined : v;
  switch (token.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    default:
      return undefined;
  }
}

/**
 * Whether a label value reads as a number (a bucket's `le`, a quantile): [sign] digits [. digits] by hand, with no
 * table and no allocation, since one is checked on most lines of a histogram; every other form through toNumber.
 */
export function isNumberText(v: string): boolean {
  const n = v.length;
  const first = v.charCodeAt(0);
  let k = (first === 43 ? 1 : 0) | (first === 45 ? 1 : 0);
  let digits = 0;
  let dot = 0;
  for (; k < n; k++) {
    const c = v.charCodeAt(k);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && dot === 0) dot = 1;
    else break;
  }
  // `+Inf`, every histogram's last bucket, by comparison: toNumber is then rare enough never to be worth compiling.
  return (digits > 0 && k === n) || v === '+Inf' || toNumber(v, 0, n) !== undefined;
}

export function unescapeHelp(text: string): string {
  return text.includes('\\') ? text.replace(/\\(\\|n|")/g, (_m, c: string) => (c === 'n' ? '\n' : c)) : text;
}

/** The internalized, flat copy of a string: comparing against it char by char is fast, and so is using it as a key. */
export function intern(text: string): string {
  for (const key in { [text]: 0 }) return key;
  return text;
}
