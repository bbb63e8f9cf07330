// What every run against a hostile peer must show, whatever the peer did: it ended (the kill timer did not fire),
// its memory stayed under the bound, and what it wrote on stderr is one clean message, never a stack trace and never
// a peer's control characters.
import assert from 'node:assert/strict';
import { describeRun, type WatchedRun } from './run.ts';

/** Peak resident memory allowed to any one-shot command against any hostile peer. */
export const RSS_BOUND_MIB = 300;

/** C0 controls but tab and newline, DEL and the C1 controls: what a terminal may act on. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;

export function assertEnded(run: WatchedRun, label: string): void {
  assert.equal(run.killed, false, `${label}: still running when the kill timer fired: ${describeRun(run)}`);
}

export function assertBounded(run: WatchedRun, label: string): void {
  assert.ok(run.peakRssMiB < RSS_BOUND_MIB, `${label}: peak RSS ${run.peakRssMiB} MiB, bound ${RSS_BOUND_MIB} MiB: ${describeRun(run)}`);
}

/** stderr names the problem in words, with no stack trace, no internal TypeError and no raw control characters. */
export function assertCleanStderr(run: WatchedRun, label: string): void {
  assert.doesNotMatch(run.err, /^\s+at .+:\d+:\d+\)?$/m, `${label}: a stack trace on stderr: ${describeRun(run)}`);
  assert.doesNotMatch(run.err, /TypeError|RangeError|Cannot read properties|is not a function|undefined \(reading/, `${label}: an internal error on stderr: ${describeRun(run)}`);
  const bad = CONTROL_CHARS.exec(run.err);
  assert.equal(bad, null, `${label}: stderr carries the control character ${JSON.stringify(bad?.[0])} raw: ${describeRun(run)}`);
}

/** All of the above, the exit status is one of `codes`, and a failure says something (an error, or a report). */
export function assertOutcome(run: WatchedRun, label: string, codes: readonly number[]): void {
  assertEnded(run, label);
  assertBounded(run, label);
  assert.ok(run.code !== null && codes.includes(run.code), `${label}: exit ${run.code}, expected ${codes.join(' or ')}: ${describeRun(run)}`);
  if (run.code !== 0) assert.ok((run.out + run.err).trim().length > 0, `${label}: failed without a word: ${describeRun(run)}`);
  assertCleanStderr(run, label);
}
