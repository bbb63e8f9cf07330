// The JSON report written in pieces is byte for byte the one written whole: on a recorded agent's report and on a
// report with nothing in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Report } from '../model/index.ts';
import { renderJson, renderJsonPieces } from './index.ts';

test('the pieces join into the whole JSON text of a recorded agent report', () => {
  const report = JSON.parse(readFileSync('fixtures/agent-reports/kia-worker-2.json', 'utf8')) as Report;
  const whole = renderJson(report);
  assert.equal([...renderJsonPieces(report)].join(''), whole);
  assert.ok(whole.startsWith('{\n  "schema": "kia.report/v1",\n  "tool": {\n    "name": "kia",\n'));
});

test('an empty report in pieces', () => {
  const report: Report = { schema: 'kia.report/v1', tool: { name: 'kia', version: '0.1.0' }, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', scope: { targets: [], ports: [], identities: [], active: false }, endpoints: [], findings: [], notes: [] };
  const expected = '{\n  "schema": "kia.report/v1",\n  "tool": {\n    "name": "kia",\n    "version": "0.1.0"\n  },\n  "startedAt": "2026-01-01T00:00:00.000Z",\n  "finishedAt": "2026-01-01T00:00:01.000Z",\n  "scope": {\n    "targets": [],\n    "ports": [],\n    "identities": [],\n    "active": false\n  },\n  "endpoints": [],\n  "findings": [],\n  "notes": []\n}\n';
  assert.equal(renderJson(report), expected);
  assert.equal([...renderJsonPieces(report)].join(''), expected);
});
