// kia hunt against Debian's real etcd, through a kubeconfig, on the local node, and as a command with exit codes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startLab, type Lab } from '../src/lab/index.ts';
import { hunt } from '../src/pipelines/hunt.ts';
import { targetsFromKubeconfig, targetsFromLab } from '../src/targets/index.ts';
import { renderText } from '../src/report/index.ts';
import type { Report } from '../src/model/index.ts';

/** Validates a SARIF log against the published 2.1.0 schema (as shipped in @microsoft/jest-sarif). */
function assertValidSarif(log: unknown): void {
  const require = createRequire(import.meta.url);
  const Ajv = require('ajv-draft-04');
  const addFormats = require('ajv-formats');
  const ajv = new Ajv({ strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const schema = JSON.parse(fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  assert.ok(ajv.validate(schema, log), JSON.stringify(ajv.errors?.slice(0, 3)));
}

const etcdFindings = (report: Report) => report.findings.filter((f) => f.rule.startsWith('KIA-ETCD-')).map((f) => `${f.rule}@${f.port}`).sort();

// Hand-written: what a remote hunt of the control-plane node IP must say about a real etcd 3.4, per profile.
const REAL_ETCD: [string, number, string[]][] = [
  ['insecure', 41, ['KIA-ETCD-002@2379', 'KIA-ETCD-002@2380', 'KIA-ETCD-003@2379']],
  ['insecure-http-etcd', 42, ['KIA-ETCD-001@2379', 'KIA-ETCD-001@2380', 'KIA-ETCD-003@2379']],
  ['kubeadm', 43, []],
];

for (const [profile, network, expected] of REAL_ETCD) {
  describe(`hunt Debian's real etcd (${profile})`, () => {
    let lab: Lab;
    let dir: string;
    let report: Report;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-hunt-etcd-'));
      lab = await startLab({ dir, nodes: 1, network, etcd: 'system', profile: profile as 'kubeadm', inProcess: true });
      report = await hunt({ targets: targetsFromLab(dir), trust: { ca: fs.readFileSync(lab.plan.files.ca, 'utf8') } });
    });
    after(async () => {
      await lab?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it(`reports ${expected.length ? expected.join(', ') : 'no etcd finding'}`, () => {
      assert.deepEqual(etcdFindings(report), expected);
    });

    it('fingerprints the real etcd on 2379', () => {
      const etcd = report.endpoints.find((e) => e.port === 2379);
      assert.equal(etcd?.fingerprint.component, 'etcd');
      if (profile === 'kubeadm') {
        assert.equal(etcd?.tls?.clientCert, 'required');
        assert.ok(etcd?.tls?.acceptableCAs?.includes('CN=etcd-ca'));
      } else {
        assert.equal(etcd?.fingerprint.version, '3.4.23');
      }
    });
  });
}

describe('hunt targets from a kubeconfig, and the command line', () => {
  let lab: Lab;
  let dir: string;
  // Asynchronous: the lab runs in this process and must keep answering while kia runs.
  const kia = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [path.join(process.cwd(), 'bin/kia.js'), ...args], { timeout: 120_000, maxBuffer: 64 << 20 }, (_error, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }));
    });
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-hunt-cli-'));
    lab = await startLab({ dir, nodes: 2, network: 48, inProcess: true, nodeProfiles: { '2': 'insecure' } });
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the nodes through the API server at their InternalIP', async () => {
    const targets = await targetsFromKubeconfig(lab.plan.files.adminConf);
    assert.deepEqual(targets.map((t) => [t.node, t.address]), [['kia-control-plane', '127.96.1.1'], ['kia-worker-1', '127.96.1.2']]);
  });

  it('exits 1 with --fail-on high, and writes SARIF 2.1.0 that validates against the schema', async () => {
    const res = await kia('hunt', '--kubeconfig', lab.plan.files.adminConf, '--fail-on', 'high', '-o', 'sarif');
    assert.equal(res.status, 1, res.stderr);
    const sarif = JSON.parse(res.stdout);
    assertValidSarif(sarif);
    const ids = new Set(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId));
    assert.ok(ids.has('KIA-KUBELET-001'));
    // The kubeconfig's user was a probing identity too: admin reads the kubeadm kubelet's pods.
    assert.ok(!JSON.stringify(sarif).includes('PRIVATE KEY'));
  });

  it('exits 0 without --fail-on, 2 on bad input, 3 when nothing answers', async () => {
    assert.equal((await kia('hunt', '--lab', dir, '-o', 'json')).status, 0);
    const wide = await kia('hunt', '10.0.0.0/8');
    assert.equal(wide.status, 2);
    assert.match(wide.stderr, /more than a \/16: add --yes/);
    const half = await kia('hunt', '127.96.1.1', '--cert', lab.plan.files.adminCert);
    assert.equal(half.status, 2);
    assert.match(half.stderr, /^kia: --cert and --key go together\n$/);
    assert.equal((await kia('hunt', '127.0.9.9', '--timeout', '500')).status, 3);
  });

  it('--baseline: waived findings do not fail --fail-on and are listed as waived; an expired waiver counts again', async () => {
    const accepted = path.join(dir, 'accepted.yaml');
    fs.writeFileSync(accepted, 'waivers:\n  - rule: "*"\n    target: kia-worker-*\n    reason: insecure on purpose (lab)\n    expires: 2099-12-31\n');
    const waived = await kia('hunt', '--lab', dir, '--fail-on', 'high', '--baseline', accepted);
    assert.equal(waived.status, 0, waived.stderr);
    assert.match(waived.stdout, /^Waived \(accepted in the baseline\)$/m);
    assert.match(waived.stdout, /^ {2}- kia-worker-1 127\.96\.1\.2:10250 \(kubelet\): waived until 2099-12-31: insecure on purpose \(lab\)$/m);
    assert.match(waived.stdout, /, \d+ waived\n$/);
    const expired = path.join(dir, 'expired.yaml');
    fs.writeFileSync(expired, 'waivers:\n  - rule: "*"\n    target: kia-worker-*\n    reason: insecure on purpose (lab)\n    expires: 2020-01-01\n');
    const late = await kia('hunt', '--lab', dir, '--fail-on', 'high', '--baseline', expired);
    assert.equal(late.status, 1);
    assert.match(late.stdout, /^ {2}waiver expired 2020-01-01, no longer waived: insecure on purpose \(lab\)$/m);
    // Notes wrap at 100 columns: read them as one line each.
    assert.match(late.stdout.replace(/\n {4}/g, ' '), /^ {2}baseline .*expired\.yaml: waiver 1 \(\* on kia-worker-\*\) expired on 2020-01-01; \d+ findings count again$/m);
    assert.doesNotMatch(late.stdout, /^Waived/m);
  });

  it('--baseline in SARIF: waived results carry an accepted suppression with the reason, and the log validates', async () => {
    const accepted = path.join(dir, 'accepted-sarif.json');
    fs.writeFileSync(accepted, JSON.stringify({ waivers: [{ rule: 'KIA-KUBELET-005', reason: 'self-generated certificates accepted until the rotation', expires: '2099-12-31' }] }));
    const res = await kia('hunt', '--lab', dir, '-o', 'sarif', '--baseline', accepted);
    assert.equal(res.status, 0, res.stderr);
    const sarif = JSON.parse(res.stdout);
    assertValidSarif(sarif);
    const results = sarif.runs[0].results as { ruleId: string; suppressions?: unknown[] }[];
    const selfSigned = results.filter((r) => r.ruleId === 'KIA-KUBELET-005');
    assert.ok(selfSigned.length > 0);
    for (const r of selfSigned) assert.deepEqual(r.suppressions, [{ kind: 'external', status: 'accepted', justification: 'self-generated certificates accepted until the rotation (until 2099-12-31)' }]);
    assert.ok(results.filter((r) => r.ruleId !== 'KIA-KUBELET-005').every((r) => r.suppressions === undefined));
  });

  it('--baseline: a malformed or missing file is one line naming it, exit 2, before any probing', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'waivers:\n  - rule: KIA-ANY-001\n    reason: later\n    expires: soon\n');
    const res = await kia('hunt', '--lab', dir, '--baseline', bad);
    assert.equal(res.status, 2);
    assert.equal(res.stderr, `kia: ${bad}: waiver 1: "expires" must be a date YYYY-MM-DD, not "soon"\n`);
    assert.equal(res.stdout, '');
    const broken = path.join(dir, 'broken.yaml');
    fs.writeFileSync(broken, 'waivers: [\n');
    const notYaml = await kia('hunt', '--lab', dir, '--baseline', broken);
    assert.equal(notYaml.status, 2);
    assert.match(notYaml.stderr, new RegExp(`^kia: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not YAML or JSON: .+\n$`));
    const missing = await kia('hunt', '--lab', dir, '--baseline', path.join(dir, 'none.yaml'));
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, `kia: --baseline ${path.join(dir, 'none.yaml')}: cannot read it (ENOENT)\n`);
  });
});

describe('local hunt: listening sockets and their processes from /proc', () => {
  let lab: Lab;
  let dir: string;
  let report: Report;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-hunt-local-'));
    lab = await startLab({ dir, nodes: 1, network: 49 });
    report = await hunt({ targets: [], local: true });
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('maps each lab socket to its process and recognises the component', () => {
    const at = (bind: string, port: number) => report.endpoints.find((e) => e.bindAddress === bind && e.port === port);
    assert.equal(at('127.98.1.1', 10250)?.process?.name, 'kubelet');
    assert.deepEqual([at('127.98.1.1', 10250)?.fingerprint.component, at('127.98.1.1', 10250)?.fingerprint.port], ['kubelet', 'api']);
    assert.equal(at('127.99.1.1', 10257)?.process?.name, 'kube-controller');
    assert.equal(at('127.99.1.1', 10257)?.fingerprint.component, 'kube-controller-manager');
    assert.equal(at('127.98.1.1', 2379)?.process?.flags['client-cert-auth'], 'true');
    assert.equal(at('127.98.1.1', 10250)?.process?.config?.['authentication.anonymous.enabled'], false);
  });

  it('the text report shows the process behind each socket and its command line, as the JSON does', () => {
    const text = renderText(report, { color: false }).replace(/\n {8}(?=--)/g, ' ');
    const kubelet = report.endpoints.find((e) => e.bindAddress === '127.98.1.1' && e.port === 10250);
    assert.ok(text.includes(`      process kubelet (pid ${kubelet?.process?.pid}), bound to 127.98.1.1\n`), text.slice(0, 3000));
    assert.match(text, /^ {6}command kubelet .*--bootstrap-kubeconfig=\S+ --kubeconfig=\S+ --config=\S+\/nodes\/kia-control-plane\/var\/lib\/kubelet\/config\.yaml /m);
    assert.match(text, /^ {6}config \S+\/nodes\/kia-control-plane\/var\/lib\/kubelet\/config\.yaml$/m);
  });

  it('judges exposure from the bind address', () => {
    const loopback = report.endpoints.filter((e) => e.bindAddress?.startsWith('127.'));
    assert.ok(loopback.length > 0);
    for (const e of loopback) assert.equal(e.exposure, 'loopback');
  });
});
