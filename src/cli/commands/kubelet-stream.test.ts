// --deadline's durations: Go-like units or a bare number of seconds, whole milliseconds, within what a timer takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './kubelet-stream.ts';

test('durations in ms, s, m, h, combined, or bare seconds', () => {
  const cases: [string, number][] = [['500ms', 500], ['10s', 10_000], ['2m', 120_000], ['1h', 3_600_000], ['1m30s', 90_000], ['1.5s', 1500], ['7', 7000], ['0.25', 250]];
  for (const [text, ms] of cases) assert.equal(parseDuration('--deadline', text), ms, text);
});

test('not a duration, zero, or past what a timer takes: one message naming the flag', () => {
  for (const text of ['', 'soon', '10 s', '-1', '0', '0ms', '1d', 's', '1e3']) assert.throws(() => parseDuration('--deadline', text), { message: '--deadline takes a duration such as 500ms, 10s or 2m (a bare number is seconds)' }, text);
  assert.throws(() => parseDuration('--deadline', '600h'), { message: '--deadline takes a duration such as 500ms, 10s or 2m (a bare number is seconds), at most 24 days' });
});
