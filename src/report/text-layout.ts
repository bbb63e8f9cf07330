// Plain-text layout shared by the terminal renderers: aligned columns, words wrapped to a width, peer text made safe.
import { escapeControl } from '../redact.ts';

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. Widths count the plain text only. */
export function columns(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

/**
 * Words of `text` in lines of at most `width` columns: the first line starts with `first`, the others with `rest`.
 * A word longer than a line (a URL) stands alone on its line rather than being cut.
 */
export function wrap(text: string, width: number, first: string, rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** One line of at most `width` columns, ending in `…` when cut. */
export function cut(line: string, width: number): string {
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

/**
 * What a peer sent, safe for a terminal: control characters (escape sequences, carriage returns) shown as `\xNN`, as
 * escapeControl shows them everywhere, and tabs too, which would break the columns.
 */
export function printable(text: string): string {
  return escapeControl(text).replace(/\t/g, '\\x09');
}
