// The health readers and verdicts on real answers (fixtures captured from v1.28 components and etcd 3.4) and on the
// bodies the spec fixes byte for byte. Expected values are literal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseEtcdHealth, parseProxyTime, parseHealthz, parseKubeProxyHealth, parseCheckReason } from '../formats/health-answers.ts';
import { certificateHealth, healthExitCode, judge, evaluate } from './evaluate.ts';
import type { EndpointObservation, RouteObservation } from '../model/index.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../test/fixtures/real-v1.28', name), 'utf8');
const NOW = Date.parse('2026-11-28T17:45:40Z');

type Format = 'healthz' | 'etcd-health' | 'kube-proxy';
interface Answer extends Partial<RouteObservation> {
  format: Format;
  body: string;
  followUps?: { check: string; outcome: RouteObservation['outcome']; status?: number; body: string }[];
}

/** One health answer as the probe records it, and the sub-path answers that follow it. */
function judged(a: Answer, options: { now: number }) {
  const { format, followUps = [], ...fields } = a;
  const route: RouteObservation = { route: 'r', method: 'GET', path: '/healthz?verbose', identity: 'anonymous', outcome: 'ok', status: 200, durationMs: 1, ...fields };
  const follows = followUps.map((f): RouteObservation => ({ route: 'r', method: 'GET', path: `/healthz/${f.check}`, identity: 'anonymous', outcome: f.outcome, ...(f.status ? { status: f.status } : {}), body: f.body, check: f.check, durationMs: 1 }));
  return judge(route, format, follows, options);
}

const answer = (a: Answer) => a;

test('healthz verbose answers from real v1.28 components', () => {
  const readyz = parseHealthz(fixture('apiserver.readyz-verbose.txt'));
  assert.equal(readyz.passed, true);
  assert.equal(readyz.checks.length, 34);
  assert.deepEqual(readyz.checks.slice(0, 3), [{ name: 'ping', ok: true }, { name: 'log', ok: true }, { name: 'etcd', ok: true }]);
  const kcm = parseHealthz(fixture('controller-manager.healthz-verbose.txt'));
  assert.equal(kcm.checks[0]?.name, 'leaderElection');
  assert.ok(kcm.checks.every((c) => c.ok));
  assert.deepEqual(parseHealthz(fixture('kubelet.healthz-verbose.txt')).checks.map((c) => c.name), ['ping', 'log', 'syncloop']);
  assert.deepEqual(parseHealthz(fixture('kubelet-10248.healthz-verbose.txt')).checks.map((c) => c.name), ['ping']);
  assert.deepEqual(parseHealthz('ok'), { checks: [], passed: true, summary: 'ok' });
});

test('a failing healthz withholds the reason; the sub-path gives it (spec §6.2)', () => {
  const body = '[+]ping ok\n[+]log ok\n[-]syncloop failed: reason withheld\nhealthz check failed\n';
  const parsed = parseHealthz(body);
  assert.equal(parsed.passed, false);
  assert.deepEqual(parsed.checks[2], { name: 'syncloop', ok: false, reason: 'reason withheld' });
  assert.equal(parseCheckReason('internal server error: sync Loop took longer than expected\n'), 'sync Loop took longer than expected');
  const probe = judged(
    answer({ format: 'healthz', status: 500, body, followUps: [{ check: 'syncloop', outcome: 'ok', status: 500, body: 'internal server error: sync Loop took longer than expected\n' }] }),
    { now: NOW },
  );
  assert.equal(probe.state, 'degraded');
  assert.equal(probe.detail, '500 syncloop failed: sync Loop took longer than expected');
});

test('etcd livez/readyz failures carry the reason in the body (spec §2.3)', () => {
  const parsed = parseHealthz('[+]serializable_read ok\n[-]data_corruption failed: alarm activated: CORRUPT\n\n');
  assert.deepEqual(parsed.checks[1], { name: 'data_corruption', ok: false, reason: 'alarm activated: CORRUPT' });
  assert.equal(parsed.passed, false);
});

test('etcd /health: string health, 3.4 without reason, 503 with the reason', () => {
  assert.deepEqual(parseEtcdHealth(fixture('etcd-3.4.health.json')), { health: true, format: '3.4' });
  assert.deepEqual(parseEtcdHealth('{"health":"true","reason":""}'), { health: true, format: '3.5+' });
  assert.deepEqual(parseEtcdHealth('{"health":"false","reason":"RAFT NO LEADER"}\n'), { health: false, format: '3.5+', reason: 'RAFT NO LEADER' });
  const probe = judged(answer({ format: 'etcd-health', path: '/health', status: 503, body: '{"health":"false","reason":"ALARM NOSPACE"}\n' }), { now: NOW });
  assert.equal(probe.state, 'degraded');
  assert.equal(probe.detail, '503 ALARM NOSPACE');
  assert.equal(parseEtcdHealth('<html>'), undefined);
});

test('kube-proxy 10256: both body formats, staleness against currentTime', () => {
  const old = parseKubeProxyHealth(fixture('kube-proxy.10256-healthz.json'));
  assert.equal(old?.format, 'go-time-string');
  assert.equal(new Date(old?.lastUpdated ?? '').toISOString(), '2026-11-28T17:45:37.562Z');
  assert.equal(old?.nodeEligible, true);
  assert.equal(new Date(parseProxyTime('2026-11-28 17:31:17.215190237 +0100 CET m=+12.29')?.ms ?? 0).toISOString(), '2026-11-28T16:31:17.215Z');
  const json = '{"lastUpdated":"2026-11-28T17:40:00.123456789Z","currentTime":"2026-11-28T17:45:00.5Z","nodeEligible":true,"healthy":true,"status":{"IPv4":{"lastUpdated":"2026-11-28T17:40:00.123456789Z","healthy":true}}}';
  const frozen = judged(answer({ format: 'kube-proxy', path: '/healthz', body: json }), { now: NOW });
  assert.equal(frozen.state, 'degraded');
  assert.equal(frozen.detail, 'stale: lastUpdated 300.4 s behind currentTime (frozen; limit 60 s)');
  assert.equal(judged(answer({ format: 'kube-proxy', path: '/healthz', body: fixture('kube-proxy.10256-healthz.json') }), { now: NOW }).state, 'healthy');
  const unhealthy = judged(answer({ format: 'kube-proxy', path: '/healthz', status: 503, body: json.replace('"healthy":true,"status"', '"healthy":false,"status"') }), { now: NOW });
  assert.equal(unhealthy.state, 'degraded');
  assert.match(unhealthy.detail, /^503 stale/);
});

test('outcomes: refused and timeout are down, 404 is not served, 401 is unknown', () => {
  assert.equal(judged(answer({ format: 'healthz', outcome: 'refused', body: '' }), { now: NOW }).state, 'down');
  assert.equal(judged(answer({ format: 'healthz', outcome: 'timeout', body: '' }), { now: NOW }).detail, 'no answer (timeout)');
  assert.equal(judged(answer({ format: 'healthz', status: 404, body: '404 page not found\n' }), { now: NOW }).state, 'skipped');
  assert.equal(judged(answer({ format: 'healthz', status: 401, body: 'Unauthorized' }), { now: NOW }).state, 'unknown');
});

test('certificate thresholds: 30 and 7 days', () => {
  const at = (days: number) => new Date(NOW + days * 86_400_000 + 3_600_000).toISOString();
  assert.equal(certificateHealth(at(40), 'CN=x', NOW).level, 'ok');
  assert.equal(certificateHealth(at(29), 'CN=x', NOW).level, 'warning');
  assert.equal(certificateHealth(at(6), 'CN=x', NOW).level, 'critical');
  assert.equal(certificateHealth(at(-2), 'CN=x', NOW).level, 'expired');
  assert.equal(certificateHealth(at(6), 'CN=x', NOW).state, 'degraded');
});

test('exit codes: down beats degraded beats healthy', () => {
  // kubelet 10248 /healthz, as the catalog names the route.
  const at = (route: Partial<RouteObservation>): EndpointObservation[] => [
    {
      target: { host: 'n1', address: '127.0.0.1', source: 'lab', node: 'n1' },
      address: '127.0.0.1',
      port: 10248,
      scheme: 'http',
      outcome: 'open',
      fingerprint: { component: 'kubelet', port: 'healthz', confidence: 'medium', evidence: [] },
      routes: [{ route: 'kubelet.healthz.healthz', method: 'GET', path: '/healthz', identity: 'anonymous', outcome: 'ok', status: 200, durationMs: 1, ...route }],
      exposure: 'loopback',
      errors: [],
      expected: { component: 'kubelet', portName: 'healthz', scheme: 'http' },
    },
  ];
  const ok = evaluate(at({ body: 'ok' }), { now: NOW });
  assert.equal(healthExitCode(ok), 0);
  const bad = evaluate(at({ status: 500, body: '[-]ping failed: reason withheld\nhealthz check failed\n' }), { now: NOW });
  assert.equal(healthExitCode(bad), 1);
  const dead = evaluate(at({ outcome: 'refused' }), { now: NOW });
  assert.equal(healthExitCode(dead), 3);
  assert.equal(dead.nodes[0]?.components[0]?.summary, '10248 /healthz: connection refused');
});

test('hostile bodies never throw and never yield unbounded checks', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 2000 }), (body) => {
      parseHealthz(body);
      parseEtcdHealth(body);
      parseKubeProxyHealth(body);
      parseCheckReason(body);
      for (const format of ['healthz', 'etcd-health', 'kube-proxy'] as const) judged(answer({ format, body, status: 500 }), { now: NOW });
    }),
  );
  const many = Array.from({ length: 1000 }, (_, i) => `[+]c${i} ok`).join('\n');
  assert.equal(parseHealthz(many).checks.length, 128);
});
