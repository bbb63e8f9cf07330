// What a peer sends, made safe to show on a terminal: its control characters shown as escapes instead of acted on
// (a title change, a cleared screen, colours, cursor moves, a line overwritten by a carriage return, reversed text).
// One function for every command; the CLI applies it unless the user asked for raw bytes (-o raw, a pipe, a file).

/**
 * C0 controls but tab and newline, DEL, C1 controls (0x9b is CSI on 8-bit terminals) and the Unicode controls that
 * reorder how text is displayed (bidi embeddings, overrides, isolates and marks).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control character but `\n` and `\t` written as an escape: `\x1b` up to 0xff, `\u202e` beyond.
 * Everything else is left as it is, backslashes included: text without controls comes back unchanged.
 */
export function escapeControl(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
