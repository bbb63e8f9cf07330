// A kubeconfig exec plugin that never answers: stopped at kia's own limit (30 s by default, shortened here), named in
// one line, and killed with its children. The CLI's deadline path is in test/cli-flags.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKubeconfig } from './kube-api.ts';

test('a hanging exec plugin is stopped at the limit, named, and its process is gone', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-exec-plugin-'));
  try {
    const plugin = path.join(dir, 'kia-unit-hanging-plugin.sh');
    fs.writeFileSync(plugin, '#!/bin/sh\nsleep 600\n', { mode: 0o700 });
    const conf = path.join(dir, 'hanging.conf');
    fs.writeFileSync(
      conf,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
        'users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ' + JSON.stringify(plugin) + ', interactiveMode: Never}}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    await assert.rejects(loadKubeconfig({ path: conf, execTimeoutMs: 700 }), (error: Error) => {
      assert.equal(error.message, `exec plugin \`${plugin}\` (kubeconfig ${conf}, user u) did not finish within 700 ms (it may wait for an interactive login, which kia does not run)`);
      return true;
    });
    await new Promise((r) => setTimeout(r, 200));
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('kia-unit-hanging-plugin'));
    assert.deepEqual(left, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
