// The health table in words: certificate thresholds as their own states, and an unknown row that says it was not
// verified and which credential would verify it. Reports are written by hand; expected lines are literal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ComponentHealth, EndpointHealth, HealthProbe, HealthReport } from '../model/index.ts';
import { renderHealthTable } from './render.ts';

function endpoint(port: number, fields: Partial<EndpointHealth> = {}): EndpointHealth {
  return { address: '10.0.0.11', port, portName: 'api', scheme: 'https', state: 'healthy', probes: [], ...fields };
}

function certificate(level: 'ok' | 'warning' | 'critical' | 'expired', daysLeft: number): EndpointHealth['certificate'] {
  return { subject: 'CN=kia-worker', notAfter: '2026-12-01T00:00:00.000Z', daysLeft, level, state: level === 'ok' ? 'healthy' : 'degraded' };
}

function report(components: ComponentHealth[]): HealthReport {
  return { schema: 'kia.health/v1', checkedAt: '2026-11-28T17:45:40.000Z', durationMs: 12, state: 'degraded', nodes: [{ name: 'kia-worker', state: 'degraded', components }], notes: [] };
}

const component = (fields: Pick<ComponentHealth, 'component' | 'state' | 'summary' | 'endpoints'>): ComponentHealth => ({ node: 'kia-worker', ...fields });

test('a certificate under 30 days is a warning and under 7 days critical, not both "degraded"', () => {
  const text = renderHealthTable(
    report([
      component({ component: 'kubelet', state: 'degraded', summary: '10250 certificate expires in 5 d', endpoints: [endpoint(10250, { state: 'degraded', certificate: certificate('critical', 5) })] }),
      component({ component: 'kube-proxy', state: 'degraded', summary: '10256 certificate expires in 20 d', endpoints: [endpoint(10256, { state: 'degraded', certificate: certificate('warning', 20) })] }),
      component({ component: 'etcd', state: 'degraded', summary: '2379 certificate expired', endpoints: [endpoint(2379, { state: 'degraded', certificate: certificate('expired', -2) })] }),
    ]),
  );
  const lines = text.split('\n');
  assert.equal(lines[1], 'kia-worker  kubelet     critical  10250 certificate expires in 5 d');
  assert.equal(lines[2], '            kube-proxy  warning   10256 certificate expires in 20 d');
  assert.equal(lines[3], '            etcd        critical  2379 certificate expired');
  assert.match(text, /^1 node, 3 components: 1 warning, 2 critical \(checked /m);
});

test('a failing check with a certificate under 30 days stays degraded; under 7 days it is critical', () => {
  const failing: HealthProbe = { route: 'kubelet.api.healthz', method: 'GET', path: '/healthz?verbose', identity: 'admin', state: 'degraded', outcome: 'ok', status: 500, durationMs: 1, detail: '500 syncloop failed', checks: [] };
  const text = renderHealthTable(
    report([
      component({ component: 'kubelet', state: 'degraded', summary: '10250 /healthz: 500 syncloop failed; 10250 certificate expires in 20 d', endpoints: [endpoint(10250, { state: 'degraded', probes: [failing], certificate: certificate('warning', 20) })] }),
      component({ component: 'kube-proxy', state: 'degraded', summary: '10256 /healthz: 500 x; 10256 certificate expires in 3 d', endpoints: [endpoint(10256, { state: 'degraded', probes: [failing], certificate: certificate('critical', 3) })] }),
    ]),
  );
  assert.match(text, /^kia-worker {2}kubelet {5}degraded {2}10250 \/healthz: 500 syncloop failed; 10250 certificate expires in 20 d$/m);
  assert.match(text, /^ {12}kube-proxy {2}critical {2}10256 \/healthz: 500 x; 10256 certificate expires in 3 d$/m);
});

test('an unknown row reads as not verified and names the credential that would verify it', () => {
  const text = renderHealthTable(
    report([
      component({ component: 'kubelet', state: 'unknown', summary: 'not checked: 401: anonymous may not ask /healthz?verbose (give credentials)', endpoints: [endpoint(10250, { state: 'unknown' })] }),
      component({ component: 'etcd', state: 'unknown', summary: 'not checked: needs a client certificate the server trusts (--etcd-cert/--etcd-key)', endpoints: [endpoint(2379, { state: 'unknown' })] }),
      component({ component: 'kube-scheduler', state: 'unknown', summary: 'not checked', endpoints: [endpoint(10259, { state: 'unknown' })] }),
    ]),
  );
  const lines = text.split('\n');
  assert.equal(lines[1], 'kia-worker  kubelet         unknown   not verified: 401: anonymous may not ask /healthz?verbose; give --cert/--key or --token of an identity allowed get nodes/proxy (nodes/healthz from 1.33)');
  assert.equal(lines[2], '            etcd            unknown   not verified: needs a client certificate the server trusts (--etcd-cert/--etcd-key)');
  assert.equal(lines[3], '            kube-scheduler  unknown   not verified: give --cert/--key or --token of an identity allowed get on /healthz');
  assert.match(text, /^1 node, 3 components: 3 unknown \(not verified\) \(checked /m);
});

test('colours: unknown is not greyed out like a pass, critical is bold red', () => {
  const text = renderHealthTable(
    report([
      component({ component: 'kubelet', state: 'unknown', summary: 'not checked', endpoints: [endpoint(10250, { state: 'unknown' })] }),
      component({ component: 'etcd', state: 'degraded', summary: '2379 certificate expires in 2 d', endpoints: [endpoint(2379, { state: 'degraded', certificate: certificate('critical', 2) })] }),
    ]),
    { color: true },
  );
  assert.ok(text.includes('\x1b[35munknown \x1b[0m'), text);
  assert.ok(text.includes('\x1b[1;31mcritical\x1b[0m'), text);
  assert.ok(!text.includes('\x1b[90m'));
});
