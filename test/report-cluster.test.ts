// `kia report --cluster` on one machine: a 5-node lab with a real `kia agent` per node but one (a node whose agent is
// down), the lab apiserver listing them as pods of kia-system and proxying to them. The cluster report equals the
// union of the agents' own reports, holds the loopback-only facts a remote hunt cannot see, and names the silent node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { startLab, type Lab } from '../src/lab/index.ts';
import { writeAgentPods } from '../src/lab/components/apiserver/agent-pods.ts';
import { curl, readToken, runKia, tcpConnect } from './helpers.ts';

const NETWORK = 41; // node IPs 127.82.1.x, node-local 127.83.1.x (a network no other suite uses)
const KIA = path.join(process.cwd(), 'bin/kia.js');
const AGENT_PORT = 9472;

let lab: Lab;
let dir: string;
let tokenConfig: string;
let adminToken: string;
const running: ChildProcess[] = [];

interface Report {
  schema: string;
  endpoints: { address: string; port: number; target: { host: string; node?: string }; process?: { name: string } }[];
  findings: { rule: string; address: string; port: number; host: string; node?: string }[];
  notes: string[];
  unanswered?: { count: number; addresses: string[] };
}

/** `kia agent` for one lab node, on its IP; resolves once its first cycle is done. */
function startAgent(node: { name: string; ip: string; localIp: string }): Promise<void> {
  const child = spawn(process.execPath, [KIA, 'agent', '--listen', `${node.ip}:${AGENT_PORT}`, '--interval', '1h', '--node-name', node.name, '--addresses', `${node.ip},${node.localIp}`, '--authorize', 'apiserver', '--kubeconfig', lab.plan.files.adminConf], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.push(child);
  let stderr = '';
  return new Promise((resolve, reject) => {
    const kill = setTimeout(() => reject(new Error(`agent of ${node.name} did not get ready:\n${stderr}`)), 120_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (/kia agent: ready: /.test(stderr)) {
        clearTimeout(kill);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`agent of ${node.name} exited (${code}):\n${stderr}`)));
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-report-cluster-'));
  lab = await startLab({ dir, nodes: 5, network: NETWORK });
  // admin.conf is a client certificate, which the pods proxy cannot pass on: the same admin with a token.
  adminToken = readToken(lab.plan.files.adminToken);
  const admin = YAML.parse(fs.readFileSync(lab.plan.files.adminConf, 'utf8')) as { users: { name: string; user: Record<string, unknown> }[] };
  for (const u of admin.users) u.user = { token: adminToken };
  tokenConfig = path.join(dir, 'admin-token.conf');
  fs.writeFileSync(tokenConfig, YAML.stringify(admin), { mode: 0o600 });
  const nodes = lab.plan.nodes;
  writeAgentPods(lab.plan.dir, nodes.map((n) => ({ pod: `kia-agent-${n.name.replace(/^kia-/, '')}`, node: n.name, address: n.ip, port: AGENT_PORT })));
  // Every node's agent but the last one's.
  for (const node of nodes.slice(0, -1)) await startAgent(node);
});

after(async () => {
  for (const child of running) child.kill('SIGTERM');
  await lab?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the cluster report is the union of the agents, names the silent node, and sees loopback-only ports', async () => {
  const run = await runKia(['report', '--cluster', '--kubeconfig', tokenConfig, '-o', 'json', '--node-timeout', '10s'], { timeoutMs: 120_000 });
  assert.equal(run.code, 3, run.stderr);
  const cluster = JSON.parse(run.stdout) as Report;
  assert.equal(cluster.schema, 'kia.report/v1');
  const nodes = lab.plan.nodes.map((n) => n.name);
  const silent = nodes.at(-1) ?? '';
  assert.deepEqual(cluster.unanswered, { count: 1, addresses: [silent] });
  assert.match(cluster.notes[0] ?? '', new RegExp(`^node ${silent} \\(pod kia-agent-${silent.replace(/^kia-/, '')}\\): the agent did not answer: 503: error trying to reach service: `));
  // Each agent's own report, read directly on its node's address.
  for (const node of lab.plan.nodes.slice(0, -1)) {
    const direct = await curl(['-sk', '-H', `Authorization: Bearer ${adminToken}`, `https://${node.ip}:${AGENT_PORT}/api/report`]);
    const own = JSON.parse(direct.stdout) as Report;
    assert.deepEqual(
      cluster.endpoints.filter((e) => e.target.node === node.name).map((e) => [e.address, e.port, e.process?.name]),
      own.endpoints.map((e) => [e.address, e.port, e.process?.name]),
    );
    assert.deepEqual(
      cluster.findings.filter((f) => f.node === node.name).map((f) => [f.rule, f.address, f.port]),
      own.findings.map((f) => [f.rule, f.address, f.port]),
    );
    // The kubelet's healthz, kube-proxy's metrics, etcd's metrics, the controller-manager and the scheduler listen on
    // the node's loopback only (127.83.1.x stands for it in the lab).
    const local = cluster.endpoints.filter((e) => e.target.node === node.name && e.address === node.localIp).map((e) => e.port);
    for (const port of node.role === 'control-plane' ? [2381, 10248, 10249, 10257, 10259] : [10248, 10249]) assert.ok(local.includes(port), `${node.name}: ${port} missing from ${local.join(',')}`);
  }
  // A remote hunt of the nodes' addresses cannot see them.
  const remote = await runKia(['hunt', ...lab.plan.nodes.map((n) => n.ip), '-o', 'json'], { timeoutMs: 120_000 });
  const hunted = JSON.parse(remote.stdout) as Report;
  assert.deepEqual(hunted.endpoints.filter((e) => [2381, 10248, 10249, 10257, 10259].includes(e.port)), []);
  // The same merge renders in the hunt's other formats.
  const text = await runKia(['report', '--cluster', '--kubeconfig', tokenConfig, '-o', 'markdown', '--node-timeout', '10s'], { timeoutMs: 120_000 });
  assert.match(text.stdout, new RegExp(`node ${silent} \\(pod kia-agent-`));
});

test('without a token to forward, the agents refuse and the report says why', async () => {
  const run = await runKia(['report', '--cluster', '--kubeconfig', lab.plan.files.adminConf, '-o', 'json', '--node-timeout', '10s'], { timeoutMs: 120_000 });
  assert.equal(run.code, 3, run.stderr);
  const cluster = JSON.parse(run.stdout) as Report;
  assert.equal(cluster.unanswered?.count, 5);
  const first = lab.plan.nodes[0]?.name ?? '';
  assert.ok(cluster.notes.includes(`node ${first} (pod kia-agent-${first.replace(/^kia-/, '')}): the agent did not answer: 401: unauthorized: give a bearer token the API server vouches for`), cluster.notes.join('\n'));
  assert.equal(cluster.notes.at(-1), 'the kubeconfig user has no bearer token to forward to the agents: agents with --authorize apiserver refuse the request (give a kubeconfig with a token)');
});

test('kia report without --cluster is a usage error', async () => {
  const run = await runKia(['report']);
  assert.equal(run.code, 2);
  assert.equal(run.stderr.trim(), 'kia: kia report needs --cluster (the agents through the API server)');
});

test('kia lab up --agents: an agent per node, and kia report --cluster against the lab with the kubeconfig it writes', async () => {
  const labDir = path.join(dir, 'with-agents');
  const up = await runKia(['lab', 'up', '--dir', labDir, '--nodes', '2', '--network', '43', '--agents', '--detach'], { timeoutMs: 180_000 });
  try {
    assert.equal(up.code, 0, up.stderr);
    const kubeconfig = path.join(labDir, 'kia-report.conf');
    assert.ok(up.stdout.includes(`agents: 2 kia agent processes on the node IPs, port 9472; kia report --cluster --kubeconfig ${kubeconfig}\n`), up.stdout);
    const run = await runKia(['report', '--cluster', '--kubeconfig', kubeconfig, '-o', 'json'], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    const cluster = JSON.parse(run.stdout) as Report & { scope: { targets: { node?: string }[] } };
    assert.deepEqual(cluster.scope.targets.map((t) => t.node), ['kia-control-plane', 'kia-worker-1']);
    assert.equal(cluster.unanswered, undefined);
    // 127.87.1.2 is the worker's loopback in network 43: its kubelet healthz and kube-proxy metrics, seen from inside.
    assert.deepEqual(cluster.endpoints.filter((e) => e.target.node === 'kia-worker-1' && e.address === '127.87.1.2').map((e) => e.port), [10248, 10249, 10250, 10256]);
  } finally {
    await runKia(['lab', 'down', '--dir', labDir], { timeoutMs: 60_000 });
  }
  // The agents go with the lab's process: nothing answers on the control plane's 9472 any more.
  let outcome = '';
  for (let i = 0; i < 100 && outcome !== 'ECONNREFUSED'; i++) {
    outcome = await tcpConnect('127.86.1.1', AGENT_PORT, 1000);
    if (outcome !== 'ECONNREFUSED') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(outcome, 'ECONNREFUSED');
});
