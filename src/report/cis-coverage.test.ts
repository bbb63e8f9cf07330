// docs/cis-coverage.md is current, and its counts are what the items say: written here by hand from the item lists.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CIS_ITEMS } from '../audit/cis/index.ts';
import { coverageCounts, renderCisCoverage, type BenchItem } from './cis-coverage.ts';

const items = (JSON.parse(readFileSync('docs/research/cis-items.json', 'utf8')) as { items: BenchItem[] }).items;

describe('CIS coverage table', () => {
  it('docs/cis-coverage.md is generated from the current items (npm run docs)', () => {
    assert.equal(readFileSync('docs/cis-coverage.md', 'utf8'), renderCisCoverage(items, CIS_ITEMS));
  });

  it('counts per benchmark: 1.3.1-1.3.5, 1.4.1, 2.1-2.6, 4.2.1-4.2.6, 4.2.8-4.2.13 (4.2.14 from cis-1.11), 4.3.1 on the wire; the bind addresses from /flagz only in cis-1.12', () => {
    assert.deepEqual(coverageCounts(items, CIS_ITEMS, 'cis-1.10'), { wire: 25, node: 2, 'wire-no-check': 44, 'node-no-check': 52, 'not-verifiable': 7 });
    assert.deepEqual(coverageCounts(items, CIS_ITEMS, 'cis-1.11'), { wire: 26, node: 2, 'wire-no-check': 44, 'node-no-check': 54, 'not-verifiable': 7 });
    assert.deepEqual(coverageCounts(items, CIS_ITEMS, 'cis-1.12'), { wire: 28, node: 0, 'wire-no-check': 64, 'node-no-check': 32, 'not-verifiable': 7 });
  });
});
