// The rule pages in docs/rules are what the rules generate (run `npm run docs` after changing a rule).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RULES } from '../audit/index.ts';
import { ruleDocs } from './rule-docs-index.ts';

it('docs/rules matches the rules', () => {
  for (const [file, text] of Object.entries(ruleDocs(RULES))) assert.equal(readFileSync(`docs/rules/${file}`, 'utf8'), text, `docs/rules/${file} is stale: run npm run docs`);
});

it('rule ids are unique and stable in form', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^KIA-(KUBELET|ETCD|ANY|TLS|LEGACY)-\d{3}$/);
});
