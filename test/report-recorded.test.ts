// Recorded agents (the scale bench's 1,000 nodes on one machine): one process answers as the agent of each of 20 lab
// nodes with a recorded report made that node's, behind the lab apiserver's pods proxy; `kia report --cluster` merges
// every node. Not a benchmark: nothing here is timed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { startLab, type Lab } from '../src/lab/index.ts';
import { startRecordedAgents, type RecordedAgents } from '../src/lab/components/recorded-agents.ts';
import { curl, readToken, runKia } from './helpers.ts';

const NETWORK = 45; // node IPs 127.90.1.x, node-local 127.91.1.x (a network no other suite uses)
const RECORDINGS = path.join(process.cwd(), 'fixtures/agent-reports');

let lab: Lab;
let agents: RecordedAgents;
let dir: string;
let token: string;
let kubeconfig: string;

interface Report {
  schema: string;
  scope: { targets: { node?: string; address: string }[] };
  endpoints: { address: string; port: number; target: { node?: string } }[];
  findings: { node?: string }[];
  unanswered?: unknown;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-report-recorded-'));
  lab = await startLab({ dir, nodes: 20, network: NETWORK });
  token = readToken(lab.plan.files.adminToken);
  agents = await startRecordedAgents({ plan: lab.plan, recordings: RECORDINGS, token });
  const admin = YAML.parse(fs.readFileSync(lab.plan.files.adminConf, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  for (const u of admin.users) u.user = { token };
  kubeconfig = path.join(dir, 'admin-token.conf');
  fs.writeFileSync(kubeconfig, YAML.stringify(admin), { mode: 0o600 });
});

after(async () => {
  await agents?.stop();
  await lab?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a recorded agent answers on its node's IP with that node's report, and only to the forwarded token", async () => {
  const health = await curl(['-sk', 'https://127.90.1.8:9472/healthz']);
  assert.equal(health.stdout, 'ok');
  const refused = await curl(['-sk', '-o', '/dev/null', '-w', '%{http_code}', 'https://127.90.1.8:9472/api/report']);
  assert.equal(refused.stdout, '401');
  const answered = await curl(['-sk', '-H', `X-Kia-Authorization: Bearer ${token}`, 'https://127.90.1.8:9472/api/report']);
  const report = JSON.parse(answered.stdout) as Report;
  assert.equal(report.schema, 'kia.report/v1');
  assert.deepEqual(report.scope.targets, [{ host: 'kia-worker-7', address: '127.0.0.1', source: 'local', node: 'kia-worker-7' }]);
  assert.deepEqual(
    report.endpoints.map((e) => `${e.address}:${e.port}`),
    ['127.90.1.8:10250', '127.90.1.8:10256', '127.91.1.8:10248', '127.91.1.8:10249', '127.91.1.8:10250', '127.91.1.8:10256'],
  );
});

test('kia report --cluster through the pods proxy merges all 20 recorded nodes', async () => {
  const run = await runKia(['report', '--cluster', '--kubeconfig', kubeconfig, '-o', 'json'], { timeoutMs: 120_000 });
  assert.equal(run.code, 0, run.stderr);
  const cluster = JSON.parse(run.stdout) as Report;
  assert.equal(cluster.unanswered, undefined);
  assert.deepEqual(cluster.scope.targets.map((t) => [t.node, t.address]), [
    ['kia-control-plane', '127.90.1.1'],
    ['kia-worker-1', '127.90.1.2'],
    ['kia-worker-2', '127.90.1.3'],
    ['kia-worker-3', '127.90.1.4'],
    ['kia-worker-4', '127.90.1.5'],
    ['kia-worker-5', '127.90.1.6'],
    ['kia-worker-6', '127.90.1.7'],
    ['kia-worker-7', '127.90.1.8'],
    ['kia-worker-8', '127.90.1.9'],
    ['kia-worker-9', '127.90.1.10'],
    ['kia-worker-10', '127.90.1.11'],
    ['kia-worker-11', '127.90.1.12'],
    ['kia-worker-12', '127.90.1.13'],
    ['kia-worker-13', '127.90.1.14'],
    ['kia-worker-14', '127.90.1.15'],
    ['kia-worker-15', '127.90.1.16'],
    ['kia-worker-16', '127.90.1.17'],
    ['kia-worker-17', '127.90.1.18'],
    ['kia-worker-18', '127.90.1.19'],
    ['kia-worker-19', '127.90.1.20'],
  ]);
  // The control plane's recording has 14 endpoints and 2 findings; the workers' 6 endpoints each, and 2 (worker-1's,
  // odd workers) or 4 (worker-2's, even workers) findings.
  assert.equal(cluster.endpoints.length, 14 + 19 * 6);
  assert.equal(cluster.findings.length, 2 + 10 * 2 + 9 * 4);
  assert.deepEqual(
    cluster.endpoints.filter((e) => e.target.node === 'kia-worker-17').map((e) => `${e.address}:${e.port}`),
    ['127.90.1.18:10250', '127.90.1.18:10256', '127.91.1.18:10248', '127.91.1.18:10249', '127.91.1.18:10250', '127.91.1.18:10256'],
  );
});

test('the pods proxy answers an HTTP/2 caller too (its pseudo-headers are not passed on to the pod)', async () => {
  const url = 'https://127.90.1.1:6443/api/v1/namespaces/kia-system/pods/https:kia-agent-worker-3:9472/proxy/api/report';
  const run = await curl(['-sk', '--http2', '-w', '\n%{http_version} %{http_code}', '-H', `Authorization: Bearer ${token}`, '-H', `X-Kia-Authorization: Bearer ${token}`, url]);
  const status = run.stdout.slice(run.stdout.lastIndexOf('\n') + 1);
  assert.equal(status, '2 200', run.stdout.slice(0, 300));
  const report = JSON.parse(run.stdout.slice(0, run.stdout.lastIndexOf('\n'))) as Report;
  assert.deepEqual(report.scope.targets, [{ host: 'kia-worker-3', address: '127.0.0.1', source: 'local', node: 'kia-worker-3' }]);
});
