// escapeControl: nothing a terminal acts on gets through, and text without controls is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeControl, excerpt } from './redact.ts';

/** Acted on by terminals: C0 but tab and newline, DEL, C1, bidi controls (written out here, not taken from the code). */
const isControl = (code: number) =>
  (code <= 0x1f && code !== 0x09 && code !== 0x0a) ||
  (code >= 0x7f && code <= 0x9f) ||
  code === 0x061c ||
  code === 0x200e ||
  code === 0x200f ||
  (code >= 0x202a && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069);

const controls = [...Array(0x2070).keys()].filter(isControl).map((c) => String.fromCharCode(c));
/** Text that mixes controls with ordinary characters of every plane (no backslash, so escapes read back one way). */
const ordinary = fc.string({ unit: 'binary' }).map((t) => t.replace(/\\/g, '/'));
const mixed = fc.array(fc.oneof(ordinary, fc.constantFrom(...controls)), { maxLength: 20 }).map((parts) => parts.join(''));

/** What a hostile peer may send, and how it must show. */
const SHOWN: [sent: string, shown: string][] = [
  ['\u001b]0;pwned\u0007title', '\\x1b]0;pwned\\x07title'],
  ['\u001b[2J\u001b[H', '\\x1b[2J\\x1b[H'],
  ['\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
  ['ok\rFAKE', 'ok\\x0dFAKE'],
  ['\u009b2J', '\\x9b2J'],
  ['abc\u202edcba', 'abc\\u202edcba'],
  ['a\tb\nc\\x1b ü ☃ 😀', 'a\tb\nc\\x1b ü ☃ 😀'],
];

test('what a hostile peer sends is shown, not acted on', () => {
  for (const [sent, shown] of SHOWN) assert.equal(escapeControl(sent), shown, JSON.stringify(sent));
});

test('property: no control character survives, and only controls change', () => {
  fc.assert(
    fc.property(mixed, (text) => {
      const shown = escapeControl(text);
      for (const ch of shown) assert.ok(!isControl(ch.charCodeAt(0)), JSON.stringify(shown));
      // Each control became its escape and nothing else moved.
      const unescaped = shown.replace(/\\x([0-9a-f]{2})|\\u([0-9a-f]{4})/g, (_m, x: string | undefined, u: string | undefined) => String.fromCharCode(parseInt(x ?? u ?? '', 16)));
      assert.equal(unescaped, text);
    }),
    { numRuns: 500 },
  );
});

test('property: text without controls comes back unchanged', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary' }).filter((t) => ![...t].some((c) => isControl(c.charCodeAt(0)))),
      (text) => assert.equal(escapeControl(text), text),
    ),
    { numRuns: 500 },
  );
});

test('control characters (escape sequences among them) are shown as \\xNN; tab, newline and text stay', () => {
  assert.equal(escapeControl('\x1b]0;title\x07\x1b[2Jok\tgo\nnext\x7f\x9b'), '\\x1b]0;title\\x07\\x1b[2Jok\tgo\nnext\\x7f\\x9b');
  assert.equal(escapeControl('é ✓ plain'), 'é ✓ plain');
});

test('an excerpt is the first non-empty line, trimmed, escaped, at most 200 characters then …', () => {
  assert.equal(excerpt('\r\n\n  forbidden: no\r\nsecond line'), 'forbidden: no');
  assert.equal(excerpt('x'.repeat(300)), `${'x'.repeat(200)}…`);
  assert.equal(excerpt('\x1b[31mred', { max: 6 }), '\\x1b[3…');
  assert.equal(excerpt(''), '');
});
