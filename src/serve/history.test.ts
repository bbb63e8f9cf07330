// The history store: runs of like checks read back one entry per check, oldest first, at most `size` per cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { History } from './history.ts';

test('checks read back one by one, in order, runs or not', () => {
  const h = new History(60);
  h.add('n1/kubelet', 't1', 'healthy', 'ok: 10248 /healthz');
  h.add('n1/kubelet', 't2', 'healthy', 'ok: 10248 /healthz');
  h.add('n1/kubelet', 't3', 'down', '10248 /healthz: refused');
  h.add('n1/kubelet', 't4', 'healthy', 'ok: 10248 /healthz');
  h.add('n1/etcd', 't1', 'healthy', 'ok: 2381 /health');
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
  const h = new History(3);
  h.add('c', 't1', 'healthy', 'ok');
  h.add('c', 't2', 'healthy', 'ok');
  h.add('c', 't3', 'degraded', 'slow');
  h.add('c', 't4', 'healthy', 'ok');
  assert.deepEqual(h.entries('c').map((e) => `${e.at} ${e.state}`), ['t2 healthy', 't3 degraded', 't4 healthy']);
  h.add('c', 't5', 'healthy', 'ok');
  h.add('c', 't6', 'healthy', 'ok');
  assert.deepEqual(h.entries('c').map((e) => `${e.at} ${e.state}`), ['t4 healthy', 't5 healthy', 't6 healthy'], 'the degraded run is gone once its check is');
  for (let i = 7; i <= 100; i++) h.add('c', `t${i}`, 'healthy', 'ok');
  assert.deepEqual(h.entries('c').map((e) => e.at), ['t98', 't99', 't100']);
});

test('the same state with another summary is another entry, not a repeat', () => {
  const h = new History(10);
  h.add('c', 't1', 'healthy', 'ok: certificate 30 d');
  h.add('c', 't2', 'healthy', 'ok: certificate 29 d');
  assert.deepEqual(h.entries('c').map((e) => e.summary), ['ok: certificate 30 d', 'ok: certificate 29 d']);
});
