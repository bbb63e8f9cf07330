// The history store: runs of like checks read back one entry per check, oldest first, at most `size` per cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthState } from '../model/index.ts';
import { History } from './history.ts';

type Check = readonly [at: string, state: HealthState, summary: string];

/** Feeds one cell's checks, in order, into a history (a new one of `size` unless given). */
function fed(history: History | number, cell: string, checks: readonly Check[]): History {
  const h = typeof history === 'number' ? new History(history) : history;
  for (const [at, state, summary] of checks) h.add(cell, at, state, summary);
  return h;
}

test('checks read back one by one, in order, runs or not', () => {
  const h = fed(60, 'n1/kubelet', [
    ['t1', 'healthy', 'ok: 10248 /healthz'],
    ['t2', 'healthy', 'ok: 10248 /healthz'],
    ['t3', 'down', '10248 /healthz: refused'],
    ['t4', 'healthy', 'ok: 10248 /healthz'],
  ]);
  fed(h, 'n1/etcd', [['t1', 'healthy', 'ok: 2381 /health']]);
  assert.deepEqual(h.entries('n1/kubelet'), [
    { at: 't1', state: 'healthy', summary: 'ok: 10248 /healthz' },
    { at: 't2', state: 'healthy', summary: 'ok: 10248 /healthz' },
    { at: 't3', state: 'down', summary: '10248 /healthz: refused' },
    { at: 't4', state: 'healthy', summary: 'ok: 10248 /healthz' },
  ]);
  assert.deepEqual(h.all(), { 'n1/kubelet': h.entries('n1/kubelet'), 'n1/etcd': [{ at: 't1', state: 'healthy', summary: 'ok: 2381 /health' }] });
  assert.deepEqual(h.entries('n2/kubelet'), [], 'a cell never checked has no history');
});

test('a cell keeps its last `size` checks, dropping the oldest across runs', () => {
  const h = fed(3, 'c', [
    ['t1', 'healthy', 'ok'],
    ['t2', 'healthy', 'ok'],
    ['t3', 'degraded', 'slow'],
    ['t4', 'healthy', 'ok'],
  ]);
  assert.deepEqual(h.entries('c').map((e) => `${e.at} ${e.state}`), ['t2 healthy', 't3 degraded', 't4 healthy']);
  fed(h, 'c', [
    ['t5', 'healthy', 'ok'],
    ['t6', 'healthy', 'ok'],
  ]);
  assert.deepEqual(h.entries('c').map((e) => `${e.at} ${e.state}`), ['t4 healthy', 't5 healthy', 't6 healthy'], 'the degraded run is gone once its check is');
  fed(h, 'c', Array.from({ length: 94 }, (_, i): Check => [`t${i + 7}`, 'healthy', 'ok']));
  assert.deepEqual(h.entries('c').map((e) => e.at), ['t98', 't99', 't100']);
});

test('the same state with another summary is another entry, not a repeat', () => {
  const h = fed(10, 'c', [
    ['t1', 'healthy', 'ok: certificate 30 d'],
    ['t2', 'healthy', 'ok: certificate 29 d'],
  ]);
  assert.deepEqual(h.entries('c').map((e) => e.summary), ['ok: certificate 30 d', 'ok: certificate 29 d']);
});

test('every cell read at once is the same object until the next check', () => {
  const h = fed(60, 'c', [['t1', 'healthy', 'ok']]);
  const first = h.all();
  assert.equal(h.all(), first, 'read twice between checks: one object');
  fed(h, 'c', [['t2', 'down', 'refused']]);
  const second = h.all();
  assert.notEqual(second, first);
  assert.deepEqual(second, { c: [{ at: 't1', state: 'healthy', summary: 'ok' }, { at: 't2', state: 'down', summary: 'refused' }] });
  assert.deepEqual(first, { c: [{ at: 't1', state: 'healthy', summary: 'ok' }] }, 'what was read before stays as it was');
});
