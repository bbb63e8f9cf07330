// compareNatural: the one order of addresses, names and rule ids, the same on every machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNatural } from './index.ts';

test('digit runs compare as numbers, the rest by code point, whatever the locale', () => {
  const sorted = ['127.0.0.10', 'kia-worker-10', '::1', '127.0.0.2', 'KIA-KUBELET-010', 'kia-worker-2', 'KIA-ETCD-001', '10.0.0.1', 'KIA-KUBELET-002', '127.0.0.2'].sort(compareNatural);
  assert.deepEqual(sorted, ['10.0.0.1', '127.0.0.2', '127.0.0.2', '127.0.0.10', '::1', 'KIA-ETCD-001', 'KIA-KUBELET-002', 'KIA-KUBELET-010', 'kia-worker-2', 'kia-worker-10']);
  assert.equal(compareNatural('a01', 'a1'), -1);
  assert.equal(compareNatural('', 'a'), -1);
});
