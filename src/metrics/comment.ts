// A comment line of an exposition: `# HELP`, `# TYPE`, `# UNIT` (OpenMetrics) set a family's metadata, `# EOF` ends
// OpenMetrics; any other comment is ignored.
import { FamilyTable, TYPES, type FamilyState } from './families.ts';
import { isBlank, nameEnd, unescapeHelp } from './text.ts';
import type { MetricType } from './types.ts';

export interface CommentLine {
  s: string;
  /** Just after the `#`. */
  i: number;
  end: number;
  families: FamilyTable;
}

/** What a comment line did: ended the input, named a family (state), or was malformed (error); undefined if nothing. */
export interface CommentResult {
  eof?: true;
  state?: FamilyState;
  error?: string;
}

export function comment({ s, i, end, families }: CommentLine): CommentResult | undefined {
  while (i < end && isBlank(s.charCodeAt(i))) i++;
  const word = s.slice(i, Math.min(i + 4, end));
  const after = i + word.length;
  if (word === 'EOF' || (word === 'EOF ' && s.slice(after, end).trim() === '')) return { eof: true };
  if ((word !== 'HELP' && word !== 'TYPE' && word !== 'UNIT') || (after < end && !isBlank(s.charCodeAt(after)))) return undefined;
  i = after;
  while (i < end && isBlank(s.charCodeAt(i))) i++;
  const nameStart = i;
  // A native match: the few hundred metadata lines of an exposition run too little JavaScript to be worth compiling.
  i = nameEnd(s, i, end, true);
  if (i === nameStart || (i < end && !isBlank(s.charCodeAt(i)))) return { error: `# ${word} needs a metric name` };
  const name = s.slice(nameStart, i);
  while (i < end && isBlank(s.charCodeAt(i))) i++;
  const text = s.slice(i, end);
  const state = families.state(name);
  if (!state) return { error: families.fullMessage(name) };
  if (word === 'HELP') {
    if (state.helped) return { state, error: `second # HELP for ${name}` };
    state.helped = true;
    state.info.help = unescapeHelp(text);
  } else if (word === 'TYPE') {
    const type = text.trim();
    if (!TYPES.has(type)) return { state, error: `unknown metric type "${type}" for ${name}` };
    if (state.typed) return { state, error: `second # TYPE for ${name}` };
    if (state.samples > 0) return { state, error: `# TYPE for ${name} after its samples` };
    state.typed = true;
    state.info.type = type as MetricType;
  } else {
    state.info.unit = text.trim();
  }
  return { state };
}
