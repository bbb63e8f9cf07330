// `kia hunt --cis` against labs over real sockets: each CIS item kia judges fails on the insecure profile and passes
// on the hardened one, for 1.28 (cis-1.10), 1.31 (cis-1.11) and 1.36 (cis-1.12, newer than the newest benchmark), with
// the source that proved it; without a credential the /configz items are "not verified" with what would verify them.
// The expected tables are written by hand from the profiles' settings (src/lab/plan/profiles.ts).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLab, type Lab } from '../src/lab/index.ts';
import { hunt } from '../src/pipelines/hunt.ts';
import { certificateIdentity } from '../src/clients/identity.ts';
import type { CisReport, Report, Target } from '../src/model/index.ts';
import { oneStderrLine, requestAs, runKia } from './helpers.ts';

type Version = '1.28' | '1.31' | '1.36';
// One network for the whole file: each lab is stopped as soon as it has been hunted, before the next starts.
const NETWORK = 14; // a network no other suite uses
const BENCHMARK: Record<Version, string> = { '1.28': 'cis-1.10', '1.31': 'cis-1.11', '1.36': 'cis-1.12' };

// The items that read the same at every version: item, insecure, hardened. The insecure etcd asks for no client
// certificate, so it trusts no CA for clients (2.7); the hardened one asks for CN=etcd-ca, not CN=kubernetes. eventRecordQPS (4.2.8) cannot be
// negative in a kubelet that starts, so it passes everywhere; the hardened kube-proxy's metrics port (4.3.1) listens
// on the node's loopback, where the hunt of the node-local address reads its /configz.
const SAME_IN_EVERY_VERSION: Record<string, [string, string]> = Object.fromEntries(
  `
1.3.1   pass configz   pass configz
1.3.2   fail configz   pass configz
1.3.3   pass configz   pass configz
1.3.4   pass configz   pass configz
1.3.5   pass configz   pass configz
1.4.1   fail configz   pass configz
2.1     pass wire      pass wire
2.2     fail wire      pass wire
2.3     pass wire      pass wire
2.4     pass wire      pass wire
2.5     fail wire      pass wire
2.6     pass wire      pass wire
2.7     fail wire      pass wire
4.2.1   fail configz   pass configz
4.2.2   fail configz   pass configz
4.2.3   pass configz   pass configz
4.2.4   fail configz   pass configz
4.2.5   fail configz   pass configz
4.2.6   fail configz   pass configz
4.2.8   pass configz   pass configz
4.2.9   fail wire      pass wire
4.2.10  fail configz   pass configz
4.2.11  fail configz   pass configz
4.2.12  fail configz   pass configz
4.2.13  fail configz   pass configz
4.2.14  fail configz   pass configz
4.3.1   fail configz   pass configz
`.trim().split('\n').map((row) => {
    const [id = '', insecure, hardened] = row.split(/ {2,}/);
    return [id, [insecure ?? '', hardened ?? '']];
  }),
);

// Per item, what the insecure and the hardened profile show, as `status source`. Insecure: anonymous + AlwaysAllow
// kubelet with the read-only port, no rotation, idle streams kept forever, no iptables chains, no PID limit, no seccomp
// default, Go's default ciphers; controller manager and scheduler with profiling on and bound to every address;
// kube-proxy metrics on every address; etcd TLS without client certificates. Hardened: every item passes but the two
// the lab keeps from kubeadm in every profile (1.2.1, 1.2.5).
const EXPECTED = (version: Version): Record<string, [insecure: string, hardened: string]> => {
  const flagz = version === '1.36';
  return {
    // The API server keeps kubeadm's anonymous authentication and, like kubeadm's, does not verify the kubelets'
    // certificates in every profile. Its flags are /flagz's from 1.36 and nothing on the wire before: the Node and
    // RBAC authorizers (1.2.6-1.2.8) and the key and CA files (1.2.22-1.2.26) pass where seen.
    '1.2.1': [flagz ? 'fail flagz' : 'fail wire', flagz ? 'fail flagz' : 'fail wire'],
    '1.2.5': [flagz ? 'fail flagz' : 'not-verified', flagz ? 'fail flagz' : 'not-verified'],
    ...Object.fromEntries(['1.2.6', '1.2.7', '1.2.8', '1.2.22', '1.2.23', '1.2.24', '1.2.25', '1.2.26'].map((id) => [id, [flagz ? 'pass flagz' : 'not-verified', flagz ? 'pass flagz' : 'not-verified']])),
    // Profiling: the pprof index answers the admin (200) or is gone (404) before 1.36.
    '1.2.15': [flagz ? 'fail flagz' : 'fail wire', flagz ? 'pass flagz' : 'pass wire'],
    // The bind address: /flagz says it at 1.36. Before, a port answering from the network proves a failure, and a
    // loopback-only port shows nothing of its flags: not verified without the node's command line.
    '1.3.7': [flagz ? 'fail flagz' : 'fail wire', flagz ? 'pass flagz' : 'not-verified'],
    // The API server's admission, audit, token, timeout and encryption flags. Insecure: AlwaysAdmit on,
    // NamespaceLifecycle and ServiceAccount disabled, no NodeRestriction, the lab's static token file, no audit log,
    // no encryption, service-account lookup off, token lifetimes extended (the default). Hardened: NodeRestriction,
    // AlwaysPullImages, EventRateLimit and DenyServiceExternalIPs, no token file, audit log kept 30 days in 10 files of
    // 100 MB with a policy, aescbc encryption, lifetimes not extended. Both keep the default request timeout (1m0s) and
    // the kubelet client certificate. Before 1.36 nothing on the wire shows these flags.
    ...Object.fromEntries(['1.2.2', '1.2.3', '1.2.9', '1.2.10', '1.2.11', '1.2.12', '1.2.13', '1.2.14', '1.2.16', '1.2.17', '1.2.18', '1.2.19', '1.2.21', '1.2.27', '1.2.30', '3.2.1'].map((id) => [id, [flagz ? 'fail flagz' : 'not-verified', flagz ? 'pass flagz' : 'not-verified']])),
    ...Object.fromEntries(['1.2.4', '1.2.20'].map((id) => [id, [flagz ? 'pass flagz' : 'not-verified', flagz ? 'pass flagz' : 'not-verified']])),
    // Without a configuration nothing is encrypted; with one, the provider is in the file, which the wire never shows.
    '1.2.28': [flagz ? 'fail flagz' : 'not-verified', 'not-verified'],
    // Go's default suites on the insecure API server, the benchmark's on the hardened one: /flagz says so at 1.36,
    // before it a TLS 1.2 hello offering only weak suites is accepted or refused.
    '1.2.29': [flagz ? 'fail flagz' : 'fail wire', flagz ? 'pass flagz' : 'pass wire'],
    // The insecure controller manager turns kubelet serving-certificate rotation off; the kubelet's --hostname-override
    // is the lab's node name on insecure and absent on hardened. Both flag-only: /flagz at 1.36, nothing before.
    '1.3.6': [flagz ? 'fail flagz' : 'not-verified', flagz ? 'pass flagz' : 'not-verified'],
    '4.2.7': [flagz ? 'fail flagz' : 'not-verified', flagz ? 'pass flagz' : 'not-verified'],
    '1.4.2': [flagz ? 'fail flagz' : 'fail wire', flagz ? 'pass flagz' : 'not-verified'],
    ...SAME_IN_EVERY_VERSION,
  };
};

/** One profile's column of EXPECTED; cis-1.10 has no 1.2.30 and no 4.2.14. */
function expected(version: Version, column: 0 | 1): Record<string, string> {
  return Object.fromEntries(Object.entries(EXPECTED(version)).filter(([id]) => version !== '1.28' || (id !== '4.2.14' && id !== '1.2.30')).map(([id, pair]) => [id, pair[column]]));
}

/** On the control-plane node: item -> `status source`. */
function table(cis: CisReport | undefined, node: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of cis?.results ?? []) if (r.node === node) out[r.item] = `${r.status}${r.source ? ` ${r.source}` : ''}`;
  return out;
}


/** The node's IP and its node-local address, as a hunt on the node itself reaches it. */
function nodeTargets(lab: Lab): Target[] {
  return lab.plan.nodes.flatMap((n) => [
    { host: n.name, address: n.ip, source: 'argument' as const, node: n.name },
    { host: n.name, address: n.localIp, source: 'argument' as const, node: n.name, loopback: true },
  ]);
}

for (const version of ['1.28', '1.31', '1.36'] as const) {
  describe(`kia hunt --cis at ${version}`, () => {
    const addresses: string[] = [];
    const reports: Record<'insecure' | 'hardened' | 'anonymous', Report | undefined> = { insecure: undefined, hardened: undefined, anonymous: undefined };
    const tokenStatus: Record<string, number | undefined> = {};
    before(async () => {
      for (const profile of ['insecure', 'hardened'] as const) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-cis-'));
        let lab: Lab | undefined;
        try {
          lab = await startLab({ dir, nodes: 1, profile, network: NETWORK, kubernetesVersion: version, inProcess: true });
          addresses.push(lab.plan.nodes[0]?.ip ?? '');
          const trust = { ca: fs.readFileSync(lab.plan.files.ca, 'utf8') };
          const admin = certificateIdentity(lab.plan.files.adminCert, lab.plan.files.adminKey, 'admin');
          reports[profile] = await hunt({ targets: nodeTargets(lab), identities: [admin], trust, cis: {} });
          tokenStatus[profile] = (await requestAs(lab.plan.files, 'admin-token', { url: `https://${lab.plan.nodes[0]?.ip}:6443/api`, ca: lab.plan.files.ca })).status;
          if (profile === 'hardened') reports.anonymous = await hunt({ targets: nodeTargets(lab), trust, cis: {} });
        } finally {
          await lab?.stop();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
    });

    it(`picks ${BENCHMARK[version]} from the version the API server reports`, () => {
      assert.equal(reports.insecure?.cis?.benchmark, BENCHMARK[version]);
      assert.equal(reports.insecure?.cis?.kubernetesVersion, version);
      if (version === '1.36') assert.match(reports.insecure?.cis?.basis ?? '', /^Kubernetes 1\.36 is newer than every benchmark: judged by the newest, cis-1\.12, written for 1\.32, 1\.33, 1\.34; version seen: kube-apiserver on /);
    });

    it('fails every item the insecure profile breaks, each with its source', () => {
      assert.deepEqual(table(reports.insecure?.cis, 'kia-control-plane'), expected(version, 0));
    });

    it('passes them on the hardened profile', () => {
      assert.deepEqual(table(reports.hardened?.cis, 'kia-control-plane'), expected(version, 1));
    });

    it('takes the static admin token only where the command line names a token file (1.2.2)', () => {
      // Authentication refuses a bearer token no authenticator knows: 401 on the hardened API server.
      assert.deepEqual(tokenStatus, { insecure: 200, hardened: 401 });
    });

    it('says "not verified" with the credential that would verify, when kia has none', () => {
      const results = reports.anonymous?.cis?.results.filter((r) => r.node === 'kia-control-plane') ?? [];
      const readOnly = results.find((r) => r.item === '4.2.4');
      assert.equal(readOnly?.status, 'not-verified');
      // The kubelet serves /flagz from 1.36 (ComponentFlagz on by default); before, it is a 404 and not a refusal.
      assert.equal(readOnly?.detail, version === '1.36' ? 'nothing decides it (/configz: 401 to anonymous; /flagz: 401 to anonymous)' : 'nothing decides it (/configz: 401 to anonymous)');
      assert.match(readOnly?.needs ?? '', /^a credential the kubelet authorises for nodes\/proxy \(or nodes\/configz from 1\.33\) to read \/configz on 10250/);
      // The controller manager authorises every path before it routes: /flagz is a 403 too, served or not.
      assert.equal(results.find((r) => r.item === '1.3.2')?.detail, 'nothing decides it (/configz: 403 to anonymous; /flagz: 403 to anonymous)');
      // The wire still proves what it can without a credential.
      assert.equal(results.find((r) => r.item === '4.2.1')?.detail, 'anonymous GET /pods on the kubelet answered 401: authentication refuses it');
      assert.equal(results.find((r) => r.item === '2.2')?.status, 'pass');
      assert.ok(results.every((r) => r.status !== 'pass' || r.source !== undefined));
    });

    it('shows the running values with their source, and no drift on an unchanged lab', () => {
      const kubelet = reports.insecure?.cis?.effective.find((c) => c.component === 'kubelet');
      // AlwaysAllow: the insecure kubelet gives its configuration to anyone, and that is the first answer kia read.
      assert.deepEqual(kubelet?.values.readOnlyPort, { value: 10255, source: 'configz', from: `GET https://${addresses[0]}:10250/configz as anonymous` });
      const hardened = reports.hardened?.cis?.effective.find((c) => c.component === 'kubelet');
      assert.deepEqual(hardened?.values.readOnlyPort, { value: 0, source: 'configz', from: `GET https://${addresses[1]}:10250/configz as admin`, omitted: true });
      assert.deepEqual(reports.insecure?.cis?.effective.flatMap((c) => c.drift), []);
    });
  });
}

describe('drift on a lab whose components run as their own processes', () => {
  let lab: Lab | undefined;
  let dir = '';
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-cis-drift-'));
    lab = await startLab({ dir, nodes: 1, profile: 'kubeadm', network: NETWORK, kubernetesVersion: '1.31' });
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // A hunt on the node itself: /proc gives the kubelet's command line and config file, /configz its running values.
  const huntHere = async (l: Lab) => hunt({ targets: [], local: true, identities: [certificateIdentity(l.plan.files.adminCert, l.plan.files.adminKey, 'admin')], trust: { ca: fs.readFileSync(l.plan.files.ca, 'utf8') }, cis: {} });

  it('kia hunt --cis prints the section and puts it in the JSON report; --kubernetes-version picks the benchmark', async () => {
    assert.ok(lab);
    const creds = ['--cert', lab.plan.files.adminCert, '--key', lab.plan.files.adminKey, '--cacert', lab.plan.files.ca];
    const text = await runKia(['hunt', '--lab', dir, '--cis', '--no-color', ...creds], { env: { ...process.env, NO_COLOR: '1' }, timeoutMs: 120_000 });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /\nCIS Kubernetes Benchmark\n {2}cis-1\.11: Kubernetes 1\.31 is covered by cis-1\.11 \(written for 1\.29, 1\.30, 1\.31\); version seen:/);
    assert.match(text.stdout, /\n {4}PASS +4\.2\.4 The kubelet read-only port is off \[configz\]\n/);
    const json = await runKia(['hunt', '--lab', dir, '--cis', '--kubernetes-version', '1.28', '-o', 'json', ...creds], { timeoutMs: 120_000 });
    assert.equal(json.code, 0, json.stderr);
    const cis = (JSON.parse(json.stdout) as Report).cis;
    assert.equal(cis?.benchmark, 'cis-1.10');
    assert.equal(cis?.basis, 'Kubernetes 1.28 is covered by cis-1.10 (written for 1.28); version given');
    assert.equal(oneStderrLine(await runKia(['hunt', '--lab', dir, '--cis', '--kubernetes-version', 'latest'])), 'kia: --kubernetes-version latest: not a Kubernetes version (1.31, v1.31.4)');
    assert.equal(oneStderrLine(await runKia(['hunt', '--lab', dir, '--kubernetes-version', '1.31'])), 'kia: --kubernetes-version picks the CIS Benchmark: give --cis too');
  });

  it("judges kubeadm's API server, controller manager and kubelet flags from their command lines (--local, 1.31)", async () => {
    assert.ok(lab);
    const report = await huntHere(lab);
    const apiserver = lab.plan.processes.find((p) => p.name === 'kube-apiserver');
    const got = Object.fromEntries((report.cis?.results ?? []).filter((r) => ['kube-apiserver', 'kube-controller-manager', 'kubelet'].includes(r.component)).map((r) => [r.item, `${r.status}${r.source ? ` ${r.source}` : ''}`]));
    // kubeadm: NodeRestriction only, no audit log, no encryption, Go's default suites, the defaults for timeouts and
    // service-account tokens (lookup on, lifetimes extended); the lab's static token file; the kubelet named by
    // --hostname-override (its node name is not the machine's hostname); the rotation gate left at its default.
    const want: Record<string, string> = {
      '1.2.2': 'fail cmdline', '1.2.3': 'fail cmdline', '1.2.4': 'pass cmdline', '1.2.9': 'fail cmdline', '1.2.10': 'pass cmdline', '1.2.11': 'fail cmdline',
      '1.2.12': 'pass cmdline', '1.2.13': 'pass cmdline', '1.2.14': 'pass cmdline', '1.2.16': 'fail cmdline', '1.2.17': 'fail cmdline', '1.2.18': 'fail cmdline',
      '1.2.19': 'fail cmdline', '1.2.20': 'pass cmdline', '1.2.21': 'pass cmdline', '1.2.27': 'fail cmdline', '1.2.28': 'fail cmdline', '1.2.29': 'fail cmdline',
      '1.2.30': 'fail cmdline', '3.2.1': 'fail cmdline', '1.3.6': 'pass cmdline', '4.2.7': 'fail cmdline',
    };
    assert.deepEqual(Object.fromEntries(Object.keys(want).map((id) => [id, got[id]])), want);
    const detail = (id: string) => report.cis?.results.find((r) => r.item === id)?.detail;
    assert.equal(detail('1.2.14'), `enable-admission-plugins=NodeRestriction, disable-admission-plugins=(none), from pid ${apiserver?.pid} command line: NodeRestriction runs`);
    assert.equal(detail('1.2.17'), `audit-log-maxage=0 (flag not given: the default), from pid ${apiserver?.pid} command line: under 30`);
    assert.equal(detail('1.2.30'), `service-account-extend-token-expiration=true (flag not given: the default), from pid ${apiserver?.pid} command line: projected tokens are stretched to a year`);
  });

  it('finds none on an unchanged lab, and the drift after `drift readOnlyPort=10255`, with the file that says otherwise', async () => {
    assert.ok(lab);
    const before = await huntHere(lab);
    assert.deepEqual(before.findings.filter((f) => f.rule === 'KIA-ANY-006'), []);
    assert.equal(before.cis?.results.find((r) => r.item === '4.2.4')?.status, 'pass');
    await lab.fault('kia-control-plane', 'kubelet', 'drift:readOnlyPort=10255');
    const after = await huntHere(lab);
    const file = path.join(dir, 'nodes/kia-control-plane/var/lib/kubelet/config.yaml');
    const drift = after.findings.filter((f) => f.rule === 'KIA-ANY-006');
    // The kubelet serves 10250 on the node IP and the node-local address: the finding stands on each endpoint.
    const node = lab.plan.nodes[0];
    assert.deepEqual(drift.map((f) => [f.address, f.port, f.route, f.message]).sort(), [
      [node?.ip, 10250, '/configz', `readOnlyPort runs as 10255 (configz) but ${file} says 0`],
      [node?.localIp, 10250, '/configz', `readOnlyPort runs as 10255 (configz) but ${file} says 0`],
    ]);
    // The running value is what the benchmark judges: the file would pass, the kubelet does not.
    assert.deepEqual(after.cis?.results.filter((r) => r.item === '4.2.4').map((r) => [r.status, r.source, r.detail]), [['fail', 'configz', `readOnlyPort=10255, from GET https://${node?.ip}:10250/configz as admin`]]);
    assert.deepEqual(after.cis?.effective.flatMap((c) => c.drift.map((d) => `${c.component} ${d.setting} ${JSON.stringify(d.running.value)} ${d.declared.source}`)), ['kubelet readOnlyPort 10255 file']);
    await lab.fault('kia-control-plane', 'kubelet', 'clear');
  });

  it('finds drift on the controller manager too: /configz says profiling is off, its command line leaves it on', async () => {
    assert.ok(lab);
    await lab.fault('kia-control-plane', 'kube-controller-manager', 'drift:Generic.Debugging.EnableProfiling=false');
    const after = await huntHere(lab);
    const kcm = lab.plan.processes.find((p) => p.name === 'kube-controller-manager');
    const node = lab.plan.nodes[0];
    assert.deepEqual(after.findings.filter((f) => f.rule === 'KIA-ANY-006').map((f) => [f.address, f.port, f.message]), [
      [node?.localIp, 10257, `profiling runs as false (configz) but pid ${kcm?.pid} command line says true`],
    ]);
    // The running value is judged: 1.3.2 passes while the restart that would turn profiling back on is pending.
    assert.deepEqual(after.cis?.results.filter((r) => r.item === '1.3.2').map((r) => [r.status, r.source]), [['pass', 'configz']]);
    await lab.fault('kia-control-plane', 'kube-controller-manager', 'clear');
  });
});
