// Acting (issue 10): a passive hunt touches no acting route at all; with --active, names a peer lists go into URLs
// only when they are valid Kubernetes names, and encoded. Both kubelets record every request line they receive: a
// hostile one that lists a pod named `x/c?cmd=rm+-rf+%2F&`, and a recording proxy in front of a real lab kubelet; a
// second proxy in front of a kubeadm (Webhook) lab kubelet sees what --active sends as monitor (get nodes/proxy only).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestLab, type TestLab } from './helpers.ts';
import { hostileKubelet, recordingProxy } from './peers/kubelet-like.ts';
import { startHandlerPeer, type Peer, type RecordedRequest } from './peers/peer.ts';
import { peerPki } from './peers/pki.ts';
import { describeRun, runWatched } from './peers/run.ts';

const HOSTILE = '127.77.30.1';
const PROXY = '127.77.31.1';
const WEBHOOK_PROXY = '127.77.32.1';
const EVIL = 'x/c?cmd=rm+-rf+%2F&';

let lab: TestLab;
let dir: string;
/** The CA of the proxies' certificates: tokens go only to servers that verify. */
let caFile: string;
/** The hostile kubelet: 10250 over TLS and the read-only port 10255 over plain HTTP, one record for both. */
let hostile: Peer[];
/** The recording proxies in front of the lab kubelet's 10250 and 10255. */
let proxy: Peer[];
/** The recording proxy in front of the kubeadm node's kubelet (10250); bearer tokens pass through it. */
let webhookProxy: Peer;
const requests = (peers: Peer[]) => peers.flatMap((p) => p.requests);
const forget = (peers: Peer[]) => peers.forEach((p) => (p.requests.length = 0));

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-acting-'));
  // Anonymous may read and run on this lab's kubelet, so a hunt goes as deep as it can.
  lab = await startTestLab({ network: 63, nodes: 2, profile: 'insecure', nodeProfiles: { '2': 'kubeadm' } });
  const pki = await peerPki({ dir, hosts: [HOSTILE, PROXY, WEBHOOK_PROXY] });
  caFile = pki.caFile;
  const handler = hostileKubelet([
    { namespace: 'kube-system', name: EVIL, container: 'kube-proxy' },
    { namespace: 'kube-system', name: 'kube-proxy-abcde', container: 'kube-proxy' },
  ]);
  hostile = [await startHandlerPeer({ host: HOSTILE, port: 10250, tls: pki.good, handler }), await startHandlerPeer({ host: HOSTILE, port: 10255, handler })];
  const labNode = (lab.plan.nodes[0] as { ip: string }).ip;
  proxy = [
    await startHandlerPeer({ host: PROXY, port: 10250, tls: pki.good, handler: recordingProxy(`https://${labNode}:10250`) }),
    await startHandlerPeer({ host: PROXY, port: 10255, handler: recordingProxy(`http://${labNode}:10255`) }),
  ];
  webhookProxy = await startHandlerPeer({ host: WEBHOOK_PROXY, port: 10250, tls: pki.good, handler: recordingProxy(`https://${(lab.plan.nodes[1] as { ip: string }).ip}:10250`) });
});

after(async () => {
  await Promise.all([...(hostile ?? []), ...(proxy ?? []), ...(webhookProxy ? [webhookProxy] : [])].map((p) => p.close()));
  await lab?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const line = (r: RecordedRequest) => `${r.method} ${r.target}`;
const ACTING = /^\/(run|exec|attach|portForward|checkpoint|cri)(\/|\?|$)/;
const acting = (r: RecordedRequest) => ACTING.test(r.target) || (r.method === 'PUT' && r.target.startsWith('/debug/flags/v'));

interface Report {
  endpoints: { address: string; port: number; fingerprint: { component: string }; routes: { route: string; method: string; path: string; status?: number }[]; exec?: { identity: string; state: string }[] }[];
}

describe('a passive hunt', () => {
  let report: Report;
  before(async () => {
    forget(hostile);
    forget(proxy);
    const run = await runWatched(['hunt', HOSTILE, PROXY, '-o', 'json', '--timeout', '5000'], { killAfterMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    report = JSON.parse(run.out) as Report;
  });

  it('names both kubelets, API and read-only ports, and reads their pods (the recorders see the hunt)', () => {
    for (const address of [HOSTILE, PROXY]) {
      for (const port of [10250, 10255]) assert.equal(report.endpoints.find((e) => e.address === address && e.port === port)?.fingerprint.component, 'kubelet', `${address}:${port}`);
    }
    for (const peer of [...hostile, ...proxy]) assert.ok(peer.requests.some((r) => r.target === '/pods'), `${peer.origin}: ${peer.requests.map(line).join(', ')}`);
  });

  it('sends no request to an acting route (/run, /exec, /attach, /portForward, /checkpoint, /cri, PUT /debug/flags/v)', () => {
    for (const peer of [...hostile, ...proxy]) assert.deepEqual(peer.requests.filter(acting).map(line), [], peer.origin);
  });

  it('as monitor, whose get nodes/proxy means exec: the report infers it (exec column), the kubelet sees no acting request', async () => {
    webhookProxy.requests.length = 0;
    const run = await runWatched(['hunt', WEBHOOK_PROXY, '--cacert', caFile, '--token-file', lab.plan.files.monitorToken, '-o', 'json', '--timeout', '5000'], { killAfterMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    assert.ok(webhookProxy.requests.some((r) => r.target === '/pods'), 'the hunt read the pods');
    assert.deepEqual(webhookProxy.requests.filter(acting).map(line), []);
    const api = (JSON.parse(run.out) as Report).endpoints.find((e) => e.port === 10250);
    assert.deepEqual(api?.exec?.map((x) => x.state), ['refused', 'inferred'], JSON.stringify(api?.exec));
  });
});

describe('an active hunt', () => {
  it('of the lab kubelet: one harmless POST /run …?cmd=id on its API port, answered', async () => {
    forget(proxy);
    const run = await runWatched(['hunt', PROXY, '--active', '-o', 'json', '--timeout', '5000'], { killAfterMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    const runs = (proxy[0] as Peer).requests.filter((r) => r.method === 'POST' && r.target.startsWith('/run/')).map(line);
    assert.equal(runs.length, 1, runs.join('\n'));
    assert.match(runs[0] as string, /^POST \/run\/[a-z0-9-]+\/[a-z0-9.-]+\/[a-z0-9-]+\?cmd=id$/);
    const api = (JSON.parse(run.out) as Report).endpoints.find((e) => e.port === 10250);
    const answered = api?.routes.find((r) => r.method === 'POST' && r.path.startsWith('/run/'));
    assert.equal(answered?.status, 200);
  });

  it('of a hostile kubelet: the pod named x/c?cmd=rm+-rf+%2F& gets no /run request; a valid one is run as-is', async () => {
    forget(hostile);
    const run = await runWatched(['hunt', HOSTILE, '--active', '-o', 'json', '--timeout', '5000'], { killAfterMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    assert.ok(requests(hostile).some((r) => r.target === '/pods'), 'the hunt never read the pods');
    const runs = requests(hostile).filter((r) => r.method === 'POST' && ACTING.test(r.target)).map(line);
    for (const r of runs) assert.equal(r, 'POST /run/kube-system/kube-proxy-abcde/kube-proxy?cmd=id');
    const everything = requests(hostile).map(line).join('\n');
    for (const bad of ['rm+-rf', 'rm -rf', 'x/c?', '%2F&']) assert.ok(!everything.includes(bad), `a request carries ${JSON.stringify(bad)}:\n${everything}`);
  });

  it('of a kubeadm kubelet as monitor (get nodes/proxy only) and alice (no grant): one WebSocket GET /exec …?command=id&output=1 as monitor, nothing acting as alice', async () => {
    const token = (file: string) => fs.readFileSync(file, 'utf8').trim();
    const [monitor, alice] = [token(lab.plan.files.monitorToken), token(lab.plan.files.aliceToken)];
    webhookProxy.requests.length = 0;
    const run = await runWatched(['hunt', WEBHOOK_PROXY, '--active', '--cacert', caFile, '--token', alice, '--token-file', lab.plan.files.monitorToken, '-o', 'json', '--timeout', '5000'], { killAfterMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    const sent = webhookProxy.requests.filter(acting);
    const as = (r: RecordedRequest) => (r.headers.authorization === `Bearer ${monitor}` ? 'monitor' : r.headers.authorization === `Bearer ${alice}` ? 'alice' : 'anonymous');
    assert.ok(webhookProxy.requests.some((r) => r.target === '/pods' && as(r) === 'alice'), 'alice was asked the read routes');
    assert.deepEqual(sent.filter((r) => as(r) !== 'monitor').map(line), [], 'nothing acting for identities without nodes/proxy');
    const upgrades = sent.filter((r) => r.target.startsWith('/exec/'));
    assert.deepEqual(upgrades.map((r) => [as(r), r.method, r.headers.upgrade]), [['monitor', 'GET', 'websocket']]);
    assert.match(upgrades[0]?.target ?? '', /^\/exec\/[a-z0-9-]+\/[a-z0-9.-]+\/[a-z0-9-]+\?command=id&output=1$/);
    // Besides the upgrade, only /run's POST (create nodes/proxy, which monitor lacks: 403), as monitor.
    assert.deepEqual(sent.filter((r) => !r.target.startsWith('/exec/')).map((r) => `${as(r)} ${r.method} ${r.target.replace(/\/run\/.*\?/, '/run/…?')}`), ['monitor POST /run/…?cmd=id']);
  });
});
