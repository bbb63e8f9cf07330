// `kia kubelet`: the built CLI as a child process against a lab's kubelets and API server, over real sockets.
// Expected values are literal (spec §3, §6.3, §8; the real v1.28 fixtures) or read from the lab's plan and its files on
// disk, never from the lab's code. Run `npm run build` first: the CLI under test is dist/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from '../src/lab/index.ts';
import type { LabNode, LabPlan } from '../src/lab/types.ts';
import { fixture, runKia, type KiaRun } from './helpers.ts';

type Lab = Awaited<ReturnType<typeof startLab>>;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'kia.js');
// The CLI must not pick up a kubeconfig from the machine running the tests.
const ENV: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig', HOME: os.tmpdir(), NO_COLOR: '1' };

type Run = KiaRun;

/** `kia kubelet …` as an async child process. */
const kia = (args: readonly string[]): Promise<Run> => runKia(['kubelet', ...args], { cwd: ROOT, env: ENV });

/** Starts `kia kubelet …` and resolves once it has written at least `lines` lines to stdout. */
function follow(args: readonly string[], lines: number) {
  const child = spawn(process.execPath, [BIN, 'kubelet', ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.split('\n').length - 1 >= lines) resolve();
    });
    void exited.then((r) => reject(new Error(`exited early (${r.code}): ${r.stderr}`)));
  });
  return { child, ready, exited };
}

/** One clear line on stderr, no stack trace. */
function oneLine(run: Run): string {
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
  return lines[0] as string;
}

const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const podNames = (node: LabNode) => node.pods.map((p) => `${p.namespace}/${p.name}`).sort();
const kubeProxy = (node: LabNode) => {
  const pod = node.pods.find((p) => p.namespace === 'kube-system' && /^kube-proxy-[a-z0-9]{5}$/.test(p.name));
  assert.ok(pod, `no kube-proxy pod on ${node.name}`);
  return `kube-system/${pod.name}/kube-proxy`;
};

async function labAt(network: number, kubernetesVersion: '1.36' | '1.28'): Promise<{ lab: Lab; plan: LabPlan; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-kubelet-cli-'));
  const lab = await startLab({ dir, nodes: 2, network, inProcess: true, kubernetesVersion });
  return { lab, plan: lab.plan, dir };
}

describe('kia kubelet against a 1.36 lab (2 nodes, network 2)', () => {
  let lab: Lab;
  let plan: LabPlan;
  let dir: string;
  let worker: LabNode;
  let admin: string[];
  let alice: string[];
  // The API server as admin.conf names it.
  const apiserver = () => /server: https:\/\/(\S+)/.exec(fs.readFileSync(plan.files.adminConf, 'utf8'))?.[1] ?? '?';

  before(async () => {
    ({ lab, plan, dir } = await labAt(2, '1.36'));
    worker = plan.nodes[1] as LabNode;
    admin = ['--cert', plan.files.adminCert, '--key', plan.files.adminKey, '--insecure-skip-tls-verify'];
    alice = ['--cert', plan.files.aliceCert, '--key', plan.files.aliceKey, '--insecure-skip-tls-verify'];
  });
  after(async () => {
    await lab?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('direct to https://<node>:10250', () => {
    it('verifies the self-generated serving certificate by default: exit 3, one line naming --kubelet-ca and --insecure-skip-tls-verify', async () => {
      const run = await kia([worker.ip, 'pods', '--cert', plan.files.adminCert, '--key', plan.files.adminKey]);
      assert.equal(run.code, 3);
      const line = oneLine(run);
      assert.match(line, new RegExp(`^kia: GET https://${esc(worker.ip)}:10250/pods as cert:admin\\.crt: `));
      assert.match(line, /--kubelet-ca/);
      assert.match(line, /--insecure-skip-tls-verify/);
      assert.equal(run.stdout, '');
    });

    it('--kubelet-ca with the node\'s kubelet.crt verifies it for the node name, resolved through the API server (kubeconfig user)', async () => {
      const ca = path.join(worker.root, 'var/lib/kubelet/pki/kubelet.crt');
      const run = await kia([worker.name, 'pods', '--kubeconfig', plan.files.adminConf, '--kubelet-ca', ca, '-v']);
      assert.equal(run.code, 0, run.stderr);
      // -v shows where the name led: the node's InternalIP, as the admin.conf user.
      assert.match(run.stderr, new RegExp(`^> GET https://${esc(worker.ip)}:10250/pods \\(kubeconfig:kubernetes-admin\\)$`, 'm'));
      const names = run.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 2).join('/')).sort();
      assert.deepEqual(names, podNames(worker));
      // The same CA by IP needs the name the certificate carries (SAN DNS:<node>).
      const byIp = await kia([worker.ip, 'healthz', '--cert', plan.files.adminCert, '--key', plan.files.adminKey, '--kubelet-ca', ca, '--tls-server-name', worker.name]);
      assert.deepEqual([byIp.code, byIp.stdout], [0, 'ok\n'], byIp.stderr);
    });

    it('pods: a kubectl-like table whose names are the plan\'s pods; -o json is the PodList', async () => {
      const table = await kia([worker.ip, 'pods', ...admin]);
      assert.equal(table.code, 0, table.stderr);
      const [head, ...rows] = table.stdout.trimEnd().split('\n');
      assert.deepEqual(head?.split(/\s+/), ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      assert.deepEqual(rows.map((r) => r.split(/\s+/).slice(0, 2).join('/')).sort(), podNames(worker));
      const web = rows.find((r) => r.startsWith('default '));
      assert.match(web ?? '', /^default\s+web-\S+\s+2\/2\s+Running\s+0\s+\S+$/);

      const json = await kia([worker.ip, 'pods', '-o', 'json', ...admin]);
      assert.equal(json.code, 0, json.stderr);
      const list = JSON.parse(json.stdout) as { kind: string; apiVersion: string; items: { metadata: { namespace: string; name: string } }[] };
      assert.equal(list.kind, 'PodList');
      assert.equal(list.apiVersion, 'v1');
      assert.deepEqual(list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(), podNames(worker));
    });

    it('runningpods: namespace, name, containers', async () => {
      const run = await kia([worker.ip, 'runningpods', ...admin]);
      assert.equal(run.code, 0, run.stderr);
      const rows = run.stdout.trimEnd().split('\n');
      assert.deepEqual(rows[0]?.split(/\s+/), ['NAMESPACE', 'NAME', 'CONTAINERS']);
      const web = worker.pods.find((p) => p.namespace === 'default');
      assert.ok(rows.some((r) => r.split(/\s+/).join(' ') === `default ${web?.name} web,log-shipper`), run.stdout);
    });

    it('healthz: ok; --checks lists ping, log, syncloop as the real kubelet does', async () => {
      const plain = await kia([worker.ip, 'healthz', ...admin]);
      assert.deepEqual([plain.code, plain.stdout, plain.stderr], [0, 'ok\n', '']);
      const checks = await kia([worker.ip, 'healthz', '--checks', ...admin]);
      assert.equal(checks.code, 0, checks.stderr);
      assert.equal(checks.stdout, fixture('kubelet.healthz-verbose.txt'));
    });

    it('configz: {"kubeletconfig":{…}} with kubeadm\'s authentication and authorization (spec §3.1)', async () => {
      const run = await kia([worker.ip, 'configz', ...admin]);
      assert.equal(run.code, 0, run.stderr);
      const cfg = (JSON.parse(run.stdout) as { kubeletconfig: Record<string, unknown> }).kubeletconfig;
      assert.equal(cfg.port, 10250);
      assert.deepEqual((cfg.authentication as { anonymous: unknown }).anonymous, { enabled: false });
      assert.equal((cfg.authorization as { mode: unknown }).mode, 'Webhook');
      const yaml = await kia([worker.ip, 'configz', '-o', 'yaml', ...admin]);
      assert.match(yaml.stdout, /^kubeletconfig:\n/);
    });

    it('metrics kubelet_running_pods: only that family, HELP and TYPE as in the real exposition', async () => {
      const run = await kia([worker.ip, 'metrics', 'kubelet_running_pods', ...admin]);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trimEnd().split('\n');
      assert.equal(lines[0], '# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox');
      assert.equal(lines[1], '# TYPE kubelet_running_pods gauge');
      assert.ok(lines.length >= 3);
      for (const line of lines.slice(2)) assert.match(line, /^kubelet_running_pods(\{| )/);
      const two = await kia([worker.ip, 'metrics', 'kubelet_running_pods', 'kubelet_node_name', ...admin]);
      assert.deepEqual(two.stdout.split('\n').filter((l) => l.startsWith('# TYPE')).sort(), ['# TYPE kubelet_node_name gauge', '# TYPE kubelet_running_pods gauge']);
    });

    it('stats: the Summary API for this node', async () => {
      const run = await kia([worker.ip, 'stats', ...admin]);
      assert.equal(run.code, 0, run.stderr);
      const summary = JSON.parse(run.stdout) as { node: { nodeName: string }; pods: unknown[] };
      assert.equal(summary.node.nodeName, worker.name);
      assert.ok(Array.isArray(summary.pods));
    });

    it('logs: the /var/log listing as on the node\'s disk, and one file byte for byte', async () => {
      const varLog = path.join(worker.root, 'var/log');
      const onDisk = fs.readdirSync(varLog, { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
      const listing = await kia([worker.ip, 'logs', ...admin]);
      assert.equal(listing.code, 0, listing.stderr);
      assert.deepEqual(listing.stdout.trimEnd().split('\n').sort(), onDisk);
      const syslog = await kia([worker.ip, 'logs', 'syslog', ...admin]);
      assert.equal(syslog.code, 0, syslog.stderr);
      assert.equal(syslog.stdout, fs.readFileSync(path.join(varLog, 'syslog'), 'utf8'));
      // A directory without its slash follows the file server's 301.
      const pods = await kia([worker.ip, 'logs', 'pods', ...admin]);
      assert.deepEqual(pods.stdout.trimEnd().split('\n').sort(), fs.readdirSync(path.join(varLog, 'pods')).map((n) => `${n}/`).sort());
    });

    it('container-logs --tail 3: exactly three lines; --timestamps prefixes RFC 3339', async () => {
      const run = await kia([worker.ip, 'container-logs', kubeProxy(worker), '--tail', '3', ...admin]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.split('\n').length - 1, 3);
      assert.ok(run.stdout.endsWith('\n'));
      const stamped = await kia([worker.ip, 'container-logs', kubeProxy(worker), '--tail', '2', '--timestamps', ...admin]);
      const lines = stamped.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 2);
      for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /);
      const limited = await kia([worker.ip, 'container-logs', kubeProxy(worker), '--limit-bytes', '10', ...admin]);
      assert.equal(Buffer.byteLength(limited.stdout), 10);
    });

    it('container-logs --follow streams until Ctrl-C, then exits 0 cleanly', async () => {
      const f = follow([worker.ip, 'container-logs', kubeProxy(worker), '--tail', '1', '--follow', ...admin], 2);
      await f.ready;
      f.child.kill('SIGINT');
      const end = await f.exited;
      assert.deepEqual([end.code, end.signal, end.stderr], [0, null, '']);
      assert.ok(end.stdout.split('\n').length - 1 >= 2);
    });

    it('run id in the kube-proxy container: root (POST /run?cmd=id)', async () => {
      const run = await kia([worker.ip, 'run', kubeProxy(worker), ...admin, '--', 'id']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'uid=0(root) gid=0(root) groups=0(root)');
    });

    it('a bearer token (--token-file) is a credential too', async () => {
      const run = await kia([worker.ip, 'healthz', '--token-file', plan.files.adminToken, '--insecure-skip-tls-verify']);
      assert.deepEqual([run.code, run.stdout], [0, 'ok\n'], run.stderr);
    });

    it('alice: one line with the kubelet\'s 403 (1.32+ form, spec §3.11), exit 1', async () => {
      const run = await kia([worker.ip, 'pods', ...alice]);
      assert.equal(run.code, 1);
      const line = oneLine(run);
      assert.ok(line.includes('403 Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[pods proxy])'), line);
      assert.match(line, new RegExp(`^kia: GET https://${esc(worker.ip)}:10250/pods as cert:alice\\.crt: `));
      const token = await kia([worker.ip, 'run', kubeProxy(worker), '--token-file', plan.files.aliceToken, '--insecure-skip-tls-verify', '--', 'id']);
      assert.equal(token.code, 1);
      assert.ok(oneLine(token).includes('Forbidden (user=alice, verb=create, resource=nodes, subresource(s)=[proxy])'), token.stderr);
    });

    it('no credential: the kubelet\'s 401 Unauthorized, one line naming the credential flags', async () => {
      const run = await kia([worker.ip, 'pods', '--insecure-skip-tls-verify']);
      assert.equal(run.code, 1);
      const line = oneLine(run);
      assert.ok(line.includes('(no credential): 401 Unauthorized'), line);
      assert.match(line, /--cert\/--key, --token, --token-file or --kubeconfig/);
    });

    it('nothing listening: exit 3, one line naming --port', async () => {
      const run = await kia([worker.ip, 'healthz', '--port', '1', ...admin]);
      assert.equal(run.code, 3);
      assert.match(oneLine(run), new RegExp(`connection refused by ${esc(worker.ip)}:1: .*--port`));
    });
  });

  describe('through the API server (admin.conf)', () => {
    it('--via-apiserver pods: /api/v1/nodes/<node>/proxy/pods', async () => {
      const run = await kia([worker.name, 'pods', '-o', 'json', '--via-apiserver', '--kubeconfig', plan.files.adminConf, '-v']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`^> GET https://${esc(apiserver())}/api/v1/nodes/kia-worker-1/proxy/pods \\(kubeconfig:kubernetes-admin\\)$`, 'm'));
      const list = JSON.parse(run.stdout) as { items: { metadata: { namespace: string; name: string } }[] };
      assert.deepEqual(list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(), podNames(worker));
    });

    it('--via-apiserver container-logs: the pods log subresource, --tail 3 is three lines', async () => {
      const web = worker.pods.find((p) => p.namespace === 'default');
      const run = await kia([worker.name, 'container-logs', `default/${web?.name}/log-shipper`, '--tail', '3', '--via-apiserver', '--kubeconfig', plan.files.adminConf, '-v']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`^> GET https://${esc(apiserver())}/api/v1/namespaces/default/pods/${web?.name}/log\\?container=log-shipper&tailLines=3 `, 'm'));
      assert.equal(run.stdout.split('\n').length - 1, 3);
    });

    it('a kubeconfig whose user is an exec credential plugin (the admin token from a script)', async () => {
      const { parse, stringify } = await import('yaml');
      const token = fs.readFileSync(plan.files.adminToken, 'utf8').trim();
      const plugin = path.join(path.dirname(plan.files.adminConf), 'exec-plugin.sh');
      fs.writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`, { mode: 0o700 });
      const config = parse(fs.readFileSync(plan.files.adminConf, 'utf8'));
      config.users = [{ name: config.users[0].name, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin, interactiveMode: 'Never' } } }];
      const execConf = path.join(path.dirname(plan.files.adminConf), 'exec.conf');
      fs.writeFileSync(execConf, stringify(config), { mode: 0o600 });
      const run = await kia([worker.name, 'pods', '-o', 'json', '--via-apiserver', '--kubeconfig', execConf]);
      assert.equal(run.code, 0, run.stderr);
      const list = JSON.parse(run.stdout) as { items: { metadata: { namespace: string; name: string } }[] };
      assert.deepEqual(list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(), podNames(worker));
      assert.ok(!run.stdout.includes(token) && !run.stderr.includes(token));
    });

    it('alice through the API server: the API server\'s own 403 on nodes/proxy, one line', async () => {
      const run = await kia([worker.name, 'pods', '--via-apiserver', '--kubeconfig', plan.files.aliceConf]);
      assert.equal(run.code, 1);
      assert.ok(oneLine(run).includes('403 Forbidden: nodes "kia-worker-1" is forbidden: User "alice" cannot get resource "nodes/proxy"'), run.stderr);
    });

    it('--all-nodes pods: every node\'s pods, merged with a NODE column, or one PodList', async () => {
      const table = await kia(['--all-nodes', 'pods', '--kubeconfig', plan.files.adminConf, '--insecure-skip-tls-verify']);
      assert.equal(table.code, 0, table.stderr);
      const [head, ...rows] = table.stdout.trimEnd().split('\n');
      assert.deepEqual(head?.split(/\s+/), ['NODE', 'NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      const expected = plan.nodes.flatMap((n) => n.pods.map((p) => `${n.name} ${p.namespace}/${p.name}`)).sort();
      assert.deepEqual(rows.map((r) => { const [node, ns, name] = r.split(/\s+/); return `${node} ${ns}/${name}`; }).sort(), expected);

      const json = await kia(['--all-nodes', 'pods', '-o', 'json', '--via-apiserver', '--kubeconfig', plan.files.adminConf]);
      assert.equal(json.code, 0, json.stderr);
      const list = JSON.parse(json.stdout) as { kind: string; items: { metadata: { namespace: string; name: string } }[] };
      assert.equal(list.kind, 'PodList');
      assert.deepEqual(list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(), plan.nodes.flatMap(podNames).sort());
    });
  });

  describe('bad input: exit 2, one line, no stack trace', () => {
    const cases: [string, () => string[], RegExp][] = [
      ['a malformed container target', () => [worker.ip, 'container-logs', 'nope', ...admin], /takes <namespace>\/<pod>\/<container>, got "nope"/],
      ['an unknown command', () => [worker.ip, 'frobnicate', ...admin], /unknown kubelet command "frobnicate"/],
      ['a missing certificate file', () => [worker.ip, 'pods', '--cert', '/nonexistent.crt', '--key', '/nonexistent.key'], /cannot read certificate \/nonexistent\.crt: ENOENT/],
      ['--cert without --key', () => [worker.ip, 'pods', '--cert', plan.files.adminCert], /--cert and --key go together/],
      ['an unknown output format', () => [worker.ip, 'pods', '-o', 'xml', ...admin], /argument 'xml' is invalid/],
      ['a bad --since', () => [worker.ip, 'container-logs', kubeProxy(worker), '--since', 'yesterday', ...admin], /--since takes a duration/],
      ['--all-nodes with run', () => ['--all-nodes', 'run', kubeProxy(worker), '--kubeconfig', plan.files.adminConf, '--', 'id'], /read-only commands only/],
      ['run without a command', () => [worker.ip, 'run', kubeProxy(worker), ...admin], /run needs a command/],
      ['no node', () => ['pods', ...admin], /name a node/],
      ['--via-apiserver without a kubeconfig', () => [worker.name, 'pods', '--via-apiserver'], /--via-apiserver needs the API server: give --kubeconfig/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const run = await kia(args());
        assert.equal(run.code, 2, run.stderr);
        assert.match(oneLine(run), message);
        assert.equal(run.stdout, '');
      });
    }
  });

  it('help shows the HTTP request and the equivalent curl, from the catalog', async () => {
    const run = await kia([worker.name, 'pods', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: kia kubelet kia-worker-1 pods /);
    assert.ok(run.stdout.includes('GET https://kia-worker-1:10250/pods\n'), run.stdout);
    assert.ok(run.stdout.includes("curl -sS --cacert <kubelet-ca> --cert <cert> --key <key> 'https://kia-worker-1:10250/pods'"), run.stdout);
    assert.ok(run.stdout.includes('/api/v1/nodes/kia-worker-1/proxy/pods'));
    const runHelp = await kia([worker.name, 'run', '--help']);
    assert.ok(runHelp.stdout.includes('curl -sS -X POST '), runHelp.stdout);
  });
});

describe('kia kubelet against a 1.28 lab (network 3)', () => {
  let lab: Lab | undefined;
  let plan: LabPlan;
  let dir: string;

  before(async () => {
    ({ lab, plan, dir } = await labAt(3, '1.28'));
  });
  after(async () => {
    await lab?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('alice: the real 1.28 refusal (kubelet.pods-alice-403.txt) in the one line', async () => {
    const worker = plan.nodes[1] as LabNode;
    const run = await kia([worker.ip, 'pods', '--cert', plan.files.aliceCert, '--key', plan.files.aliceKey, '--insecure-skip-tls-verify']);
    assert.equal(run.code, 1);
    assert.ok(oneLine(run).includes(`403 ${fixture('kubelet.pods-alice-403.txt')}:`), run.stderr);
  });

  it('container-logs --follow ends cleanly (exit 0) when the peer closes: the lab stops', async () => {
    const worker = plan.nodes[1] as LabNode;
    const f = follow([worker.ip, 'container-logs', kubeProxy(worker), '--tail', '1', '--follow', '--cert', plan.files.adminCert, '--key', plan.files.adminKey, '--insecure-skip-tls-verify'], 1);
    await f.ready;
    await lab?.stop();
    lab = undefined;
    const end = await f.exited;
    assert.deepEqual([end.code, end.signal, end.stderr], [0, null, '']);
  });
});
