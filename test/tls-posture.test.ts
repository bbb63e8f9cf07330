// TLS posture on the wire: one lab per version with an insecure control-plane node and a hardened worker, hunted by
// IP with the lab's CA. The insecure node's ports take TLS 1.0 (--tls-min-version lowered) and Go's default suites;
// its controller manager and scheduler, bound to every address, serve their localhost certificate on the node IP; its
// kubelet's self-generated certificate does not chain to the cluster CA while the API server (kubeadm's flags) verifies
// no kubelet. The hardened worker shows none of it. Expected findings are written by hand from the profiles and from
// Go's default suites; `openssl s_client` checks the 1.28 kubelets from outside.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLab, type Lab } from '../src/lab/index.ts';
import { hunt } from '../src/pipelines/hunt.ts';
import { certificateIdentity } from '../src/clients/identity.ts';
import type { Report, Target } from '../src/model/index.ts';

type Version = '1.28' | '1.31' | '1.36';
const NETWORK = 20; // a network no other suite uses (serve.test.ts has 15)
const RULES = new Set(['KIA-TLS-003', 'KIA-TLS-004', 'KIA-TLS-005', 'KIA-KUBELET-008']);

// The weak suite each Go picks first when offered only weak ones: an ECDHE CBC suite in every Go (the lab's keys are ECDSA; Go's preference
// order puts them before RSA key exchange and 3DES).
const CP = 'kia-control-plane';
const EXPECTED = (version: Version): string[] => {
  const apiserverFlags = 'GET https://{cp}:6443/flagz as admin';
  return [
    `KIA-KUBELET-008 ${CP} 10250 serving certificate CN=${CP}@N (issuer CN=${CP}-ca@N) does not chain to the CA given; ${version === '1.36' ? `the API server sets no --kubelet-certificate-authority (${apiserverFlags}): it verifies no kubelet (CIS 1.2.5 fails)` : 'whether the API server verifies kubelets is not known (CIS 1.2.5: its /flagz or command line was not read)'}`,
    `KIA-TLS-003 ${CP} 6443 a hello offering only TLS 1.0 and 1.1 was accepted with TLSv1.1`,
    `KIA-TLS-003 ${CP} 10250 a hello offering only TLS 1.0 and 1.1 was accepted with TLSv1.1`,
    `KIA-TLS-003 ${CP} 10257 a hello offering only TLS 1.0 and 1.1 was accepted with TLSv1.1`,
    `KIA-TLS-003 ${CP} 10259 a hello offering only TLS 1.0 and 1.1 was accepted with TLSv1.1`,
    `KIA-TLS-004 ${CP} 2379 offered only weak TLS 1.2 suites, it chose TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA`,
    `KIA-TLS-004 ${CP} 2380 offered only weak TLS 1.2 suites, it chose TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA`,
    `KIA-TLS-004 ${CP} 6443 offered only weak TLS 1.2 suites, it chose TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA`,
    `KIA-TLS-004 ${CP} 10250 offered only weak TLS 1.2 suites, it chose TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA`,
    `KIA-TLS-004 ${CP} 10257 offered only weak TLS 1.2 suites, it chose TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA`,
    `KIA-TLS-004 ${CP} 10259 offered only weak TLS 1.2 suites, it chose TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA`,
    `KIA-TLS-005 ${CP} 10257 certificate CN=localhost@N covers DNS:localhost, IP:127.0.0.1, IP:{cp-local}, not {cp} or ${CP}`,
    `KIA-TLS-005 ${CP} 10259 certificate CN=localhost@N covers DNS:localhost, IP:127.0.0.1, IP:{cp-local}, not {cp} or ${CP}`,
  ].sort();
};

/** The posture findings, one line each, with the node's IP and the unix times of self-generated names made literal. */
function lines(report: Report | undefined, cp: { ip: string; localIp: string }): string[] {
  return (report?.findings ?? [])
    .filter((f) => RULES.has(f.rule))
    .map((f) => `${f.rule} ${f.node ?? f.host} ${f.port} ${f.message}`.replaceAll(cp.localIp, '{cp-local}').replaceAll(cp.ip, '{cp}').replace(/@\d+/g, '@N'))
    .sort();
}

function openssl(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', ...args], { timeout: 20_000 }, (error, stdout) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout }));
    child.stdin?.end();
  });
}

for (const version of ['1.28', '1.31', '1.36'] as const) {
  describe(`TLS posture rules at ${version}`, () => {
    let report: Report | undefined;
    let cp = { ip: '', localIp: '' };
    let workerIp = '';
    const outside: Record<string, { code: number; stdout: string }> = {};
    before(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-tls-'));
      let lab: Lab | undefined;
      try {
        lab = await startLab({ dir, nodes: 2, profile: 'insecure', nodeProfiles: { '2': 'hardened' }, network: NETWORK, kubernetesVersion: version, inProcess: true });
        cp = { ip: lab.plan.nodes[0]?.ip ?? '', localIp: lab.plan.nodes[0]?.localIp ?? '' };
        workerIp = lab.plan.nodes[1]?.ip ?? '';
        const targets: Target[] = lab.plan.nodes.map((n) => ({ host: n.ip, address: n.ip, source: 'argument' as const, node: n.name }));
        const admin = certificateIdentity(lab.plan.files.adminCert, lab.plan.files.adminKey, 'admin');
        report = await hunt({ targets, identities: [admin], trust: { ca: fs.readFileSync(lab.plan.files.ca, 'utf8') } });
        // TLS 1.3 from a client whose first choice is AES-256: Go's server answers with its own first, AES-128.
        outside.tls13kubelet = await openssl(['-connect', `${workerIp}:10250`, '-tls1_3']);
        outside.tls13apiserver = await openssl(['-connect', `${cp.ip}:6443`, '-tls1_3']);
        if (version === '1.28') {
          for (const [name, ip] of [['insecure', cp.ip], ['hardened', workerIp]] as const) {
            outside[name] = await openssl(['-connect', `${ip}:10250`, '-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']);
          }
        }
      } finally {
        await lab?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('finds old versions, weak suites, uncovered addresses and the foreign kubelet certificate on the insecure node', () => {
      assert.deepEqual(lines(report, cp).filter((l) => l.split(' ')[1] === CP), EXPECTED(version));
    });

    it('finds none of them on the hardened node, whose posture the hunt did see', () => {
      assert.deepEqual(lines(report, cp).filter((l) => l.split(' ')[1] !== CP), []);
      const kubelet = report?.endpoints.find((e) => e.address === workerIp && e.port === 10250);
      assert.equal(kubelet?.tls?.posture?.legacyVersion.accepted, null);
      assert.equal(kubelet?.tls?.posture?.weakSuite.accepted, null);
      assert.equal(kubelet?.tls?.chainVerified, true);
    });

    it('TLS 1.3 is negotiated as Go does on AES hardware: TLS_AES_128_GCM_SHA256 for a client that lists AES-256 first', () => {
      assert.match(outside.tls13kubelet?.stdout ?? '', /New, TLSv1\.3, Cipher is TLS_AES_128_GCM_SHA256\n/);
      assert.match(outside.tls13apiserver?.stdout ?? '', /New, TLSv1\.3, Cipher is TLS_AES_128_GCM_SHA256\n/);
    });

    if (version === '1.28') {
      it('openssl s_client -tls1 connects to the insecure kubelet and not to the hardened one', () => {
        assert.equal(outside.insecure?.code, 0);
        assert.match(outside.insecure?.stdout ?? '', /Protocol *: TLSv1\n/);
        assert.notEqual(outside.hardened?.code, 0);
      });
    }
  });
}
