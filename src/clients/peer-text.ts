// Text a peer sent, made fit to quote in one line of an error message: a peer may send a megabyte, newlines or
// escape sequences (a terminal title, a cleared screen), and none of that may reach the user's terminal raw.

// C0 controls but tab and newline, DEL, and the C1 controls a terminal also acts on.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Control characters (escape sequences among them) shown as `\xNN`. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The first non-empty line of a peer's text, escaped, at most `max` characters (default 200) and `…` past them. */
export function excerpt(text: string, options: { max?: number } = {}): string {
  const max = options.max ?? 200;
  const line = (text.replace(/\r/g, '').split('\n').find((l) => l.trim() !== '') ?? '').trim();
  const clean = escapeControl(line);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
