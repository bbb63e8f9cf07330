// kia health against the lab, one fault at a time: the table shows exactly that state and the exit code follows
// CONVENTIONS (0 healthy, 1 degraded, 3 down); and against Debian's real etcd: healthy, killed, stopped. Each fault is
// applied with the lab's own API and awaited on its event; kia runs as a separate process, as a user runs it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runKia, startTestLab, type KiaRun, type TestLab } from './helpers.ts';
import type { HealthReport } from '../src/model/index.ts';

const KIA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kia.js');

type Run = KiaRun;

const kia = (args: string[]): Promise<Run> => runKia(args, { env: { ...process.env, NO_COLOR: '1' } });

/** The table row of one node and component: `STATE  DETAIL`. */
function row(table: string, node: string, component: string): string {
  const lines = table.split('\n');
  let current = '';
  for (const line of lines) {
    const name = line.slice(0, line.indexOf(' ')).trim();
    if (name && !line.startsWith(' ') && name !== 'NODE') current = name;
    const cells = line.replace(/^\S*\s+/, '').trim();
    if (current === node && (line.startsWith(' ') ? line.trim() : cells).startsWith(`${component} `)) {
      return (line.startsWith(' ') ? line.trim() : cells).slice(component.length).trim().replace(/\s+/, '  ');
    }
  }
  throw new Error(`no row for ${node} ${component} in:\n${table}`);
}

describe('kia health with each lab fault (3 nodes, Kubernetes 1.36)', () => {
  let t: TestLab;
  let now = Date.now();
  const clock = { now: () => now };
  const health = (...extra: string[]) => kia(['health', '--lab', t.dir, '--timeout', '1500', ...extra]);
  const W1 = 'kia-worker-1';
  const CP = 'kia-control-plane';

  before(async () => {
    t = await startTestLab({ network: 16, nodes: 3, kubernetesVersion: '1.36', clock });
  });
  after(async () => {
    await t?.stop();
  });

  test('healthy: every component ok, exit 0', async () => {
    const run = await health();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(row(run.stdout, CP, 'etcd'), /^healthy {2}ok: 2379 \/health, 2381 \/health \/livez \/readyz · certificate 36\d d$/);
    assert.match(row(run.stdout, CP, 'kube-apiserver'), /^healthy {2}ok: 6443 \/healthz \/livez \/readyz · certificate 36\d d$/);
    assert.match(row(run.stdout, W1, 'kubelet'), /^healthy {2}ok: 10248 \/healthz, 10250 \/healthz · certificate 36\d d$/);
    assert.match(run.stdout, /3 nodes, 10 components: 10 healthy/);
  });

  test('down: the worker kubelet refuses connections, exit 3', async () => {
    await t.lab.fault(W1, 'kubelet', 'down');
    try {
      const run = await health();
      assert.equal(run.code, 3);
      assert.equal(row(run.stdout, W1, 'kubelet'), 'down  10248 /healthz: connection refused; 10250 /healthz: connection refused');
      assert.match(row(run.stdout, 'kia-worker-2', 'kubelet'), /^healthy/);
    } finally {
      await t.lab.fault(W1, 'kubelet', 'clear');
    }
  });

  test('hang: accepted and never answered is down too (timeout), exit 3', async () => {
    await t.lab.fault(CP, 'kube-scheduler', 'hang');
    try {
      const run = await health();
      assert.equal(run.code, 3);
      assert.match(row(run.stdout, CP, 'kube-scheduler'), /^down {2}10259 \/healthz: no answer \(timeout\); 10259 \/livez: no answer \(timeout\); 10259 \/readyz: no answer \(timeout\)$/);
    } finally {
      await t.lab.fault(CP, 'kube-scheduler', 'clear');
    }
  });

  test('unhealthy kubelet: 500 with the reason the summary withholds, read from /healthz/syncloop, exit 1', async () => {
    await t.lab.fault(W1, 'kubelet', 'unhealthy:syncloop');
    try {
      const run = await health();
      assert.equal(run.code, 1);
      assert.equal(row(run.stdout, W1, 'kubelet'), 'degraded  10250 /healthz: 500 syncloop failed: sync Loop took longer than expected');
      const json = await health('-o', 'json');
      const report = JSON.parse(json.stdout) as HealthReport;
      const probe = report.nodes.find((n) => n.name === W1)?.components.find((c) => c.component === 'kubelet')?.endpoints.find((e) => e.port === 10250)?.probes[0];
      assert.deepEqual(probe?.checks, [
        { name: 'ping', ok: true },
        { name: 'log', ok: true },
        { name: 'syncloop', ok: false, reason: 'sync Loop took longer than expected' },
      ]);
    } finally {
      await t.lab.fault(W1, 'kubelet', 'clear');
    }
  });

  test('unhealthy apiserver: the etcd check fails on healthz, livez and readyz, exit 1', async () => {
    await t.lab.fault(CP, 'kube-apiserver', 'unhealthy');
    try {
      const run = await health();
      assert.equal(run.code, 1);
      assert.match(row(run.stdout, CP, 'kube-apiserver'), /^degraded {2}6443 \/healthz: 500 etcd failed: error getting data from etcd: context deadline exceeded; 6443 \/livez: 500 etcd failed/);
    } finally {
      await t.lab.fault(CP, 'kube-apiserver', 'clear');
    }
  });

  test('unhealthy controller-manager: reason withheld and no sub-path upstream, exit 1', async () => {
    await t.lab.fault(CP, 'kube-controller-manager', 'unhealthy');
    try {
      const run = await health();
      assert.equal(run.code, 1);
      assert.equal(row(run.stdout, CP, 'kube-controller-manager'), 'degraded  10257 /healthz: 500 leaderElection failed');
    } finally {
      await t.lab.fault(CP, 'kube-controller-manager', 'clear');
    }
  });

  test('etcd NOSPACE: /health 503 with the alarm; livez and readyz still pass, exit 1', async () => {
    await t.lab.fault(CP, 'etcd', 'unhealthy:NOSPACE');
    try {
      const run = await health();
      assert.equal(run.code, 1);
      assert.equal(row(run.stdout, CP, 'etcd'), 'degraded  2379 /health: 503 ALARM NOSPACE; 2381 /health: 503 ALARM NOSPACE');
    } finally {
      await t.lab.fault(CP, 'etcd', 'clear');
    }
  });

  test('etcd without a leader: /health 503 RAFT NO LEADER, readyz linearizable_read fails, exit 1', async () => {
    await t.lab.fault(CP, 'etcd', 'unhealthy:leader');
    try {
      const run = await health();
      assert.equal(run.code, 1);
      assert.match(row(run.stdout, CP, 'etcd'), /^degraded {2}2379 \/health: 503 RAFT NO LEADER; 2381 \/health: 503 RAFT NO LEADER; 2381 \/readyz: 503 linearizable_read failed: /);
    } finally {
      await t.lab.fault(CP, 'etcd', 'clear');
    }
  });

  test('kube-proxy stale: 503 from 10256, exit 1', async () => {
    await t.lab.fault(W1, 'kube-proxy', 'stale');
    try {
      const run = await health();
      assert.equal(run.code, 1);
      assert.match(row(run.stdout, W1, 'kube-proxy'), /^degraded {2}10256 \/healthz: 503 stale: lastUpdated \d+(\.\d)? s behind currentTime$/);
    } finally {
      await t.lab.fault(W1, 'kube-proxy', 'clear');
    }
  });

  test('kube-proxy frozen: 200, but lastUpdated stopped while currentTime moved on: stale on the client side, exit 1', async () => {
    await t.lab.fault(W1, 'kube-proxy', 'frozen');
    try {
      now += 30_000;
      const early = await health();
      assert.equal(early.code, 0, 'within the 60 s limit it is still healthy');
      assert.match(row(early.stdout, W1, 'kube-proxy'), /^healthy {2}ok: 10249 \/healthz, 10256 \/healthz$/);
      now += 65_000;
      const run = await health();
      assert.equal(run.code, 1);
      assert.equal(row(run.stdout, W1, 'kube-proxy'), 'degraded  10256 /healthz: stale: lastUpdated 95 s behind currentTime (frozen; limit 60 s)');
      const strict = await health('--proxy-stale-after', '120');
      assert.equal(strict.code, 0, '--proxy-stale-after moves the limit');
    } finally {
      await t.lab.fault(W1, 'kube-proxy', 'clear');
    }
  });

  test('cert-expiring 5 is critical and 20 a warning: under the 7-day and the 30-day thresholds, exit 1; clear restores it', async () => {
    await t.lab.fault(W1, 'kubelet', 'cert-expiring:20');
    try {
      const run = await health();
      assert.equal(run.code, 1);
      assert.match(row(run.stdout, W1, 'kubelet'), /^warning {2}10250 certificate expires in (19|20) d$/);
    } finally {
      await t.lab.fault(W1, 'kubelet', 'clear');
    }
    await t.lab.fault(W1, 'kubelet', 'cert-expiring:5');
    try {
      const run = await health();
      assert.equal(run.code, 1);
      assert.match(row(run.stdout, W1, 'kubelet'), /^critical {2}10250 certificate expires in [45] d$/);
      const report = JSON.parse((await health('-o', 'json')).stdout) as HealthReport;
      const cert = report.nodes.find((n) => n.name === W1)?.components.find((c) => c.component === 'kubelet')?.endpoints.find((e) => e.port === 10250)?.certificate;
      assert.equal(cert?.level, 'critical');
    } finally {
      await t.lab.fault(W1, 'kubelet', 'clear');
    }
    const after = await health();
    assert.equal(after.code, 0, after.stdout);
  });

  test('--watch: a report per interval until Ctrl-C, which ends it cleanly with the last state as the exit code', async () => {
    const child = spawn(process.execPath, [KIA, 'health', '--lab', t.dir, '--watch', '--interval', '1', '--timeout', '1500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if ((out.match(/^3 nodes, 10 components: 10 healthy/gm) ?? []).length >= 2) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 0);
    assert.equal((out.match(/^NODE +COMPONENT +STATE +DETAIL$/gm) ?? []).length >= 2, true);
  });

  test('--kubeconfig: nodes from the API server, its user as the credential; etcd refuses that certificate: unknown, not down', async () => {
    const run = await kia(['health', '--kubeconfig', t.plan.files.adminConf, '--timeout', '1500']);
    // Unknown is not a pass (CONVENTIONS): answered, but not verified.
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(row(run.stdout, CP, 'etcd'), 'unknown  not verified: the server refused the client certificate of kubeconfig:kubernetes-admin: give one it trusts (etcd: --etcd-cert/--etcd-key)');
    assert.match(row(run.stdout, W1, 'kubelet'), /^healthy {2}ok: 10250 \/healthz · certificate 36\d d$/);
    assert.match(row(run.stdout, CP, 'kube-apiserver'), /^healthy/);
    assert.match(run.stdout, /3 nodes, 8 components: 7 healthy, 1 unknown \(not verified\)/);
  });

  test('without credentials the kubelet API is not checked (unknown), and says how to fix it', async () => {
    const run = await kia(['health', t.plan.nodes[1]?.ip ?? '', '--timeout', '1500']);
    assert.equal(run.code, 1);
    assert.equal(row(run.stdout, t.plan.nodes[1]?.ip ?? '', 'kubelet'), 'unknown  not verified: 401: anonymous may not ask /healthz?verbose; give --cert/--key or --token of an identity allowed get nodes/proxy (nodes/healthz from 1.33)');
  });
});

describe("kia health against Debian's real etcd", { skip: !fs.existsSync('/usr/bin/etcd') && 'needs Debian etcd-server' }, () => {
  let t: TestLab;
  const CP = 'kia-control-plane';
  /** The real etcd answers 503 until it has elected itself leader: wait for kia health to say so, on its own terms. */
  async function healthy(): Promise<Run> {
    const deadline = Date.now() + 30_000;
    let run = await kia(['health', '--lab', t.dir, '--timeout', '2000', '-o', 'json']);
    while (run.code !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      run = await kia(['health', '--lab', t.dir, '--timeout', '2000', '-o', 'json']);
    }
    return run;
  }

  before(async () => {
    t = await startTestLab({ network: 17, nodes: 1, kubernetesVersion: '1.36', etcd: 'system' });
  });
  after(async () => {
    await t?.stop();
  });

  test('healthy: etcd 3.4 answers /health without reason; it has no /livez /readyz (404: not served)', async () => {
    const run = await healthy();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as HealthReport;
    const etcd = report.nodes[0]?.components.find((c) => c.component === 'etcd');
    assert.equal(etcd?.state, 'healthy');
    const metrics = etcd?.endpoints.find((e) => e.port === 2381);
    assert.deepEqual(
      metrics?.probes.map((p) => [p.path, p.state, p.status, p.detail]),
      [
        ['/health', 'healthy', 200, 'ok'],
        ['/livez?verbose', 'skipped', 404, '404: not served by this version'],
        ['/readyz?verbose', 'skipped', 404, '404: not served by this version'],
      ],
    );
  });

  test('killed: down, exit 3; stopped (SIGSTOP): down by timeout, exit 3; cleared: healthy again', async () => {
    await t.lab.fault(CP, 'etcd', 'down');
    const killed = await kia(['health', '--lab', t.dir, '--timeout', '1500']);
    assert.equal(killed.code, 3);
    assert.equal(row(killed.stdout, CP, 'etcd'), 'down  2379 /health: connection refused; 2381 /health: connection refused; 2381 /livez: connection refused; +1 more');
    await t.lab.fault(CP, 'etcd', 'clear');
    await t.lab.fault(CP, 'etcd', 'hang');
    try {
      const stopped = await kia(['health', '--lab', t.dir, '--timeout', '1500']);
      assert.equal(stopped.code, 3);
      assert.match(row(stopped.stdout, CP, 'etcd'), /^down {2}2379 \/health: no answer \(timeout\); 2381 \/health: no answer \(timeout\)/);
    } finally {
      await t.lab.fault(CP, 'etcd', 'clear');
    }
    const back = await healthy();
    assert.equal(back.code, 0, back.stdout);
    assert.equal((JSON.parse(back.stdout) as HealthReport).nodes[0]?.components.find((c) => c.component === 'etcd')?.state, 'healthy');
  });
});

describe('kia health of an etcd that serves its client port over plain HTTP (insecure-http-etcd)', () => {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ network: 19, nodes: 1, kubernetesVersion: '1.36', profile: 'insecure-http-etcd' });
  });
  after(async () => {
    await t?.stop();
  });

  test('scanned as a target with the etcd certificate: the TLS attempt meets plain HTTP, so it is asked over HTTP: healthy, not down', async () => {
    const files = t.plan.files;
    const run = await kia(['health', t.plan.nodes[0]?.ip ?? '', '--etcd-cert', files.etcdClientCert, '--etcd-key', files.etcdClientKey, '--timeout', '1500', '-o', 'json']);
    const report = JSON.parse(run.stdout) as HealthReport;
    const etcd = report.nodes[0]?.components.find((c) => c.component === 'etcd');
    assert.equal(etcd?.state, 'healthy', JSON.stringify(etcd));
    assert.deepEqual(etcd?.endpoints.map((e) => [e.port, e.scheme, e.probes.map((p) => [p.path, p.status])]), [[2379, 'http', [['/health', 200]]]]);
  });
});
