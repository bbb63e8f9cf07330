// `kia metrics` as a user runs it, against the lab's kube-proxy and kubelet. Needs a built dist (`npm run build`).
// The CLI runs as an async child process: the lab serves from this process and must keep answering meanwhile.
import { runKia } from './helpers.ts';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLab } from '../src/lab/index.ts';

type Lab = Awaited<ReturnType<typeof startLab>>;


const kia = (...args: string[]) => runKia(args);

const near = (actual: number, expected: number) => Math.abs(actual - expected) < 1e-9;

describe('kia metrics against the lab (network 62)', () => {
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-metrics-'));
    lab = await startLab({ dir, nodes: 1, network: 62, inProcess: true, profile: 'insecure' });
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function endpoint(component: string, port: string, reach: 'node-ip' | 'node-local') {
    const found = lab.plan.endpoints.find((e) => e.component === component && e.port === port && e.reach === reach);
    assert.ok(found, `${component} ${port} ${reach} in the plan`);
    return found;
  }

  it('summarises kube-proxy from its node-local metrics port as JSON', async () => {
    const e = endpoint('kube-proxy', 'metrics', 'node-local');
    assert.equal(e.number, 10249);
    const res = await kia('metrics', `http://${e.address}:10249/metrics`, '--summary', '-o', 'json');
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    // Literal values of the real v1.28 kube-proxy exposition the lab serves.
    assert.equal(out.status, 200);
    assert.equal(out.samples, 677);
    assert.equal(out.errorCount, 0);
    assert.equal(out.summary.component, 'kube-proxy');
    assert.equal(out.summary.syncLatency.count, 2);
    assert.ok(near(out.summary.syncLatency.p50, 0.096), String(out.summary.syncLatency.p50));
    assert.ok(near(out.summary.syncLatency.p99, 0.12736), String(out.summary.syncLatency.p99));
    assert.equal(out.summary.lastSync, 1795887390.7034137);
    assert.equal(out.summary.lastQueued, 1795887390.4776921);
    assert.equal(out.summary.syncPending, false);
  });

  it('prints the chosen families in the text format, filtered by an anchored label regex', async () => {
    const e = endpoint('kube-proxy', 'metrics', 'node-local');
    const res = await kia('metrics', `http://${e.address}:10249/metrics`, '--family', 'kubeproxy_sync_proxy_rules_duration_seconds', '--label', 'le=~0.1.*');
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, [
      '# HELP kubeproxy_sync_proxy_rules_duration_seconds [ALPHA] SyncProxyRules latency in seconds',
      '# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram',
      'kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.128"} 2',
      '',
    ].join('\n'));
  });

  it('fails a TLS verification in one line naming --cacert and --insecure-skip-tls-verify (exit 3)', async () => {
    const e = endpoint('kubelet', 'api', 'node-ip');
    const res = await kia('metrics', `https://${e.address}:${e.number}/metrics`, '--summary');
    assert.equal(res.code, 3);
    assert.match(res.stderr, /^kia: GET https:.*TLS failed.*--cacert.*--insecure-skip-tls-verify\n$/);
  });

  it('answers a refused port with exit 3 and a bad URL with exit 2', async () => {
    const e = endpoint('kube-proxy', 'metrics', 'node-local');
    const refused = await kia('metrics', `http://${e.address}:1/metrics`);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /^kia: GET http:.*refused/);
    const bad = await kia('metrics', 'not a url');
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'kia: not a URL: not a url (want http(s)://host:port/metrics)\n');
  });
});
