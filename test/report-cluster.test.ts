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
  assert.equal(run.stderr.trim(), 'kia: kia report needs --cluster (the agents through the API server) or --from-prometheus URL');
  const ftp = await runKia(['report', '--from-prometheus', 'ftp://127.82.9.9/']);
  assert.equal(ftp.code, 2);
  assert.equal(ftp.stderr.trim(), 'kia: --from-prometheus "ftp://127.82.9.9/": http:// or https:// only');
});

/** Prometheus' instant query, asked with fetch (an outside client): the vector's samples. */
async function promQuery(base: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data?.result ?? [];
}

test('--from-prometheus: the same nodes, silent agent and findings per node, from a real Prometheus scraping the agents', async () => {
  const nodes = lab.plan.nodes;
  const silent = nodes.at(-1)?.name ?? '';
  const promDir = path.join(dir, 'prometheus');
  fs.mkdirSync(promDir, { recursive: true });
  // As deploy/kustomize/monitoring's ServiceMonitor scrapes them: job kia-agent, instance = the node's name, a token.
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [
      {
        job_name: 'kia-agent',
        scheme: 'https',
        scrape_interval: '1s',
        scrape_timeout: '1s',
        authorization: { type: 'Bearer', credentials: adminToken },
        tls_config: { insecure_skip_verify: true },
        static_configs: nodes.map((n) => ({ targets: [`${n.ip}:${AGENT_PORT}`], labels: { instance: n.name } })),
      },
    ],
  };
  fs.writeFileSync(path.join(promDir, 'prometheus.yml'), YAML.stringify(config));
  const base = 'http://127.82.9.9:9090';
  const prometheus = spawn('/usr/bin/prometheus', [`--config.file=${path.join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(promDir, 'data')}`, '--web.listen-address=127.82.9.9:9090', '--log.level=warn'], { stdio: 'ignore' });
  running.push(prometheus);
  try {
    // The first samples reach the query API some seconds after start (TESTING.md): every agent scraped once.
    let seen = 0;
    for (let i = 0; i < 120 && seen < 5; i++) {
      await new Promise((r) => setTimeout(r, 500));
      seen = await promQuery(base, 'up{job="kia-agent"}').then((r) => r.length, () => 0);
      if (seen === 5 && (await promQuery(base, 'kia_last_cycle_timestamp_seconds')).length < 4) seen = 0;
    }
    assert.equal(seen, 5, 'Prometheus did not scrape the five agents');
    const run = await runKia(['report', '--from-prometheus', base, '-o', 'json'], { timeoutMs: 60_000 });
    assert.equal(run.code, 3, run.stderr);
    const summary = JSON.parse(run.stdout) as Report & { scope: { targets: { node?: string; source: string }[] } };
    assert.deepEqual(summary.scope.targets.map((t) => [t.node, t.source]), nodes.map((n) => [n.name, 'prometheus']));
    assert.deepEqual(summary.unanswered, { count: 1, addresses: [silent] });
    assert.equal(summary.notes[0], 'from Prometheus at http://127.82.9.9:9090 (job="kia-agent"): counts and states as the agents last reported them; endpoints and evidence come from the agents themselves (kia report --cluster)');
    assert.ok(summary.notes.includes(`node ${silent}: Prometheus could not scrape its agent (up == 0)`), summary.notes.join('\n'));
    // Each node's findings by rule: as many as the agent's own report holds.
    for (const node of nodes.slice(0, -1)) {
      const direct = await curl(['-sk', '-H', `Authorization: Bearer ${adminToken}`, `https://${node.ip}:${AGENT_PORT}/api/report`]);
      const own = JSON.parse(direct.stdout) as Report;
      const counts = new Map<string, number>();
      for (const f of own.findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
      const expected = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([rule, n]) => `${rule} ${n} ${n === 1 ? 'finding' : 'findings'} on ${node.name}`);
      const got = summary.findings.filter((f) => f.node === node.name).map((f) => `${f.rule} ${(/^\d+ findings? on \S+/.exec((f as unknown as { message: string }).message) ?? [''])[0]}`);
      assert.deepEqual(got, expected);
    }
    // The lab's kubelets serve the certificate they generated themselves (kubeadm's default): every agent saw it.
    assert.deepEqual(summary.findings.filter((f) => f.rule === 'KIA-KUBELET-005').map((f) => f.node), nodes.slice(0, -1).map((n) => n.name));
  } finally {
    prometheus.kill('SIGTERM');
  }
  // Prometheus gone: one line, exit 3.
  const down = await runKia(['report', '--from-prometheus', base, '--timeout', '2s']);
  assert.equal(down.code, 3);
  assert.match(down.stderr.trim(), /^kia: cannot query Prometheus: http:\/\/127\.82\.9\.9:9090: (refused|reset)/);
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
