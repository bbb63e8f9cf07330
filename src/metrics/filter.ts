// Label matchers as Prometheus writes them (`k=v`, `k!=v`, `k=~re`, `k!~re`), compiled into a test over the
// parser's scratch arrays so a sample that does not match is never built.
import { InputError } from '../errors.ts';
import type { LabelMatcher } from './types.ts';

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)(.*)$/s;

/** Parses `name=value`, `name!=value`, `name=~regex` or `name!~regex`; regexes are anchored as in PromQL. */
export function parseMatcher(text: string): LabelMatcher {
  const m = MATCHER.exec(text);
  if (!m) throw new InputError(`not a label matcher (want name=value, name!=value, name=~regex or name!~regex): ${text}`);
  const matcher: LabelMatcher = { name: m[1] as string, op: m[2] as LabelMatcher['op'], value: m[3] as string };
  if (matcher.op === '=~' || matcher.op === '!~') {
    try {
      new RegExp(`^(?:${matcher.value})$`);
    } catch (error) {
      throw new InputError(`bad regex in label matcher ${text}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return matcher;
}

/** A test over `count` label pairs held in two parallel arrays. */
export type LabelTest = (names: readonly string[], values: readonly string[], count: number) => boolean;

export function compileMatchers(matchers: readonly LabelMatcher[]): LabelTest | undefined {
  if (matchers.length === 0) return undefined;
  const tests = matchers.map((m) => {
    const re = m.op === '=~' || m.op === '!~' ? new RegExp(`^(?:${m.value})$`) : undefined;
    const negate = m.op === '!=' || m.op === '!~';
    return (value: string) => (re ? re.test(value) : value === m.value) !== negate;
  });
  const names = matchers.map((m) => m.name);
  return (labelNames, labelValues, count) => {
    for (let t = 0; t < names.length; t++) {
      let value = '';
      for (let i = 0; i < count; i++) {
        if (labelNames[i] === names[t]) {
          value = labelValues[i] as string;
          break;
        }
      }
      if (!(tests[t] as (v: string) => boolean)(value)) return false;
    }
    return true;
  };
}
