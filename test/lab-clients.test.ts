// Clients we did not write: the system curl and openssl s_client against a sample of every port, and the seed's
// kubelet /run command verbatim. Expected values are literal, from spec/internal-apis.md (§2.8, §3.7, §3.10, §5.1,
// §9, §11) and the real v1.28 fixtures.
// openssl s_client: handshake facts come from a run with stdin closed at once; HTTP exchanges use -quiet (with
// -ign_eof alone, s_client 3.0 drops the answer of a TLS 1.3 server — seen with a bare Node https server too).
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LabFiles, LabNode } from '../src/lab/types.ts';
import { curl, fixture, kubeProxyPod, openssl, startTestLab } from './helpers.ts';
import type { ExecResult, TestLab } from './helpers.ts';

type Version = '1.28' | '1.36';
const VERSIONS: Version[] = ['1.28', '1.36'];
const NETWORK: Record<Version, number> = { '1.28': 39, '1.36': 40 };
const HEALTHY = '{"health":"true","reason":""}';
const HTTP_GET = (p: string): string => `GET ${p} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n`;

// curl's User-Agent makes the apiserver libraries pretty-print a Status: the real bytes for KCM /configz are
// controller-manager.configz-anonymous-403.json; this is the same document for /metrics on 6443.
const PRETTY_403_METRICS = [
  '{',
  '  "kind": "Status",',
  '  "apiVersion": "v1",',
  '  "metadata": {},',
  '  "status": "Failure",',
  '  "message": "forbidden: User \\"system:anonymous\\" cannot get path \\"/metrics\\"",',
  '  "reason": "Forbidden",',
  '  "details": {},',
  '  "code": 403',
  '}',
].join('\n');

function lines(body: string): string[] {
  return body.split('\n');
}
function assertRootListing(body: string): void {
  for (const dir of ['bin', 'etc', 'proc', 'usr', 'var']) assert.ok(lines(body).includes(dir), `root listing has ${dir}: ${JSON.stringify(body)}`);
}
/** Splits `curl -w '\n%{http_code}'` output into body and status. */
function withCode(r: ExecResult): { body: string; code: string } {
  const i = r.stdout.lastIndexOf('\n');
  return { body: r.stdout.slice(0, i), code: r.stdout.slice(i + 1) };
}
function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

for (const version of VERSIONS) {
  describe(`system curl and openssl against a ${version} lab`, () => {
    let t: TestLab;
    let cp: LabNode;
    let worker: LabNode;
    let insecure: LabNode;
    let files: LabFiles;
    before(async () => {
      t = await startTestLab({ kubernetesVersion: version, network: NETWORK[version], nodes: 3, nodeProfiles: { '3': 'insecure' } });
      [cp, worker, insecure] = t.plan.nodes as [LabNode, LabNode, LabNode];
      assert.equal(insecure.profile, 'insecure');
      files = t.plan.files;
    });
    after(async () => {
      await t?.stop();
    });

    describe("the seed's kubelet /run command", () => {
      const labDir = (): string => path.dirname(files.adminCert);
      const seedArgs = (node: LabNode): string[] => [
        '-d', 'cmd=ls', '-k', '--cert', 'admin.crt', '--key', 'admin.key',
        `https://${node.ip}:10250/run/kube-system/${kubeProxyPod(node)}/kube-proxy`,
      ];

      it('admin.crt and admin.key sit side by side in the lab dir', () => {
        assert.equal(path.basename(files.adminCert), 'admin.crt');
        assert.equal(files.adminKey, path.join(labDir(), 'admin.key'));
      });

      it(`curl -d cmd=ls -k --cert admin.crt --key admin.key https://<node>:10250/run/kube-system/<kube-proxy pod>/kube-proxy, verbatim → ${version === '1.28' ? '200, the root listing' : '500 as upstream (form body ignored)'}`, async () => {
        for (const node of [cp, worker]) {
          const verbatim = await curl(seedArgs(node), { cwd: labDir() });
          assert.equal(verbatim.code, 0, verbatim.stderr);
          const status = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', ...seedArgs(node)], { cwd: labDir() });
          if (version === '1.28') {
            assertRootListing(verbatim.stdout);
            assert.equal(status.stdout, '200');
          } else {
            assert.ok(!lines(verbatim.stdout).includes('bin'), `1.36 must not honour the form body: ${verbatim.stdout}`);
            assert.equal(status.stdout, '500');
          }
        }
      });

      it("the URL-query form -X POST '…/kube-proxy?cmd=ls' works", async () => {
        const r = await curl(['-s', '-X', 'POST', '-k', '--cert', 'admin.crt', '--key', 'admin.key', '-w', '\n%{http_code}', `https://${worker.ip}:10250/run/kube-system/${kubeProxyPod(worker)}/kube-proxy?cmd=ls`], { cwd: labDir() });
        const { body, code } = withCode(r);
        assert.equal(code, '200');
        assertRootListing(body);
      });

      it('cmd=cat%20/etc/hostname and cmd=id answer from the virtual container', async () => {
        const base = `https://${worker.ip}:10250/run/kube-system/${kubeProxyPod(worker)}/kube-proxy`;
        const host = await curl(['-s', '-X', 'POST', '-k', '--cert', 'admin.crt', '--key', 'admin.key', `${base}?cmd=cat%20/etc/hostname`], { cwd: labDir() });
        // kube-proxy runs with hostNetwork: its /etc/hostname is the node's.
        assert.equal(host.stdout, `${worker.name}\n`);
        const id = await curl(['-s', '-X', 'POST', '-k', '--cert', 'admin.crt', '--key', 'admin.key', `${base}?cmd=id`], { cwd: labDir() });
        assert.ok(id.stdout.startsWith('uid=0(root) gid=0(root)'), id.stdout);
        if (version === '1.36') {
          const form = await curl(['-s', '-d', 'cmd=id', '-k', '--cert', 'admin.crt', '--key', 'admin.key', base], { cwd: labDir() });
          assert.ok(!form.stdout.startsWith('uid=0(root)'), form.stdout);
        }
      });
    });

    describe('curl, one sample per port', () => {
      it('kubelet 10250: anonymous 401 Unauthorized; admin /healthz ok; plain http → 400', async () => {
        const anon = withCode(await curl(['-sk', '-w', '\n%{http_code}', `https://${worker.ip}:10250/pods`]));
        assert.deepEqual(anon, { body: fixture('kubelet.pods-anonymous-401.txt'), code: '401' });
        const admin = withCode(await curl(['-sk', '--cert', files.adminCert, '--key', files.adminKey, '-w', '\n%{http_code}', `https://${worker.ip}:10250/healthz?verbose`]));
        assert.deepEqual(admin, { body: fixture('kubelet.healthz-verbose.txt'), code: '200' });
        const plain = withCode(await curl(['-s', '-w', '\n%{http_code}', `http://${worker.ip}:10250/healthz`]));
        assert.equal(plain.code, '400');
        assert.equal(plain.body.trimEnd(), 'Client sent an HTTP request to an HTTPS server.');
      });

      it('kubelet 10248 (http, node-local): /healthz?verbose is the real 10248 answer', async () => {
        const r = withCode(await curl(['-s', '-w', '\n%{http_code}', `http://${worker.localIp}:10248/healthz?verbose`]));
        assert.deepEqual(r, { body: fixture('kubelet-10248.healthz-verbose.txt'), code: '200' });
      });

      it('kubelet 10255 (insecure node): /healthz ok without credentials', async () => {
        const r = withCode(await curl(['-s', '-w', '\n%{http_code}', `http://${insecure.ip}:10255/healthz`]));
        assert.deepEqual(r, { body: 'ok', code: '200' });
      });

      it('etcd 2379: /health with the healthcheck-client certificate; nothing without one (TLS failure, no HTTP status)', async () => {
        const ok = withCode(await curl(['-s', '--cacert', files.etcdCa, '--cert', files.etcdClientCert, '--key', files.etcdClientKey, '-w', '\n%{http_code}', `https://${cp.ip}:2379/health`]));
        assert.deepEqual(ok, { body: HEALTHY, code: '200' });
        const none = await curl(['-s', '--cacert', files.etcdCa, '-w', '%{http_code}', `https://${cp.ip}:2379/health`]);
        assert.notEqual(none.code, 0);
        assert.equal(none.stdout, '000');
        const admin = await curl(['-s', '--cacert', files.etcdCa, '--cert', files.adminCert, '--key', files.adminKey, '-w', '%{http_code}', `https://${cp.ip}:2379/health`]);
        assert.notEqual(admin.code, 0, 'a cluster-CA certificate is not an etcd client');
        assert.equal(admin.stdout, '000');
      });

      it('etcd 2380: /members with an etcd-CA certificate', async () => {
        const r = withCode(await curl(['-s', '--cacert', files.etcdCa, '--cert', files.etcdClientCert, '--key', files.etcdClientKey, '-w', '\n%{http_code}', `https://${cp.ip}:2380/members`]));
        assert.equal(r.code, '200');
        assert.equal((JSON.parse(r.body) as { name: string }[])[0]?.name, cp.name);
      });

      it('etcd 2381 (http, node-local): /health', async () => {
        const r = withCode(await curl(['-s', '-w', '\n%{http_code}', `http://${cp.localIp}:2381/health`]));
        assert.deepEqual(r, { body: HEALTHY, code: '200' });
      });

      it('kube-proxy 10249 /proxyMode and 10256 /healthz', async () => {
        assert.deepEqual(withCode(await curl(['-s', '-w', '\n%{http_code}', `http://${worker.localIp}:10249/proxyMode`])), { body: 'iptables', code: '200' });
        const h = withCode(await curl(['-s', '-w', '\n%{http_code}', `http://${worker.ip}:10256/healthz`]));
        assert.equal(h.code, '200');
        if (version === '1.28') assert.match(h.body, /^\{"lastUpdated": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC m=\+\d+\.\d{9}","currentTime": "[^"]+", "nodeEligible": true\}$/);
        else assert.match(h.body, /^\{"lastUpdated":"[^"]+","currentTime":"[^"]+","nodeEligible":true,"healthy":true,"status":\{"IPv4":\{"lastUpdated":"[^"]+","healthy":true\}\}\}\n?$/);
      });

      it('kube-controller-manager 10257: anonymous /configz is the real HTTP/2 403, headers and body byte for byte', async () => {
        const r = await curl(['-sk', '-D', '-', `https://${cp.localIp}:10257/configz`]);
        assert.equal(r.code, 0, r.stderr);
        const split = r.stdout.indexOf('\r\n\r\n');
        assert.ok(split > 0, r.stdout);
        const head = r.stdout.slice(0, split).split('\r\n');
        const body = r.stdout.slice(split + 4);
        const realHead = fixture('controller-manager.configz-anonymous-403.headers').replace(/\n+$/, '').split('\n');
        const noDate = (l: string[]): string[] => l.filter((h) => !/^date: /i.test(h));
        assert.deepEqual(noDate(head), noDate(realHead));
        assert.ok(head.some((h) => /^date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/.test(h)), head.join('\n'));
        assert.equal(body, fixture('controller-manager.configz-anonymous-403.json'));
        assert.deepEqual(withCode(await curl(['-sk', '-w', '\n%{http_code}', `https://${cp.localIp}:10257/healthz`])), { body: 'ok', code: '200' });
      });

      it('kube-scheduler 10259: /healthz?verbose (real bytes) anonymous; /configz with the admin certificate', async () => {
        assert.deepEqual(withCode(await curl(['-sk', '-w', '\n%{http_code}', `https://${cp.localIp}:10259/healthz?verbose`])), { body: fixture('scheduler.healthz-verbose.txt'), code: '200' });
        const cfg = withCode(await curl(['-sk', '--cert', files.adminCert, '--key', files.adminKey, '-w', '\n%{http_code}', `https://${cp.localIp}:10259/configz`]));
        assert.equal(cfg.code, '200');
        assert.ok(cfg.body.startsWith('{"componentconfig":{'), cfg.body.slice(0, 80));
      });

      it('kube-apiserver 6443: /healthz verified with the cluster CA; anonymous /metrics 403 (pretty Status); admin node proxy → PodList', async () => {
        assert.deepEqual(withCode(await curl(['-s', '--cacert', files.ca, '-w', '\n%{http_code}', `https://${cp.ip}:6443/healthz`])), { body: 'ok', code: '200' });
        assert.deepEqual(withCode(await curl(['-s', '--cacert', files.ca, '-w', '\n%{http_code}', `https://${cp.ip}:6443/metrics`])), { body: PRETTY_403_METRICS, code: '403' });
        const pods = withCode(await curl(['-s', '--cacert', files.ca, '--cert', files.adminCert, '--key', files.adminKey, '-w', '\n%{http_code}', `https://${cp.ip}:6443/api/v1/nodes/${worker.name}/proxy/pods`]));
        assert.equal(pods.code, '200');
        assert.ok(pods.body.startsWith('{"kind":"PodList","apiVersion":"v1","metadata":{},"items":['), pods.body.slice(0, 80));
      });
    });

    describe('openssl s_client', () => {
      it('etcd 2379 without a certificate: TLS 1.2 handshake fails with an alert', async () => {
        const r = await openssl(['s_client', '-connect', `${cp.ip}:2379`, '-tls1_2', '-CAfile', files.etcdCa]);
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stderr, /alert|handshake failure/i);
      });

      it('etcd 2379 without a certificate: TLS 1.3 gets an alert instead of any HTTP answer', async () => {
        const r = await openssl(['s_client', '-connect', `${cp.ip}:2379`, '-tls1_3', '-CAfile', files.etcdCa, '-quiet'], { input: HTTP_GET('/health') });
        assert.ok(!r.stdout.includes('HTTP/1.1'), r.stdout);
        assert.match(`${r.stderr}\n${r.stdout}`, /alert|certificate required/i);
      });

      it('etcd 2379 and 2380 with the etcd client certificate: verified handshake, then HTTP', async () => {
        for (const port of [2379, 2380]) {
          const p = port === 2379 ? '/health' : '/version';
          const tlsArgs = ['s_client', '-connect', `${cp.ip}:${port}`, '-CAfile', files.etcdCa, '-verify_return_error', '-cert', files.etcdClientCert, '-key', files.etcdClientKey];
          const info = await openssl(tlsArgs);
          assert.equal(info.code, 0, info.stderr);
          assert.ok(info.stdout.includes('Verify return code: 0 (ok)'), info.stdout);
          const r = await openssl([...tlsArgs, '-quiet'], { input: HTTP_GET(p) });
          assert.ok(r.stdout.startsWith('HTTP/1.1 200 OK\r\n'), r.stdout);
          if (port === 2379) assert.ok(r.stdout.endsWith(`\r\n\r\n${HEALTHY}`), r.stdout);
        }
      });

      it('etcd 2380 without a certificate: handshake fails', async () => {
        const r = await openssl(['s_client', '-connect', `${cp.ip}:2380`, '-tls1_2']);
        assert.notEqual(r.code, 0, r.stdout);
      });

      it('kubelet 10250 without a certificate: handshake succeeds (RequestClientCert), CA names requested, then 401', async () => {
        const info = await openssl(['s_client', '-connect', `${worker.ip}:10250`, '-showcerts']);
        assert.equal(info.code, 0, info.stderr);
        assert.ok(info.stdout.includes('Acceptable client certificate CA names'), info.stdout);
        assert.equal(count(info.stdout, '-----BEGIN CERTIFICATE-----'), 2);
        assert.match(info.stdout, new RegExp(`subject=CN ?= ?${worker.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@\\d+`));
        const r = await openssl(['s_client', '-connect', `${worker.ip}:10250`, '-quiet'], { input: HTTP_GET('/pods') });
        assert.ok(r.stdout.startsWith('HTTP/1.1 401 Unauthorized\r\n'), r.stdout);
        assert.ok(r.stdout.endsWith('\r\n\r\nUnauthorized'), r.stdout.slice(-200));
      });

      for (const [name, port] of [['kube-controller-manager', 10257], ['kube-scheduler', 10259]] as const) {
        it(`${name} ${port}: handshake without a certificate, ALPN h2, self-signed localhost@<time> pair, anonymous /healthz`, async () => {
          const alpn = await openssl(['s_client', '-connect', `${cp.localIp}:${port}`, '-alpn', 'h2,http/1.1', '-showcerts']);
          assert.equal(alpn.code, 0, alpn.stderr);
          assert.ok(alpn.stdout.includes('ALPN protocol: h2'), alpn.stdout);
          assert.equal(count(alpn.stdout, '-----BEGIN CERTIFICATE-----'), 2);
          assert.match(alpn.stdout, /subject=CN ?= ?localhost@\d+/);
          const r = await openssl(['s_client', '-connect', `${cp.localIp}:${port}`, '-alpn', 'http/1.1', '-quiet'], { input: HTTP_GET('/healthz') });
          assert.ok(r.stdout.startsWith('HTTP/1.1 200 OK\r\n'), r.stdout);
          assert.ok(r.stdout.endsWith('\r\n\r\nok'), r.stdout.slice(-200));
        });
      }

      it('kube-apiserver 6443: verified against the cluster CA; anonymous /healthz ok', async () => {
        const info = await openssl(['s_client', '-connect', `${cp.ip}:6443`, '-CAfile', files.ca, '-verify_return_error']);
        assert.equal(info.code, 0, info.stderr);
        assert.ok(info.stdout.includes('Verify return code: 0 (ok)'), info.stdout);
        const r = await openssl(['s_client', '-connect', `${cp.ip}:6443`, '-CAfile', files.ca, '-verify_return_error', '-quiet'], { input: HTTP_GET('/healthz') });
        assert.ok(r.stdout.startsWith('HTTP/1.1 200 OK\r\n'), r.stdout);
        assert.ok(r.stdout.endsWith('\r\n\r\nok'), r.stdout.slice(-200));
      });
    });
  });
}
