// The run deadline that grows with its targets (hunt, health): one rule for both commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scaleDeadline, startDeadline } from './time.ts';

test('a default deadline grows by 100 ms for each target past the first; a given --deadline stands', () => {
  const grown = startDeadline(300_000);
  scaleDeadline(grown, { timeout: 5000 }, 300_000, 254);
  assert.equal(grown.total(), 325_300, 'a /24 of 254 hosts: five minutes and 25.3 s');
  const one = startDeadline(120_000);
  scaleDeadline(one, { timeout: 5000 }, 120_000, 1);
  assert.equal(one.total(), 120_000, 'one target: the base alone');
  const none = startDeadline(120_000);
  scaleDeadline(none, { timeout: 5000 }, 120_000, 0);
  assert.equal(none.total(), 120_000, 'no target yet: never below the base');
  const given = startDeadline(10_000);
  scaleDeadline(given, { timeout: 5000, deadline: 10_000 }, 300_000, 254);
  assert.equal(given.total(), 10_000, '--deadline 10s stays 10 s');
  for (const d of [grown, one, none, given]) d.clear();
});
