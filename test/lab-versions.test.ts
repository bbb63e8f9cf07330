// The differences between 1.28, 1.31 and 1.36 that spec/internal-apis.md §8 and §11 list, each checked on the wire
// with a literal expectation per version: /run's form body, scheduler /livez and /readyz, the kubelet 403 text,
// /checkpoint, /flagz and /statusz, kube-proxy's 10256 body, WebSocket v5 at the kubelet, admin.conf's group.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LabNode } from '../src/lab/types.ts';
import { credentials, expectResponse, fixture, kubeProxyPod, openssl, request, requestAs, startTestLab, wsConnect } from './helpers.ts';
import type { Expected, TestLab } from './helpers.ts';

type Version = '1.28' | '1.31' | '1.36';
const VERSIONS: Version[] = ['1.28', '1.31', '1.36'];
const NETWORK: Record<Version, number> = { '1.28': 36, '1.31': 37, '1.36': 38 };
const TEXT = 'text/plain; charset=utf-8';
const GO_404 = '404 page not found\n';

// The answers below are written out per version, literally.
const EXPECT = {
  // §3.7, §8, §11: a form-body cmd is honoured up to 1.28 and ignored from 1.29 (500, an empty exec).
  runFormBody: { '1.28': 200, '1.31': 500, '1.36': 500 },
  // §11: scheduler /livez and /readyz: 404 at 1.28 (after authorisation), `ok` from 1.31.
  schedulerLivez: {
    '1.28': { status: 404, body: GO_404 },
    '1.31': { status: 200, body: 'ok' },
    '1.36': { status: 200, body: 'ok' },
  } as Record<Version, Expected>,
  // §3.11, §8, §11: the kubelet's refusal for alice's GET /pods.
  kubelet403: {
    '1.28': 'Forbidden (user=alice, verb=get, resource=nodes, subresource=proxy)',
    '1.31': 'Forbidden (user=alice, verb=get, resource=nodes, subresource=proxy)',
    '1.36': 'Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[pods proxy])\n',
  } as Record<Version, string>,
  kubelet403Checkpoint: {
    '1.28': null,
    '1.31': 'Forbidden (user=alice, verb=create, resource=nodes, subresource=checkpoint)',
    '1.36': 'Forbidden (user=alice, verb=create, resource=nodes, subresource(s)=[checkpoint])\n',
  } as Record<Version, string | null>,
  // §3.2 note C, §11: no /checkpoint root at 1.28 (Go mux 404 before auth); from 1.30 GET → 405 Allow: POST.
  checkpointGet: {
    '1.28': { status: 404, body: GO_404 },
    '1.31': { status: 405, body: '405: Method Not Allowed', headers: { allow: 'POST' } },
    '1.36': { status: 405, body: '405: Method Not Allowed', headers: { allow: 'POST' } },
  } as Record<Version, Expected>,
  // §8, §11: /flagz and /statusz on by default only from 1.36.
  zpages: {
    '1.28': { status: 404, body: GO_404 },
    '1.31': { status: 404, body: GO_404 },
    '1.36': { status: 200, contentType: TEXT },
  } as Record<Version, Expected>,
  // CONVENTIONS / §6.3: admin.conf is system:masters at 1.28, kubeadm:cluster-admins from 1.29.
  adminGroup: { '1.28': 'system:masters', '1.31': 'kubeadm:cluster-admins', '1.36': 'kubeadm:cluster-admins' },
  // §11: a v5-only WebSocket offer is refused by 1.28/1.31 kubelets (403, no body); §3.8/§8: 1.36 translates v5.
  wsV5Only: { '1.28': 403, '1.31': 403, '1.36': 101 },
  // docs/research: the 1.36 kubelet (ReloadKubeletClientCAFile) sets no ALPN list, so it speaks HTTP/1.1 only.
  kubeletAlpn: { '1.28': 'h2', '1.31': 'h2', '1.36': 'http/1.1' },
} as const;

function rootListing(body: string): void {
  const lines = body.split('\n');
  for (const dir of ['bin', 'etc', 'proc', 'usr', 'var']) assert.ok(lines.includes(dir), `ls / lists ${dir}: ${JSON.stringify(body)}`);
}

for (const version of VERSIONS) {
  describe(`version differences at ${version}`, () => {
    let t: TestLab;
    let cp: LabNode;
    let worker: LabNode;
    before(async () => {
      t = await startTestLab({ kubernetesVersion: version, network: NETWORK[version], nodes: 3 });
      cp = t.plan.nodes[0] as LabNode;
      worker = t.plan.nodes[1] as LabNode;
    });
    after(async () => {
      await t?.stop();
    });
    const run = (node: LabNode, query: string) => `https://${node.ip}:10250/run/kube-system/${kubeProxyPod(node)}/kube-proxy${query}`;

    it(`/run with a form-body cmd=ls → ${EXPECT.runFormBody[version]}`, async () => {
      for (const node of [cp, worker]) {
        const res = await requestAs(t.plan.files, 'admin', {
          url: run(node, ''),
          method: 'POST',
          body: 'cmd=ls',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        });
        assert.equal(res.status, EXPECT.runFormBody[version], `${node.name}: ${res.body}`);
        if (res.status === 200) {
          assert.equal(res.headers['content-type'], 'application/json');
          rootListing(res.body);
        }
      }
    });

    it('/run?cmd=ls works at every version (200, Content-Type application/json, the root listing)', async () => {
      const res = await requestAs(t.plan.files, 'admin', { url: run(worker, '?cmd=ls'), method: 'POST' });
      expectResponse(res, { status: 200, contentType: 'application/json' }, '?cmd=ls');
      rootListing(res.body);
    });

    it('/run answers from the virtual container: cat /etc/hostname (hostNetwork pod: the node name) and id (root)', async () => {
      for (const node of [cp, worker]) {
        const host = await requestAs(t.plan.files, 'admin', { url: run(node, '?cmd=cat%20/etc/hostname'), method: 'POST' });
        expectResponse(host, { status: 200, body: `${node.name}\n`, contentType: 'application/json' }, `cat /etc/hostname on ${node.name}`);
        const id = await requestAs(t.plan.files, 'admin', { url: run(node, '?cmd=id'), method: 'POST' });
        expectResponse(id, { status: 200, bodyStartsWith: 'uid=0(root) gid=0(root)', contentType: 'application/json' }, `id on ${node.name}`);
      }
    });

    it(`kubelet 10250 answers an h2,http/1.1 offer with ${EXPECT.kubeletAlpn[version]} (openssl)`, async () => {
      const res = await openssl(['s_client', '-connect', `${worker.ip}:10250`, '-alpn', 'h2,http/1.1'], { input: '' });
      assert.match(res.stdout, new RegExp(`ALPN protocol: ${EXPECT.kubeletAlpn[version].replace('/', '\\/')}`));
    });

    it('kube-scheduler /livez and /readyz (anonymous)', async () => {
      for (const p of ['/livez', '/readyz']) {
        expectResponse(await request({ url: `https://${cp.localIp}:10259${p}` }), EXPECT.schedulerLivez[version], `scheduler ${p}`);
      }
    });

    it('kube-controller-manager /livez and /readyz stay 404 at every version (§9.23)', async () => {
      for (const p of ['/livez', '/readyz']) {
        expectResponse(await request({ url: `https://${cp.localIp}:10257${p}` }), { status: 404, body: GO_404 }, `kcm ${p}`);
      }
    });

    it('the kubelet 403 text for alice GET /pods', async () => {
      for (const caller of ['alice', 'alice-token'] as const) {
        const res = await requestAs(t.plan.files, caller, { url: `https://${worker.ip}:10250/pods` });
        expectResponse(res, { status: 403, body: EXPECT.kubelet403[version] }, `${caller} /pods`);
      }
      if (version === '1.28') assert.equal(EXPECT.kubelet403['1.28'], fixture('kubelet.pods-alice-403.txt'));
    });

    it('/checkpoint: absent at 1.28, POST-only and authorised as subresource checkpoint from 1.31', async () => {
      const path = `/checkpoint/kube-system/${kubeProxyPod(worker)}/kube-proxy`;
      expectResponse(await requestAs(t.plan.files, 'admin', { url: `https://${worker.ip}:10250${path}` }), EXPECT.checkpointGet[version], `admin GET ${path}`);
      const refusal = EXPECT.kubelet403Checkpoint[version];
      const res = await requestAs(t.plan.files, 'alice', { url: `https://${worker.ip}:10250${path}`, method: 'POST' });
      if (refusal === null) expectResponse(res, { status: 404, body: GO_404 }, `alice POST ${path}`);
      else expectResponse(res, { status: 403, body: refusal }, `alice POST ${path}`);
    });

    it('/flagz and /statusz on kubelet, kube-controller-manager, kube-scheduler, kube-apiserver and kube-proxy', async () => {
      const targets = [
        `https://${worker.ip}:10250`,
        `https://${cp.localIp}:10257`,
        `https://${cp.localIp}:10259`,
        `https://${cp.ip}:6443`,
        `http://${worker.localIp}:10249`,
      ];
      for (const base of targets) {
        for (const p of ['/flagz', '/statusz']) {
          const res = await requestAs(t.plan.files, 'admin', { url: `${base}${p}` });
          expectResponse(res, EXPECT.zpages[version], `admin ${base}${p}`);
        }
      }
    });

    it('kube-proxy 10256 /healthz body shape', async () => {
      const res = await request({ url: `http://${worker.ip}:10256/healthz` });
      expectResponse(res, { status: 200, contentType: 'application/json' }, '10256/healthz');
      const goTime = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})? \+0000 UTC m=\+\d+\.\d{9}`;
      const rfc3339 = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})`;
      const old = new RegExp(`^\\{"lastUpdated": "${goTime}","currentTime": "${goTime}", "nodeEligible": true\\}$`);
      const now = new RegExp(`^\\{"lastUpdated":"${rfc3339}","currentTime":"${rfc3339}","nodeEligible":true,"healthy":true,"status":\\{"IPv4":\\{"lastUpdated":"${rfc3339}","healthy":true\\}\\}\\}\\n?$`);
      if (version === '1.28') assert.match(res.body, old);
      else if (version === '1.36') assert.match(res.body, now);
      else assert.ok(old.test(res.body) || now.test(res.body), res.body);
    });

    it(`admin.crt is O=${EXPECT.adminGroup[version]}; super-admin.conf exists only from 1.29`, () => {
      const cert = new X509Certificate(fs.readFileSync(t.plan.files.adminCert));
      const orgs = cert.subject.split('\n').filter((l) => l.startsWith('O=')).map((l) => l.slice(2));
      assert.deepEqual(orgs, [EXPECT.adminGroup[version]]);
      if (version === '1.28') assert.equal(t.plan.files.superAdminConf, undefined);
      else assert.ok(t.plan.files.superAdminConf && fs.existsSync(t.plan.files.superAdminConf));
    });

    it('WebSocket exec straight to the kubelet: v4.channel.k8s.io → 101, stdout on channel 1, Success on channel 3', async () => {
      const url = `wss://${worker.ip}:10250/exec/kube-system/${kubeProxyPod(worker)}/kube-proxy?command=id&output=1&error=1`;
      const out = await wsConnect(url, ['v4.channel.k8s.io'], credentials(t.plan.files, 'admin'));
      assert.equal(out.status, 101, out.body);
      assert.equal(out.protocol, 'v4.channel.k8s.io');
      const stdout = Buffer.concat(out.messages.filter(([ch]) => ch === 1).map(([, b]) => b)).toString('utf8');
      assert.ok(stdout.startsWith('uid=0(root) gid=0(root)'), stdout);
      const status = Buffer.concat(out.messages.filter(([ch]) => ch === 3).map(([, b]) => b)).toString('utf8');
      // §3.8: `{"metadata":{},"status":"Success"}` (metav1 runtimes) or `{"status":"Success"}` (cri-streaming).
      assert.ok(status === '{"metadata":{},"status":"Success"}' || status === '{"status":"Success"}', status);
    });

    it(`WebSocket exec offering only v5.channel.k8s.io → ${EXPECT.wsV5Only[version]}`, async () => {
      const url = `wss://${worker.ip}:10250/exec/kube-system/${kubeProxyPod(worker)}/kube-proxy?command=id&output=1&error=1`;
      const out = await wsConnect(url, ['v5.channel.k8s.io'], credentials(t.plan.files, 'admin'));
      assert.equal(out.status, EXPECT.wsV5Only[version], out.body);
      if (out.status === 403) {
        // §11: 403 Forbidden with no body and Connection: close.
        assert.equal(out.body, '');
        assert.equal(out.headers?.['connection'], 'close');
      } else {
        assert.equal(out.protocol, 'v5.channel.k8s.io');
      }
    });
  });
}
