// `kia agent` as the DaemonSet runs it, as a real process against a 1-node lab of separate processes: node-local
// discovery through the real /proc of this network namespace (the lab's loopback-only ports included), health and
// the audit served over HTTPS, read with curl. Authorisation through the lab apiserver's TokenReview and
// SubjectAccessReview, and by client certificates; unreadable host roots are notes, not a stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLab, type Lab } from '../src/lab/index.ts';
import { curl, oneStderrLine, readToken, runKia } from './helpers.ts';

const NETWORK = 4; // node IP 127.8.1.1, node-local 127.9.1.1 (a network no other suite uses)
const NODE = 'kia-control-plane';
const KIA = path.join(process.cwd(), 'bin/kia.js');

let lab: Lab;
let dir: string;
const running: ChildProcess[] = [];

interface Agent {
  base: string;
  stderr: () => string;
}

/** Starts `kia agent` on a free loopback port and waits for its first cycle (the line it prints then). */
function startAgent(args: readonly string[]): Promise<Agent> {
  // The suite's other labs share this network namespace: the node's own addresses only, as on a real node.
  const node = lab.plan.nodes[0];
  const own = node ? ['--addresses', `${node.ip},${node.localIp}`] : [];
  const child = spawn(process.execPath, [KIA, 'agent', '--listen', '127.0.0.1:0', '--interval', '1h', '--node-name', NODE, ...own, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.push(child);
  let stderr = '';
  return new Promise((resolve, reject) => {
    const kill = setTimeout(() => reject(new Error(`kia agent did not get ready:\n${stderr}`)), 90_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const port = /https:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1];
      if (port && /kia agent: ready: /.test(stderr)) {
        clearTimeout(kill);
        resolve({ base: `https://127.0.0.1:${port}`, stderr: () => stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(kill);
      reject(new Error(`kia agent exited (${code}):\n${stderr}`));
    });
  });
}

/** One request with the system curl: status and body. */
async function get(url: string, ...extra: string[]): Promise<{ status: number; body: string }> {
  const run = await curl(['-sk', '-o', '-', '-w', '\n%{http_code}', ...extra, url]);
  const at = run.stdout.lastIndexOf('\n');
  return { status: Number(run.stdout.slice(at + 1)), body: run.stdout.slice(0, at) };
}

const token = (file: string) => readToken(file);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-agent-'));
  lab = await startLab({ dir, nodes: 1, network: NETWORK });
});

after(async () => {
  for (const child of running) child.kill('SIGTERM');
  await lab?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Report {
  schema: string;
  scope: { targets: unknown[] };
  endpoints: { address: string; port: number; bindAddress?: string; process?: { name: string } }[];
  findings: { rule: string; address: string; port: number }[];
  notes: string[];
}

test('the node seen from inside: loopback-only ports, their processes, health and findings', async () => {
  const agent = await startAgent([]);
  assert.deepEqual(await get(`${agent.base}/healthz`), { status: 200, body: 'ok' });
  assert.deepEqual(await get(`${agent.base}/readyz`), { status: 200, body: 'ok' });
  const answer = await get(`${agent.base}/api/report`);
  assert.equal(answer.status, 200);
  const report = JSON.parse(answer.body) as Report;
  assert.equal(report.schema, 'kia.report/v1');
  assert.deepEqual(report.scope.targets, [{ host: NODE, address: '127.0.0.1', source: 'local', node: NODE }]);
  // 127.9.1.1 is the lab node's loopback: etcd's metrics, the kubelet's healthz, kube-proxy's metrics, the
  // controller-manager and the scheduler listen only there, out of reach of a scan of the node's IP.
  assert.deepEqual(report.endpoints.map((e) => [e.address, e.port, e.process?.name]), [
    ['127.8.1.1', 2379, 'etcd'],
    ['127.8.1.1', 2380, 'etcd'],
    ['127.8.1.1', 6443, 'kube-apiserver'],
    ['127.8.1.1', 10250, 'kubelet'],
    ['127.8.1.1', 10256, 'kube-proxy'],
    ['127.9.1.1', 2379, 'etcd'],
    ['127.9.1.1', 2381, 'etcd'],
    ['127.9.1.1', 6443, 'kube-apiserver'],
    ['127.9.1.1', 10248, 'kubelet'],
    ['127.9.1.1', 10249, 'kube-proxy'],
    ['127.9.1.1', 10250, 'kubelet'],
    ['127.9.1.1', 10256, 'kube-proxy'],
    ['127.9.1.1', 10257, 'kube-controller'],
    ['127.9.1.1', 10259, 'kube-scheduler'],
  ]);
  // kubeadm leaves every TLS port with Go's default suites (KIA-TLS-004), the kubelet with a self-generated certificate.
  assert.deepEqual(report.findings.map((f) => [f.rule, f.address, f.port]), [
    ['KIA-TLS-004', '127.8.1.1', 2379],
    ['KIA-TLS-004', '127.8.1.1', 2380],
    ['KIA-TLS-004', '127.8.1.1', 6443],
    ['KIA-KUBELET-005', '127.8.1.1', 10250],
    ['KIA-TLS-004', '127.8.1.1', 10250],
    ['KIA-TLS-004', '127.9.1.1', 2379],
    ['KIA-TLS-004', '127.9.1.1', 6443],
    ['KIA-KUBELET-005', '127.9.1.1', 10250],
    ['KIA-TLS-004', '127.9.1.1', 10250],
    ['KIA-TLS-004', '127.9.1.1', 10257],
    ['KIA-TLS-004', '127.9.1.1', 10259],
  ]);
  assert.deepEqual(report.notes, []);
  const metrics = await get(`${agent.base}/metrics`);
  assert.equal(metrics.status, 200);
  const lines = new Set(metrics.body.split('\n'));
  const expected = [
    'kia_component_up{node="kia-control-plane",component="etcd"} 1',
    'kia_component_up{node="kia-control-plane",component="kube-apiserver"} 1',
    'kia_component_up{node="kia-control-plane",component="kube-controller-manager"} 1',
    'kia_component_up{node="kia-control-plane",component="kube-scheduler"} 1',
    'kia_component_up{node="kia-control-plane",component="kubelet"} 1',
    'kia_component_up{node="kia-control-plane",component="kube-proxy"} 1',
    'kia_component_health{node="kia-control-plane",component="kubelet",state="healthy"} 1',
    'kia_probe_success{node="kia-control-plane",component="kubelet",port="10248",route="kubelet.healthz.healthz"} 1',
    'kia_probe_success{node="kia-control-plane",component="etcd",port="2381",route="etcd.metrics.health"} 1',
    'kia_probe_success{node="kia-control-plane",component="kube-proxy",port="10249",route="kube-proxy.metrics.healthz"} 1',
    'kia_findings{rule="KIA-KUBELET-005",severity="low"} 2',
    'kia_findings{rule="KIA-KUBELET-001",severity="critical"} 0',
  ];
  assert.deepEqual(expected.filter((line) => !lines.has(line)), []);
  // kia's own process series, as kia serve's.
  assert.match(metrics.body, /\nprocess_resident_memory_bytes \d+\n/);
  // Open on loopback, so a page elsewhere must not reach it by a name it controls.
  assert.deepEqual(await get(`${agent.base}/metrics`, '-H', 'Host: rebind.attacker.example'), { status: 403, body: 'forbidden: the Host header does not name this server\n' });
  assert.deepEqual(await get(`${agent.base}/api/report`, '-X', 'POST'), { status: 405, body: 'method not allowed\n' });
});

test('--authorize apiserver: TokenReview then SubjectAccessReview through the lab apiserver', async () => {
  const agent = await startAgent(['--authorize', 'apiserver', '--kubeconfig', lab.plan.files.adminConf]);
  const refused = 'unauthorized: give a bearer token the API server vouches for\n';
  // The kubelet's probes need nothing.
  assert.deepEqual(await get(`${agent.base}/healthz`), { status: 200, body: 'ok' });
  assert.deepEqual(await get(`${agent.base}/readyz`), { status: 200, body: 'ok' });
  assert.deepEqual(await get(`${agent.base}/metrics`), { status: 401, body: refused });
  assert.deepEqual(await get(`${agent.base}/api/report`), { status: 401, body: refused });
  assert.deepEqual(await get(`${agent.base}/metrics`, '-H', 'Authorization: Bearer not-a-real-token'), { status: 401, body: 'unauthorized: the token does not authenticate\n' });
  // alice authenticates, but no role gives her /metrics or pods/proxy.
  const alice = `Authorization: Bearer ${token(lab.plan.files.aliceToken)}`;
  assert.deepEqual(await get(`${agent.base}/metrics`, '-H', alice), { status: 403, body: 'forbidden: user "alice" may not get on the non-resource URL /metrics\n' });
  assert.deepEqual(await get(`${agent.base}/api/report`, '-H', alice), { status: 403, body: 'forbidden: user "alice" may not get pods/proxy in namespace kia-system\n' });
  // system:masters may do anything; through the pods proxy the token comes as X-Kia-Authorization.
  const admin = `Bearer ${token(lab.plan.files.adminToken)}`;
  const metrics = await get(`${agent.base}/metrics`, '-H', `Authorization: ${admin}`);
  assert.equal(metrics.status, 200);
  assert.ok(metrics.body.includes('kia_component_up{node="kia-control-plane",component="kubelet"} 1\n'));
  const report = await get(`${agent.base}/api/report`, '-H', `X-Kia-Authorization: ${admin}`);
  assert.equal(report.status, 200);
  assert.equal((JSON.parse(report.body) as Report).schema, 'kia.report/v1');
  // The token the agent reads with (none here: admin.conf is a certificate) never appears in what it serves.
  assert.ok(!report.body.includes(token(lab.plan.files.adminToken)));
});

test('--client-ca: a client certificate the CA signed is let in, no certificate is not', async () => {
  const agent = await startAgent(['--client-ca', lab.plan.files.ca]);
  assert.deepEqual(await get(`${agent.base}/metrics`), { status: 401, body: 'unauthorized: give a client certificate\n' });
  const withCert = await get(`${agent.base}/api/report`, '--cert', lab.plan.files.aliceCert, '--key', lab.plan.files.aliceKey);
  assert.equal(withCert.status, 200);
  // A certificate from a CA the agent was not given.
  assert.equal((await get(`${agent.base}/metrics`, '--cert', lab.plan.files.foreignCert, '--key', lab.plan.files.foreignKey)).status, 401);
  assert.deepEqual(await get(`${agent.base}/healthz`), { status: 200, body: 'ok' });
});

test('unreadable host roots are notes of the report, and the agent keeps serving', async () => {
  const missing = path.join(dir, 'no-such-host');
  const agent = await startAgent(['--host-proc', path.join(missing, 'proc'), '--host-root', missing]);
  assert.deepEqual(await get(`${agent.base}/healthz`), { status: 200, body: 'ok' });
  assert.deepEqual(await get(`${agent.base}/readyz`), { status: 200, body: 'ok' });
  const report = JSON.parse((await get(`${agent.base}/api/report`)).body) as Report;
  assert.deepEqual(report.endpoints, []);
  assert.deepEqual(report.notes, [
    `cannot read ${missing}/proc/net/tcp (ENOENT): IPv4 listeners not listed`,
    `${missing}/proc/net/tcp6 not found (IPv6 off?): IPv6 listeners not listed`,
    `host root ${missing} not readable (ENOENT): config files only where a process's own root is`,
    `cannot list processes in ${missing}/proc (ENOENT): no socket owners`,
  ]);
});

test('bad flags: one line naming the flag, exit 2', async () => {
  const bad = await runKia(['agent', '--authorize', 'everyone']);
  assert.equal(bad.code, 2);
  assert.equal(oneStderrLine(bad), 'kia: --authorize takes apiserver or none: everyone');
  const open = await runKia(['agent', '--listen', '0.0.0.0:9472']);
  assert.equal(open.code, 2);
  assert.equal(oneStderrLine(open), 'kia: --listen 0.0.0.0 is not loopback: add --authorize apiserver or --client-ca');
  const half = await runKia(['agent', '--tls-cert', lab.plan.files.ca]);
  assert.equal(half.code, 2);
  assert.equal(oneStderrLine(half), 'kia: --tls-cert and --tls-key go together');
});
