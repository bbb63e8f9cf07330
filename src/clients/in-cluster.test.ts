import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CredentialError } from '../errors.ts';
import { inClusterAccess, podNamespace } from './in-cluster.ts';

describe('in-cluster access (a pod\'s ServiceAccount mount)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-sa-'));
    fs.writeFileSync(path.join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    fs.writeFileSync(path.join(dir, 'token'), 'first-token\n');
    fs.writeFileSync(path.join(dir, 'namespace'), 'kia-system');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reaches the service address with the mounted CA and token, and reads a rotated token once refreshMs passed', () => {
    let now = 0;
    const access = inClusterAccess({ host: 'fd00::1', port: '443', dir, refreshMs: 60_000, clock: { now: () => now } });
    const first = access();
    assert.equal(first.server, 'https://[fd00::1]:443');
    assert.equal(first.ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
    assert.equal(first.identity?.token?.reveal(), 'first-token');
    fs.writeFileSync(path.join(dir, 'token'), 'rotated-token\n');
    now = 59_000;
    assert.equal(access().identity?.token?.reveal(), 'first-token');
    now = 61_000;
    assert.equal(access().identity?.token?.reveal(), 'rotated-token');
    assert.equal(podNamespace(dir), 'kia-system');
  });

  it('fails at once, naming the file, when nothing is mounted', () => {
    const missing = path.join(dir, 'nothing');
    assert.throws(() => inClusterAccess({ host: '10.96.0.1', port: '443', dir: missing }), (error: unknown) => error instanceof CredentialError && error.message === `in-cluster CA ${missing}/ca.crt not readable: ENOENT`);
    assert.equal(podNamespace(missing), undefined);
  });
});
