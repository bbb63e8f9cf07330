// What a peer's text becomes in an error message: one line, escaped, short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControl, excerpt } from './peer-text.ts';

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
