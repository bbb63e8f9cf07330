// The exporter's probe series: label values only from bounded sets, even when a peer names its checks hostilely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProbeMetrics } from './probe-metrics.ts';
import type { HealthReport } from '../model/index.ts';

function report(checks: { name: string; ok: boolean }[]): HealthReport {
  return {
    schema: 'kia.health/v1',
    checkedAt: '2026-11-28T12:00:00.000Z',
    durationMs: 5,
    state: 'healthy',
    notes: [],
    nodes: [
      {
        name: 'n1',
        state: 'healthy',
        components: [
          {
            node: 'n1',
            component: 'kubelet',
            state: 'healthy',
            summary: 'ok',
            endpoints: [
              {
                address: '127.0.0.1',
                port: 10250,
                portName: 'api',
                scheme: 'https',
                state: 'healthy',
                probes: [{ route: 'kubelet.api.healthz', method: 'GET', path: '/healthz?verbose', identity: 'admin', state: 'healthy', outcome: 'ok', status: 200, durationMs: 2.5, detail: 'ok', checks }],
                certificate: { subject: 'CN=n1', notAfter: '2027-11-28T12:00:00.000Z', daysLeft: 365, level: 'ok', state: 'healthy', verified: false },
              },
            ],
          },
        ],
      },
    ],
  };
}

test('one series per probe, check and certificate, with literal names and values', async () => {
  const metrics = new ProbeMetrics([{ id: 'KIA-KUBELET-001', severity: 'critical' }]);
  const text = await metrics.updateHealth(report([{ name: 'syncloop', ok: false }]), Date.parse('2026-11-28T12:00:01Z'));
  const lines = text.split('\n');
  for (const line of [
    'kia_probe_success{node="n1",component="kubelet",port="10250",route="kubelet.api.healthz"} 1',
    'kia_probe_duration_seconds{node="n1",component="kubelet",port="10250",route="kubelet.api.healthz"} 0.0025',
    'kia_health_check{node="n1",component="kubelet",port="10250",check="syncloop"} 0',
    'kia_certificate_not_after_seconds{node="n1",component="kubelet",port="10250"} 1827403200',
    'kia_certificate_verified{node="n1",component="kubelet",port="10250"} 0',
    'kia_component_health{node="n1",component="kubelet",state="degraded"} 0',
    'kia_findings{rule="KIA-KUBELET-001",severity="critical"} 0',
    'kia_last_cycle_timestamp_seconds 1795867201',
  ]) {
    assert.ok(lines.includes(line), `missing: ${line}`);
  }
});

test('hostile check names are dropped and at most 64 checks per endpoint become series', async () => {
  const metrics = new ProbeMetrics([]);
  const hostile = ['a"b', 'x\ny', 'é', 'a'.repeat(65), ''].map((name) => ({ name, ok: true }));
  const many = Array.from({ length: 500 }, (_, i) => ({ name: `c${i}`, ok: true }));
  const text = await metrics.updateHealth(report([...hostile, ...many]), 0);
  const series = text.split('\n').filter((l) => l.startsWith('kia_health_check{'));
  assert.equal(series.length, 64);
  assert.ok(series.every((l) => /check="c\d+"/.test(l)));
  // A later cycle without them drops them: no series outlives what the last cycle saw.
  const again = await metrics.updateHealth(report([{ name: 'ping', ok: true }]), 0);
  assert.deepEqual(again.split('\n').filter((l) => l.startsWith('kia_health_check{')), ['kia_health_check{node="n1",component="kubelet",port="10250",check="ping"} 1']);
});

/** The one-node report above for `count` nodes named n1, n2, … */
function cluster(count: number): HealthReport {
  const one = report([{ name: 'ping', ok: true }]);
  const node = one.nodes[0] as HealthReport['nodes'][number];
  return { ...one, nodes: Array.from({ length: count }, (_, i) => ({ ...node, name: `n${i + 1}`, components: node.components.map((c) => ({ ...c, node: `n${i + 1}` })) })) };
}

test('a 200-node update gives the event loop back before it ends, and a scrape meanwhile sees the last whole text', async () => {
  const metrics = new ProbeMetrics([{ id: 'KIA-KUBELET-001', severity: 'critical' }]);
  const before = await metrics.text();
  let finished = false;
  const update = metrics.updateHealth(cluster(200), 0).then((text) => ((finished = true), text));
  // A scrape's turn of the event loop comes while the update is under way (the engine shares the server's thread).
  const during = await new Promise<{ finished: boolean; text: string }>((resolve) => setImmediate(() => void metrics.text().then((text) => resolve({ finished, text }))));
  assert.equal(during.finished, false);
  assert.equal(during.text, before);
  assert.ok(!during.text.includes('kia_probe_success{'));
  const text = await update;
  assert.equal(text.split('\n').filter((l) => l.startsWith('kia_probe_success{')).length, 200);
  assert.ok(text.includes('kia_probe_success{node="n200",component="kubelet",port="10250",route="kubelet.api.healthz"} 1'));
});

test('an audit that ends during a cycle update renders after it: every node of the cycle, never half of them', async () => {
  const metrics = new ProbeMetrics([{ id: 'KIA-KUBELET-001', severity: 'critical' }]);
  const health = metrics.updateHealth(cluster(200), 0);
  const finding = { rule: 'KIA-KUBELET-001', severity: 'critical' } as unknown as Parameters<ProbeMetrics['updateFindings']>[0][number];
  const audit = await metrics.updateFindings([finding], Date.parse('2026-11-28T12:00:00Z'));
  assert.equal(audit.split('\n').filter((l) => l.startsWith('kia_probe_success{')).length, 200);
  assert.ok(audit.split('\n').includes('kia_findings{rule="KIA-KUBELET-001",severity="critical"} 1'));
  assert.equal(await health, audit.replace('kia_findings{rule="KIA-KUBELET-001",severity="critical"} 1', 'kia_findings{rule="KIA-KUBELET-001",severity="critical"} 0').replace('kia_audit_timestamp_seconds 1795867200', 'kia_audit_timestamp_seconds 0'));
});
