// The one parser of numeric flags: durations, whole numbers, sizes and port lists, with literal cases from the issue
// (`--timeout NaN|-1|99999999999`) and fast-check properties (round trips, bounds, never a throw).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidArgumentError } from 'commander';
import { formatDuration, MAX_TIMER_MS, numberParser, parseNumber, parsePortList, type NumberSpec } from './numbers.ts';

const TIMEOUT: NumberSpec = { kind: 'duration', min: 100, max: 600_000, bare: 'ms' };
const DEADLINE: NumberSpec = { kind: 'duration', min: 100, max: 7 * 86_400_000, bare: 's' };

test('durations: units, sequences, and a bare number in the flag’s unit', () => {
  assert.equal(parseNumber('500ms', TIMEOUT), 500);
  assert.equal(parseNumber('10s', TIMEOUT), 10_000);
  assert.equal(parseNumber('2m', TIMEOUT), 120_000);
  assert.equal(parseNumber('1m30s', TIMEOUT), 90_000);
  assert.equal(parseNumber('1.5s', TIMEOUT), 1500);
  assert.equal(parseNumber('5000', TIMEOUT), 5000, '--timeout keeps taking plain milliseconds');
  assert.equal(parseNumber('10', DEADLINE), 10_000, '--deadline takes plain seconds');
  assert.equal(parseNumber('2h', DEADLINE), 7_200_000);
});

test('the values the issue names are refused, not passed to a timer', () => {
  for (const text of ['NaN', '-1', '99999999999', '', ' ', 'Infinity', '1e3', '0x10', '10 s', '5d', '1m-1s', '10S']) {
    assert.equal(parseNumber(text, TIMEOUT), undefined, text);
  }
  assert.equal(parseNumber('99', TIMEOUT), undefined, 'below the minimum');
  assert.throws(() => numberParser('--timeout', TIMEOUT)('NaN'), (error: unknown) => error instanceof InvalidArgumentError && /^--timeout takes a duration from 100ms to 10m /.test(error.message));
});

test('whole numbers, decimals and sizes', () => {
  const port: NumberSpec = { kind: 'integer', min: 1, max: 65_535 };
  assert.equal(parseNumber('10250', port), 10250);
  for (const bad of ['0', '65536', '1.5', '-3', 'abc', '']) assert.equal(parseNumber(bad, port), undefined, bad);
  const jitter: NumberSpec = { kind: 'decimal', min: 0, max: 0.5 };
  assert.equal(parseNumber('0.25', jitter), 0.25);
  assert.equal(parseNumber('.5', jitter), 0.5);
  assert.equal(parseNumber('0.6', jitter), undefined);
  const bytes: NumberSpec = { kind: 'bytes', min: 1, max: 1 << 30 };
  assert.equal(parseNumber('16Mi', bytes), 16 << 20);
  assert.equal(parseNumber('512Ki', bytes), 512 << 10);
  assert.equal(parseNumber('2K', bytes), 2000);
  assert.equal(parseNumber('100', bytes), 100);
  assert.equal(parseNumber('2Gi', bytes), undefined);
});

test('port lists: commas and ranges, each once, at most 4096', () => {
  assert.deepEqual(parsePortList('8080'), [8080]);
  assert.deepEqual(parsePortList('8080, 9000-9003,8080'), [8080, 9000, 9001, 9002, 9003]);
  for (const bad of ['', '0', '70000', '9003-9000', 'a', '1-5000', '80,,81']) assert.equal(parsePortList(bad), undefined, bad);
});

test('property: every duration written by formatDuration parses back to itself', () => {
  fc.assert(
    fc.property(fc.integer({ min: 100, max: DEADLINE.max }), (ms) => {
      assert.equal(parseNumber(formatDuration(ms), DEADLINE), ms);
    }),
  );
});

test('property: h/m/s/ms sequences add up, and whatever parses is within bounds and a safe timer delay', () => {
  const part = fc.tuple(fc.integer({ min: 0, max: 99 }), fc.constantFrom('h', 'm', 's', 'ms'));
  const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
      const text = parts.map(([n, u]) => `${n}${u}`).join('');
      const want = parts.reduce((sum, [n, u]) => sum + n * unit[u], 0);
      const got = parseNumber(text, DEADLINE);
      if (want < DEADLINE.min || want > DEADLINE.max) assert.equal(got, undefined, text);
      else assert.equal(got, want, text);
      if (got !== undefined) assert.ok(got <= MAX_TIMER_MS);
    }),
  );
});

test('property: any text gives a number within bounds or undefined, never a throw or NaN', () => {
  const specs: NumberSpec[] = [TIMEOUT, DEADLINE, { kind: 'integer', min: 1, max: 65_535 }, { kind: 'decimal', min: 0, max: 0.5 }, { kind: 'bytes', min: 1, max: 1 << 30 }];
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9.]{0,12}(ms|s|m|h|Ki|Mi|K)?$/)), fc.constantFrom(...specs), (text, spec) => {
      const value = parseNumber(text, spec);
      if (value === undefined) return;
      assert.ok(Number.isFinite(value) && value >= spec.min && value <= spec.max, `${text} -> ${value}`);
      if (spec.kind === 'integer') assert.ok(Number.isInteger(value));
    }),
  );
});

test('property: port lists hold only ports, each once, and every listed port was asked for', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 65_535 }).map(String), fc.tuple(fc.integer({ min: 1, max: 65_000 }), fc.integer({ min: 0, max: 40 })).map(([a, n]) => `${a}-${a + n}`)), { minLength: 1, maxLength: 8 }), (items) => {
      const ports = parsePortList(items.join(','));
      assert.ok(ports, items.join(','));
      assert.equal(new Set(ports).size, ports.length);
      for (const port of ports) assert.ok(port >= 1 && port <= 65_535);
      const asked = new Set(items.flatMap((item) => {
        const [a, b] = item.split('-').map(Number) as [number, number | undefined];
        return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
      }));
      assert.deepEqual(new Set(ports), asked);
    }),
  );
});
