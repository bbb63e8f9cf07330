// The shared flag sets as a user meets them: the built CLI as a child process against a lab (network 61: node IPs
// 127.122.1.x, node-local 127.123.1.x). Expected lines and codes are literal (CONVENTIONS exit codes); each case
// failed on main before the flag sets. Peers that misbehave: cli-peers.test.ts; completion: cli-completion.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabNode } from '../src/lab/types.ts';
import { oneStderrLine, runKia, startTestLab, type KiaRun, type TestLab } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The CLI must not pick up a kubeconfig from the machine running the tests.
const ENV: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig', NO_COLOR: '1' };
const kia = (args: readonly string[], timeoutMs = 60_000): Promise<KiaRun> => runKia(args, { cwd: ROOT, env: ENV, timeoutMs });

/** Processes whose command line mentions `text` (a leftover exec plugin). */
function processesWith(text: string): string[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text) ? [pid] : [];
    } catch {
      return [];
    }
  });
}

describe('kia flag sets against a lab (network 61)', () => {
  let t: TestLab;
  let worker: LabNode;
  let control: LabNode;

  before(async () => {
    t = await startTestLab({ network: 61, nodes: 2 });
    [control, worker] = t.plan.nodes as [LabNode, LabNode];
  });

  after(async () => {
    await t?.stop();
  });

  it('--insecure-skip-tls-verify reaches kia hunt: the token is sent to the unverified kubelet, and the report says so', async () => {
    const run = await kia(['hunt', '--lab', t.dir, '--token-file', t.plan.files.adminToken, '--insecure-skip-tls-verify', '-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { scope: { insecureSkipVerify?: boolean }; endpoints: { address: string; port: number; routes: { path: string; identity: string; status?: number }[] }[] };
    assert.equal(report.scope.insecureSkipVerify, true);
    const kubelet = report.endpoints.find((e) => e.address === worker.ip && e.port === 10250);
    const pods = kubelet?.routes.find((r) => r.path === '/pods' && r.identity === 'token:admin.token');
    assert.equal(pods?.status, 200, JSON.stringify(kubelet?.routes.map((r) => `${r.identity} ${r.path} ${r.status}`)));
    // Without the flag the token goes nowhere the lab's self-signed kubelet serves.
    const verified = await kia(['hunt', '--lab', t.dir, '--token-file', t.plan.files.adminToken, '-o', 'json']);
    const quiet = JSON.parse(verified.stdout) as typeof report;
    assert.equal(quiet.scope.insecureSkipVerify, undefined);
    // (A withheld token is recorded as such, with no status: nothing was sent with it.)
    assert.ok(!quiet.endpoints.find((e) => e.address === worker.ip && e.port === 10250)?.routes.some((r) => r.identity === 'token:admin.token' && r.status !== undefined));
  });

  it('--insecure-skip-tls-verify reaches kia health: the kubelet 10250 probe is asked with the token (200)', async () => {
    const run = await kia(['health', '--lab', t.dir, '--token-file', t.plan.files.adminToken, '--insecure-skip-tls-verify', '-o', 'json']);
    const report = JSON.parse(run.stdout) as { notes: string[]; nodes: { name: string; components: { component: string; endpoints: { port: number; probes: { identity: string; status?: number }[] }[] }[] }[] };
    const kubelet = report.nodes.find((n) => n.name === worker.name)?.components.find((c) => c.component === 'kubelet');
    const probes = kubelet?.endpoints.find((e) => e.port === 10250)?.probes ?? [];
    assert.deepEqual(probes.map((p) => [p.identity, p.status]), [['token:admin.token', 200]]);
    assert.ok(report.notes.includes('TLS verification was off (--insecure-skip-tls-verify): tokens were sent to servers that did not verify'), report.notes.join('\n'));
  });

  it('--insecure-skip-tls-verify reaches kia serve: its cell for the kubelet was probed with the token', { timeout: 90_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/kia.js'), 'serve', '--lab', t.dir, '--token-file', t.plan.files.adminToken, '--insecure-skip-tls-verify', '--listen', '127.0.0.1:19571', '--audit-interval', '0', '--interval', '3600'], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      let cell = '';
      const until = Date.now() + 60_000;
      while (!cell.includes('token:admin.token') && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
        cell = await fetch(`http://127.0.0.1:19571/api/cell?node=${worker.name}&component=kubelet`).then((r) => r.text(), () => '');
      }
      const probes = (JSON.parse(cell) as { health: { endpoints: { port: number; probes: { identity: string; status?: number }[] }[] } }).health.endpoints.find((e) => e.port === 10250)?.probes;
      assert.deepEqual(probes?.map((p) => [p.identity, p.status]), [['token:admin.token', 200]], stderr);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    }
  });

  it('every command takes one validator for its numbers: --timeout NaN, -1, 99999999999 are one line naming it, exit 2', async () => {
    // Each command with one of the three values the issue names (each value on two commands).
    const runs = [['hunt', '--lab', t.dir, '--timeout', 'NaN'], ['health', '--lab', t.dir, '--timeout', '-1'], ['serve', '--lab', t.dir, '--timeout', '99999999999'], ['get', `${control.localIp}:10249/proxyMode`, '--timeout', 'NaN'], ['etcd', 'health', control.localIp, '--timeout', '-1'], ['kubelet', worker.ip, 'pods', '--timeout', '99999999999']];
    for (const args of runs) {
      const run = await kia(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(oneStderrLine(run), /--timeout takes a duration from 100ms to 10m/);
    }
    // Durations and plain milliseconds both work.
    const ok = await kia(['get', `${control.localIp}:10249/proxyMode`, '--timeout', '5s', '--deadline', '20s']);
    assert.deepEqual([ok.code, ok.stdout], [0, 'iptables'], ok.stderr);
    assert.equal((await kia(['get', `${control.localIp}:10249/proxyMode`, '--timeout', '5000'])).code, 0);
  });

  it('a certificate and a key that do not match, and a file that is not PEM: one line naming the flag, exit 2', async () => {
    const files = t.plan.files;
    const mismatch = await kia(['hunt', '--lab', t.dir, '--cert', files.adminCert, '--key', files.aliceKey]);
    assert.equal(mismatch.code, 2, mismatch.stderr);
    assert.equal(oneStderrLine(mismatch), `kia: --key ${files.aliceKey} is not the key of --cert ${files.adminCert}: give the key the certificate was issued for`);
    const etcd = await kia(['health', '--lab', t.dir, '--etcd-cert', files.etcdClientCert, '--etcd-key', files.adminKey]);
    assert.equal(etcd.code, 2, etcd.stderr);
    assert.match(oneStderrLine(etcd), /^kia: --etcd-key .* is not the key of --etcd-cert /);
    const notPem = await kia(['kubelet', worker.ip, 'pods', '--cert', path.join(t.dir, 'lab.json'), '--key', files.adminKey]);
    assert.equal(notPem.code, 2, notPem.stderr);
    assert.match(oneStderrLine(notPem), /^kia: --cert .*lab\.json holds no PEM certificate$/);
  });

  it('an empty --file is refused (one line, exit 2) instead of hunting this node', async () => {
    const file = path.join(t.dir, 'empty-targets.txt');
    fs.writeFileSync(file, '# nothing here\n\n');
    for (const command of ['hunt', 'health']) {
      const run = await kia([command, '--file', file]);
      assert.equal(run.code, 2, `${command}: ${run.stderr}`);
      assert.equal(oneStderrLine(run), `kia: --file ${file} holds no targets (one host, address or CIDR per line; # comments)`);
    }
  });

  it('a kubeconfig whose exec plugin hangs: killed at the deadline, one line naming the plugin command (exit 2)', { timeout: 120_000 }, async () => {
    const { parse, stringify } = await import('yaml');
    const plugin = path.join(t.dir, 'kia-test-hanging-plugin.sh');
    fs.writeFileSync(plugin, '#!/bin/sh\nsleep 600\n', { mode: 0o700 });
    const config = parse(fs.readFileSync(t.plan.files.adminConf, 'utf8'));
    config.users = [{ name: config.users[0].name, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin, interactiveMode: 'Never' } } }];
    const conf = path.join(t.dir, 'hanging.conf');
    fs.writeFileSync(conf, stringify(config), { mode: 0o600 });
    // Each command's --deadline reaches the plugin (its own 30 s limit: src/clients/kube-api.test.ts).
    for (const command of [['kubelet', worker.name, 'pods', '--deadline', '3s'], ['hunt', '--deadline', '4s']]) {
      const run = await kia([...command, '--kubeconfig', conf], 90_000);
      assert.equal(run.code, 2, `${command[0]}: ${run.stderr}`);
      assert.match(oneStderrLine(run), new RegExp(`^kia: exec plugin \`${plugin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` \\(kubeconfig ${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, user kubernetes-admin\\) (did not finish within 30000 ms \\(it may wait for an interactive login, which kia does not run\\)|was still running when the deadline passed|was not run: the deadline had passed)$`));
    }
    assert.deepEqual(processesWith('kia-test-hanging-plugin'), [], 'the plugin and its children are gone');
  });

  it("a kubelet certificate that does not name the address dialled points at --tls-server-name, not --kubelet-ca", async () => {
    const ca = path.join(worker.root, 'var/lib/kubelet/pki/kubelet.crt');
    const run = await kia(['kubelet', worker.ip, 'healthz', '--cert', t.plan.files.adminCert, '--key', t.plan.files.adminKey, '--kubelet-ca', ca]);
    assert.equal(run.code, 3, run.stderr);
    const line = oneStderrLine(run);
    assert.match(line, /does not name 127\.122\.1\.2: give the name it carries with --tls-server-name /);
    assert.doesNotMatch(line, /--kubelet-ca/);
  });

  it("kia etcd <node>:2381 asks in plain HTTP, the catalog's scheme for etcd's metrics port", async () => {
    const run = await kia(['etcd', 'health', `${control.localIp}:2381`]);
    assert.deepEqual([run.code, run.stdout, run.stderr], [0, 'healthy\n', '']);
  });

  it('the README\'s --all-nodes example runs as written on a lab whose kubelets serve self-generated certificates', async () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const lines = ['cat nodes/*/var/lib/kubelet/pki/kubelet.crt > kubelet-ca.crt', 'K="--kubeconfig admin.conf --kubelet-ca kubelet-ca.crt"', 'kia kubelet --all-nodes pods $K'];
    for (const line of lines) assert.ok(readme.split('\n').some((l) => l.startsWith(line)), `README has: ${line}`);
    const run = await new Promise<KiaRun>((resolve) =>
      execFile('bash', ['-c', lines.join(' && ')], { cwd: t.dir, env: { ...ENV, PATH: `${path.join(ROOT, 'bin')}:${process.env.PATH ?? ''}` }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      ),
    );
    assert.equal(run.code, 0, run.stderr);
    const [head, ...rows] = run.stdout.trimEnd().split('\n');
    assert.deepEqual(head?.split(/\s+/), ['NODE', 'NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual([...new Set(rows.map((r) => r.split(/\s+/)[0]))].sort(), ['kia-control-plane', 'kia-worker-1']);
  });
});
