// Summaries of the real v1.28 expositions. Expected values are read off the fixture text by hand (quantiles worked
// out from the bucket lines as PromQL's histogram_quantile does), never computed by the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseText } from './collect.ts';
import { histogramQuantile } from './quantile.ts';
import { detectComponent, familyMap, summarize, type ApiserverSummary, type EtcdSummary, type KubeletSummary, type KubeProxySummary, type SchedulerSummary } from './summary.ts';

const families = (name: string) => parseText(readFileSync(new URL(`../../fixtures/real-v1.28/${name}`, import.meta.url), 'utf8')).families;
const close = (actual: number | undefined, expected: number, what: string) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);

test('histogramQuantile follows Prometheus: interpolation, +Inf bucket, edges', () => {
  const b = [{ le: 0.1, count: 10 }, { le: 0.2, count: 30 }, { le: Infinity, count: 40 }];
  close(histogramQuantile(0.5, b), 0.15, 'rank 20 halfway through (0.1, 0.2]');
  close(histogramQuantile(0.1, b), 0.04, 'rank 4 of 10 in the first bucket, from 0');
  close(histogramQuantile(0.25, b), 0.1, 'rank 10: the top of the first bucket');
  assert.equal(histogramQuantile(0.9, b), 0.2, 'rank 36 in +Inf answers the highest finite bound');
  assert.equal(histogramQuantile(-1, b), -Infinity);
  assert.equal(histogramQuantile(2, b), Infinity);
  assert.ok(Number.isNaN(histogramQuantile(0.5, [{ le: 0.1, count: 1 }, { le: 1, count: 2 }])), 'no +Inf bucket');
  assert.ok(Number.isNaN(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])), 'no observations');
  close(histogramQuantile(0.5, [{ le: Infinity, count: 4 }, { le: 1, count: 2 }, { le: 2, count: 1 }]), 1, 'unsorted and non-monotonic input');
});

test('detects the component of each real exposition', () => {
  const cases: [string, string | undefined][] = [
    ['etcd.metrics', 'etcd'],
    ['kubelet.metrics', 'kubelet'],
    ['apiserver.metrics', 'kube-apiserver'],
    ['kube-proxy.metrics', 'kube-proxy'],
    ['scheduler.metrics', 'kube-scheduler'],
    ['kubelet-resource.metrics', undefined],
  ];
  for (const [file, component] of cases) assert.equal(detectComponent(familyMap(families(file))), component, file);
});

test('etcd: leader, leader changes, db size, fsync and commit latency', () => {
  const s = summarize(families('etcd.metrics')) as EtcdSummary;
  assert.equal(s.component, 'etcd');
  assert.equal(s.hasLeader, true); // etcd_server_has_leader 1
  assert.equal(s.isLeader, true); // etcd_server_is_leader 1
  assert.equal(s.leaderChanges, 1); // etcd_server_leader_changes_seen_total 1
  assert.equal(s.dbSizeBytes, 1581056); // etcd_mvcc_db_total_size_in_bytes 1.581056e+06
  assert.equal(s.dbSizeInUseBytes, 1581056);
  assert.equal(s.quotaBackendBytes, 2147483648); // etcd_server_quota_backend_bytes 2.147483648e+09
  assert.equal(s.proposalsFailed, 0);
  assert.equal(s.proposalsPending, 0);
  // wal fsync: 944 observations; le=0.001 908, 0.002 925, 0.004 934, 0.008 935.
  assert.equal(s.walFsync?.count, 944);
  close(s.walFsync?.p50, (0.001 * 472) / 908, 'fsync p50: rank 472 in (0, 0.001]');
  close(s.walFsync?.p90, (0.001 * 849.6) / 908, 'fsync p90: rank 849.6 in (0, 0.001]');
  close(s.walFsync?.p99, 0.004 + 0.004 * 0.56, 'fsync p99: rank 934.56, one observation in (0.004, 0.008]');
  close(s.walFsync?.mean, 1.4085190119999986 / 944, 'fsync mean');
  // backend commit: 769 observations; le=0.001 707, 0.002 750, 0.004 760, 0.008 761, 0.016 762.
  assert.equal(s.backendCommit?.count, 769);
  close(s.backendCommit?.p50, (0.001 * 384.5) / 707, 'commit p50');
  close(s.backendCommit?.p99, 0.008 + 0.008 * 0.31, 'commit p99: rank 761.31 in (0.008, 0.016]');
});

test('kubelet: running pods and containers, PLEG relist latency, runtime operations and errors', () => {
  const s = summarize(families('kubelet.metrics')) as KubeletSummary;
  assert.equal(s.component, 'kubelet');
  assert.equal(s.runningPods, 1);
  assert.deepStrictEqual(s.containers, { exited: 1, running: 1 });
  // 312 relists, 311 of them within 5 ms.
  assert.equal(s.plegRelist?.count, 312);
  close(s.plegRelist?.p50, (0.005 * 156) / 311, 'pleg p50');
  close(s.plegRelist?.p99, (0.005 * 308.88) / 311, 'pleg p99');
  // 1+3+1+64+2+487+13+482+2+1+1237+1206 runtime operations; no kubelet_runtime_operations_errors_total yet.
  assert.equal(s.runtimeOperations, 3499);
  assert.deepStrictEqual(s.runtimeErrors, {});
  assert.equal(s.runtimeErrorsTotal, 0);
});

test('kube-apiserver: requests by verb and code, inflight, latency', () => {
  // process_start_time_seconds 1.79588737484e+09; ten minutes later.
  const s = summarize(families('apiserver.metrics'), { now: 1795887374.84 + 600 }) as ApiserverSummary;
  assert.equal(s.component, 'kube-apiserver');
  assert.equal(s.requestsTotal, 2450);
  assert.deepStrictEqual(s.requests.map((r) => [r.verb, r.code, r.count]), [
    ['GET', '200', 1021], ['PUT', '200', 643], ['POST', '201', 325], ['LIST', '200', 163], ['WATCH', '200', 122],
    ['GET', '404', 57], ['POST', '422', 56], ['PATCH', '200', 30], ['POST', '409', 22], ['GET', '500', 11],
  ]);
  close(s.uptimeSeconds, 600, 'uptime');
  close(s.requests[0]?.perSecond, 1021 / 600, 'GET 200 per second');
  assert.deepStrictEqual(s.inflight, { mutating: 1, readOnly: 1 });
  // Every verb but WATCH summed by le: 0.005 2216, 0.025 2318, ..., +Inf 2328.
  assert.equal(s.latency?.count, 2328);
  close(s.latency?.p50, (0.005 * 1164) / 2216, 'p50');
  close(s.latency?.p90, (0.005 * 2095.2) / 2216, 'p90');
  close(s.latency?.p99, 0.005 + (0.02 * 88.72) / 102, 'p99: rank 2304.72, 102 observations in (0.005, 0.025]');
  // GET: 0.005 1072, 0.025 1089 = +Inf.
  close(s.latencyByVerb.GET?.p99, 0.005 + (0.02 * 6.11) / 17, 'GET p99');
  assert.deepStrictEqual(Object.keys(s.latencyByVerb), ['GET', 'LIST', 'PATCH', 'POST', 'PUT', 'WATCH']);
});

test('kube-proxy: sync latency and the last sync', () => {
  const s = summarize(families('kube-proxy.metrics'), { now: 1795887400.7034137 }) as KubeProxySummary;
  // Two syncs, both in (0.064, 0.128].
  assert.equal(s.syncLatency?.count, 2);
  close(s.syncLatency?.p50, 0.096, 'p50');
  close(s.syncLatency?.p99, 0.12736, 'p99');
  assert.equal(s.lastSync, 1795887390.7034137);
  assert.equal(s.lastQueued, 1795887390.4776921);
  assert.equal(s.syncPending, false);
  assert.ok(Math.abs((s.secondsSinceLastSync ?? 0) - 10) < 1e-6);
});

test('kube-scheduler: pending pods by queue', () => {
  const s = summarize(families('scheduler.metrics')) as SchedulerSummary;
  assert.deepStrictEqual(s.pendingPods, { active: 0, backoff: 0, gated: 0, unschedulable: 0 });
  assert.equal(summarize(families('kubelet-resource.metrics')), undefined);
});
