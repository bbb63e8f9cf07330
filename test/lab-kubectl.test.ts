// Debian's kubectl (kubernetes-client 1.20) reads a node's pods through the lab apiserver's node proxy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startLab, type Lab } from '../src/lab/index.ts';

const run = promisify(execFile);
const KUBECTL = process.env.KIA_KUBECTL ?? path.join(process.cwd(), '.cache/kubernetes-client/usr/bin/kubectl');

describe("Debian's kubectl through the node proxy", () => {
  let lab: Lab;
  let dir: string;
  before(async () => {
    assert.ok(fs.existsSync(KUBECTL), `kubectl not found at ${KUBECTL}: run .ci/run, which unpacks Debian's kubernetes-client there`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-kubectl-'));
    lab = await startLab({ dir, nodes: 2, network: 53, inProcess: true });
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is the Debian 1.20 client', async () => {
    const { stdout } = await run(KUBECTL, ['version', '--client', '--short']);
    assert.match(stdout, /^Client Version: v1\.20\./);
  });

  it('gets the PodList of a worker with admin.conf', async () => {
    const { stdout } = await run(KUBECTL, ['--kubeconfig', lab.plan.files.adminConf, 'get', '--raw', '/api/v1/nodes/kia-worker-1/proxy/pods']);
    const list = JSON.parse(stdout);
    assert.equal(list.kind, 'PodList');
    assert.equal(list.apiVersion, 'v1');
    const names: string[] = list.items.map((p: { metadata: { name: string } }) => p.metadata.name);
    const expected = lab.plan.nodes[1]?.pods.map((p) => p.name) ?? [];
    assert.deepEqual(names, expected);
    assert.ok(names.some((n) => /^kube-proxy-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(n)));
  });

  it('is refused for alice, who may not proxy to nodes', async () => {
    await assert.rejects(
      run(KUBECTL, ['--kubeconfig', lab.plan.files.aliceConf, 'get', '--raw', '/api/v1/nodes/kia-worker-1/proxy/pods']),
      (error: { stderr?: string }) => /forbidden/i.test(error.stderr ?? ''),
    );
  });
});
