// Lab options a learner reaches for: RSA keys, --port-offset on 127.0.0.1 only, and a warm start that reuses the PKI.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLab } from '../src/lab/index.ts';

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });
// Asynchronous where a lab in this process must answer meanwhile.
const run = promisify(execFile);
function sClient(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', ...args], { timeout: 10_000 }, (_e, stdout) => resolve(stdout));
    child.stdin?.end();
  });
}

describe('lab options', () => {
  it('issues RSA-2048 certificates with --key-type rsa, and a TLS server that uses them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-opt-'));
    const lab = await startLab({ dir, nodes: 1, network: 1, keyType: 'rsa', inProcess: true });
    try {
      assert.match(openssl('x509', '-in', lab.plan.files.ca, '-noout', '-text'), /Public Key Algorithm: rsaEncryption[\s\S]*Public-Key: \(2048 bit\)/);
      const served = await sClient(['-connect', '127.2.1.1:6443', '-CAfile', lab.plan.files.ca]);
      assert.match(served, /Verify return code: 0 \(ok\)/);
      assert.match(served, /Peer signature type: RSA/);
    } finally {
      await lab.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves every port on 127.0.0.1 shifted by --port-offset + 100 per node', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-opt-'));
    const lab = await startLab({ dir, nodes: 2, portOffset: 21000, inProcess: true });
    try {
      const ports = (node: string) => [...new Set(lab.plan.endpoints.filter((e) => e.node === node).map((e) => `${e.address}:${e.number}`))].sort();
      assert.deepEqual(ports('kia-control-plane'), ['127.0.0.1:23379', '127.0.0.1:23380', '127.0.0.1:23381', '127.0.0.1:27443', '127.0.0.1:31248', '127.0.0.1:31249', '127.0.0.1:31250', '127.0.0.1:31256', '127.0.0.1:31257', '127.0.0.1:31259']);
      assert.deepEqual(ports('kia-worker-1'), ['127.0.0.1:31348', '127.0.0.1:31349', '127.0.0.1:31350', '127.0.0.1:31356']);
      const { stdout: body } = await run('curl', ['-s', '-m', '5', 'http://127.0.0.1:31348/healthz']);
      assert.equal(body, 'ok');
    } finally {
      await lab.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reuses the PKI on a warm start and makes a new one when the plan changes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-opt-'));
    const fingerprint = () => openssl('x509', '-in', path.join(dir, 'ca.crt'), '-noout', '-fingerprint', '-sha256');
    try {
      await (await startLab({ dir, nodes: 1, network: 1, inProcess: true })).stop();
      const first = fingerprint();
      await (await startLab({ dir, nodes: 1, network: 1, inProcess: true })).stop();
      assert.equal(fingerprint(), first);
      await (await startLab({ dir, nodes: 1, network: 1, kubernetesVersion: '1.28', inProcess: true })).stop();
      assert.notEqual(fingerprint(), first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
