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

  // On the wire in every benchmark: 1.2.1, 1.2.15, 1.2.29 (the TLS hello), 1.3.1-1.3.5, 1.4.1, 2.1-2.7, 4.2.1-4.2.6,
  // 4.2.8-4.2.13 (4.2.14 from cis-1.11), 4.3.1. From the node's command line before /flagz (cis-1.10, cis-1.11), on the
  // wire in cis-1.12: 1.2.2-1.2.14 but 1.2.1, 1.2.15; 1.2.16-1.2.28; 1.2.30 (from cis-1.11); 1.3.6, 1.3.7, 1.4.2, 3.2.1, 4.2.7.
  it('counts per benchmark, items proved on the wire and from the node as listed above', () => {
    assert.deepEqual(coverageCounts(items, CIS_ITEMS, 'cis-1.10'), { wire: 29, node: 31, 'wire-no-check': 30, 'node-no-check': 33, 'not-verifiable': 7 });
    assert.deepEqual(coverageCounts(items, CIS_ITEMS, 'cis-1.11'), { wire: 30, node: 32, 'wire-no-check': 30, 'node-no-check': 34, 'not-verifiable': 7 });
    assert.deepEqual(coverageCounts(items, CIS_ITEMS, 'cis-1.12'), { wire: 62, node: 0, 'wire-no-check': 30, 'node-no-check': 32, 'not-verifiable': 7 });
  });
});
