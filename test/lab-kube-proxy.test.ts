// kube-proxy conformance: metrics 10249 and health 10256 on every node, at 1.28, 1.31 and 1.36.
// Literal expectations from spec/internal-apis.md §4, §8, §9 items 19-20, §11 and the real v1.28 fixtures
// (kube-proxy.10256-healthz.json, kube-proxy.10256-livez.json, kube-proxy.configz.json, kube-proxy.metrics).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LabNode } from '../src/lab/types.ts';
import { endpoint, endpoints, expectResponse, fixture, json, request, startTestLab, tcpConnect } from './helpers.ts';
import type { Expected, HttpResult, TestLab } from './helpers.ts';

type Version = '1.28' | '1.31' | '1.36';
const VERSIONS: Version[] = ['1.28', '1.31', '1.36'];
const NETWORK: Record<Version, number> = { '1.28': 29, '1.31': 30, '1.36': 31 };
const INSECURE_NETWORK = 32;

const TEXT = 'text/plain; charset=utf-8';
const NOSNIFF = { 'x-content-type-options': 'nosniff' };
const GO_404 = '404 page not found\n';

// Go's time.Time.String() as in the real 1.28 body: `2026-11-28 17:45:37.562461257 +0000 UTC m=+547.421199072`.
const GO_TIME = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})? \+0000 UTC m=\+\d+\.\d{9}`;
// §4.2: RFC 3339 with nanoseconds.
const RFC3339 = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})`;

// §11 and kube-proxy.10256-healthz.json (irregular spacing is the real thing; no trailing newline).
const OLD_HEALTHZ = new RegExp(`^\\{"lastUpdated": "(${GO_TIME})","currentTime": "(${GO_TIME})", "nodeEligible": true\\}$`);
// kube-proxy.10256-livez.json
const OLD_LIVEZ = new RegExp(`^\\{"lastUpdated": "(${GO_TIME})","currentTime": "(${GO_TIME})"\\}$`);
// §4.2 / §9.20: compact JSON; `nodeEligible` on /healthz only. The spec does not fix a trailing newline.
const NEW_HEALTHZ = new RegExp(`^\\{"lastUpdated":"(${RFC3339})","currentTime":"(${RFC3339})","nodeEligible":true,"healthy":true,"status":\\{"IPv4":\\{"lastUpdated":"(${RFC3339})","healthy":true\\}\\}\\}\\n?$`);
const NEW_LIVEZ = new RegExp(`^\\{"lastUpdated":"(${RFC3339})","currentTime":"(${RFC3339})","healthy":true,"status":\\{"IPv4":\\{"lastUpdated":"(${RFC3339})","healthy":true\\}\\}\\}\\n?$`);

function checkHealthBody(version: Version, route: '/healthz' | '/livez', res: HttpResult): void {
  const oldRe = route === '/healthz' ? OLD_HEALTHZ : OLD_LIVEZ;
  const newRe = route === '/healthz' ? NEW_HEALTHZ : NEW_LIVEZ;
  let m: RegExpExecArray | null;
  if (version === '1.28') {
    m = oldRe.exec(res.body);
    assert.ok(m, `1.28 ${route} must be the Go time-string form, got ${JSON.stringify(res.body)}`);
  } else if (version === '1.36') {
    m = newRe.exec(res.body);
    assert.ok(m, `1.36 ${route} must be compact JSON with RFC 3339 times, got ${JSON.stringify(res.body)}`);
  } else {
    // §4.2/§10: the release of the JSON rewrite is not confirmed in source; at 1.31 either shape is faithful.
    m = oldRe.exec(res.body) ?? newRe.exec(res.body);
    assert.ok(m, `1.31 ${route}: neither the old nor the new shape: ${JSON.stringify(res.body)}`);
  }
  // Healthy: lastUpdated is the current time (real 1.28 bytes show both equal; §4.2 "for compatibility").
  assert.equal(m[1], m[2], `lastUpdated = currentTime when healthy: ${res.body}`);
  const when = Date.parse(m[2]!.replace(' ', 'T').replace(/ \+0000 UTC m=.*$/, 'Z'));
  assert.ok(Number.isFinite(when), `parsable time ${m[2]}`);
}

function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => keyPaths(v, `${prefix}/${k}`));
}

function typeLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('# TYPE '));
}

for (const version of VERSIONS) {
  describe(`kube-proxy ${version}`, () => {
    let t: TestLab;
    before(async () => {
      t = await startTestLab({ kubernetesVersion: version, network: NETWORK[version], nodes: 3 });
    });
    after(async () => {
      await t?.stop();
    });
    const eachNode = async (fn: (node: LabNode) => Promise<void>): Promise<void> => {
      for (const node of t.plan.nodes) await fn(node);
    };

    it('every node: 10249 http node-local only, 10256 http on all interfaces (§4.2, §7: 0.0.0.0:10256)', async () => {
      await eachNode(async (node) => {
        const m = endpoint(t.plan, node, 'kube-proxy', 'metrics');
        assert.deepEqual([m.number, m.scheme, m.address, m.reach], [10249, 'http', node.localIp, 'node-local']);
        const h = endpoints(t.plan, node, 'kube-proxy', 'healthz').map((e) => [e.number, e.scheme, e.address, e.reach]);
        assert.deepEqual(h.sort(), [[10256, 'http', node.ip, 'node-ip'], [10256, 'http', node.localIp, 'node-local']].sort());
        assert.equal(await tcpConnect(node.ip, 10249), 'ECONNREFUSED', `10249 must not listen on ${node.ip}`);
        assert.equal(await tcpConnect(node.localIp, 10249), 'connected');
        assert.equal(await tcpConnect(node.ip, 10256), 'connected');
        assert.equal(await tcpConnect(node.localIp, 10256), 'connected');
      });
    });

    describe('10249 (no authentication at all: anonymous and a bad token get the same answer)', () => {
      const cases: { method: string; path: string; exp: Expected; check?: (res: HttpResult, node: LabNode) => void; versions?: Version[] }[] = [
        { method: 'GET', path: '/healthz', exp: { status: 200, body: 'ok', contentType: TEXT, headers: NOSNIFF } },
        { method: 'GET', path: '/healthz/ping', exp: { status: 200, body: 'ok' } },
        // §4.1 / §9.19: the mode name, no newline; kubeadm's default mode is iptables (kube-proxy.configz.json).
        { method: 'GET', path: '/proxyMode', exp: { status: 200, body: 'iptables', contentType: TEXT, headers: NOSNIFF } },
        {
          method: 'GET', path: '/configz', exp: { status: 200, contentType: 'application/json', headers: NOSNIFF, bodyStartsWith: '{"kubeproxy.config.k8s.io":{' },
          check: (res) => {
            const cfg = (json(res) as Record<string, Record<string, unknown>>)['kubeproxy.config.k8s.io'] as Record<string, unknown>;
            assert.equal(cfg['Mode'], 'iptables');
            if (version === '1.28') {
              // The real 1.28 answer's shape: the same fields, nested the same way.
              const real = (JSON.parse(fixture('kube-proxy.configz.json')) as Record<string, unknown>)['kubeproxy.config.k8s.io'];
              assert.deepEqual(keyPaths(cfg).sort(), keyPaths(real).sort());
            }
          },
        },
        {
          method: 'GET', path: '/metrics', exp: { status: 200, bodyMatch: /^# HELP /m },
          check: (res) => {
            const minor = version.split('.')[1];
            assert.match(res.body, new RegExp(`^kubernetes_build_info\\{.*git_version="v1\\.${minor}\\.\\d+".*major="1",minor="${minor}".*\\} 1$`, 'm'));
            // §11: seen on the real v1.31 kube-proxy.
            if (version === '1.31') assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8; escaping=values');
            if (version === '1.28') {
              const got = new Set(typeLines(res.body));
              assert.deepEqual(typeLines(fixture('kube-proxy.metrics')).filter((l) => !got.has(l)), [], 'families of the real 1.28 exposition');
            }
          },
        },
        { method: 'GET', path: '/metrics/slis', exp: { status: 200 } },
        // §4.1 / §9.19 / §11: no /livez on 10249.
        { method: 'GET', path: '/livez', exp: { status: 404, body: GO_404, contentType: TEXT } },
        { method: 'GET', path: '/readyz', exp: { status: 404, body: GO_404 } },
        { method: 'GET', path: '/healthz/foo', exp: { status: 404, body: GO_404 } },
        { method: 'GET', path: '/foo', exp: { status: 404, body: GO_404 } },
        // enableProfiling defaults to false.
        { method: 'GET', path: '/debug/pprof/', exp: { status: 404, body: GO_404 } },
        { method: 'PUT', path: '/debug/flags/v', exp: { status: 404, body: GO_404 } },
        // §8: /flagz, /statusz on by default from 1.36.
        { method: 'GET', path: '/flagz', versions: ['1.36'], exp: { status: 200, contentType: TEXT } },
        { method: 'GET', path: '/statusz', versions: ['1.36'], exp: { status: 200, contentType: TEXT } },
        { method: 'GET', path: '/flagz', versions: ['1.28', '1.31'], exp: { status: 404, body: GO_404 } },
        { method: 'GET', path: '/statusz', versions: ['1.28', '1.31'], exp: { status: 404, body: GO_404 } },
      ];
      for (const cs of cases.filter((c) => c.versions === undefined || c.versions.includes(version))) {
        it(`${cs.method} ${cs.path}`, async () => {
          await eachNode(async (node) => {
            for (const token of [undefined, 'not-a-real-token']) {
              const res = await request({ url: `http://${node.localIp}:10249${cs.path}`, method: cs.method, token });
              expectResponse(res, cs.exp, `${token ? 'bad-token' : 'anonymous'} ${cs.method} 10249${cs.path} on ${node.name}`);
              cs.check?.(res, node);
            }
          });
        });
      }
    });

    describe('10256 health server (any method, JSON)', () => {
      for (const method of ['GET', 'POST', 'HEAD'] as const) {
        it(`${method} /healthz`, async () => {
          await eachNode(async (node) => {
            const res = await request({ url: `http://${node.ip}:10256/healthz`, method, token: method === 'POST' ? 'not-a-real-token' : undefined });
            expectResponse(res, { status: 200, contentType: 'application/json', headers: NOSNIFF }, `${method} 10256/healthz on ${node.name}`);
            if (method !== 'HEAD') checkHealthBody(version, '/healthz', res);
          });
        });
      }
      it('GET /livez (same shape without nodeEligible)', async () => {
        await eachNode(async (node) => {
          const res = await request({ url: `http://${node.ip}:10256/livez` });
          expectResponse(res, { status: 200, contentType: 'application/json', headers: NOSNIFF }, `10256/livez on ${node.name}`);
          checkHealthBody(version, '/livez', res);
        });
      });
      for (const p of ['/', '/foo', '/metrics', '/healthz/ping', '/readyz']) {
        it(`GET ${p} → 404`, async () => {
          await eachNode(async (node) => {
            expectResponse(await request({ url: `http://${node.ip}:10256${p}` }), { status: 404, body: GO_404, contentType: TEXT }, `10256${p} on ${node.name}`);
          });
        });
      }
    });
  });
}

describe('kube-proxy 1.36, insecure profile on node 2 (metrics on all interfaces)', () => {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kubernetesVersion: '1.36', network: INSECURE_NETWORK, nodes: 2, nodeProfiles: { '2': 'insecure' } });
  });
  after(async () => {
    await t?.stop();
  });
  it('10249 answers on the node IP of the insecure node, and only node-local on the kubeadm node', async () => {
    const [kubeadm, insecure] = t.plan.nodes as [LabNode, LabNode];
    assert.deepEqual([kubeadm.profile, insecure.profile], ['kubeadm', 'insecure']);
    assert.ok(endpoints(t.plan, insecure, 'kube-proxy', 'metrics').some((e) => e.reach === 'node-ip' && e.number === 10249));
    expectResponse(await request({ url: `http://${insecure.ip}:10249/healthz` }), { status: 200, body: 'ok' }, 'insecure node ip:10249/healthz');
    expectResponse(await request({ url: `http://${insecure.ip}:10249/proxyMode` }), { status: 200, body: 'iptables' }, 'insecure node ip:10249/proxyMode');
    assert.equal(await tcpConnect(kubeadm.ip, 10249), 'ECONNREFUSED');
  });
});
