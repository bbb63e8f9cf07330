// Lexical pieces of the exposition formats: character classes, numbers as Go's ParseFloat reads them, escapes.

export const NAME_START = new Uint8Array(128);
export const NAME_CHAR = new Uint8Array(128);
export const LABEL_START = new Uint8Array(128);
export const LABEL_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  LABEL_START[c] = /[a-zA-Z_]/.test(ch) ? 1 : 0;
  LABEL_CHAR[c] = /[a-zA-Z0-9_]/.test(ch) ? 1 : 0;
  NAME_START[c] = /[a-zA-Z_:]/.test(ch) ? 1 : 0;
  NAME_CHAR[c] = /[a-zA-Z0-9_:]/.test(ch) ? 1 : 0;
}

export const NO_BYTES = Buffer.alloc(0);
export const isBlank = (c: number) => c === 32 || c === 9;

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
  if (!Number.isNaN(v)) return /^[+-]?0[xXbBoO]/.test(token) ? undefined : v;
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

export function unescapeHelp(text: string): string {
  return text.includes('\\') ? text.replace(/\\(\\|n|")/g, (_m, c: string) => (c === 'n' ? '\n' : c)) : text;
}

/** The internalized, flat copy of a string: comparing against it char by char is fast, and so is using it as a key. */
export function intern(text: string): string {
  for (const key in { [text]: 0 }) return key;
  return text;
}
