// `--etcd system`: Debian's real etcd 3.4 in the lab, started with kubeadm's flags and the lab's PKI.
// Expected answers are the real etcd 3.4.23 fixtures (fixtures/real-v1.28/etcd-3.4.*).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { certificateIdentity } from '../src/clients/identity.ts';
import { Transport } from '../src/clients/transport/transport.ts';
import { startLab, type Lab } from '../src/lab/index.ts';

const run = promisify(execFile);
const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/real-v1.28/${name}`, import.meta.url), 'utf8');

async function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('curl', ['-s', '-m', '5', ...args]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '' };
  }
}

for (const [profile, network] of [['kubeadm', 51], ['insecure-http-etcd', 52]] as const) {
  describe(`real etcd from Debian (${profile})`, () => {
    let lab: Lab;
    let dir: string;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-etcd-'));
      lab = await startLab({ dir, nodes: 1, network, etcd: 'system', profile, kubernetesVersion: '1.28' });
    });
    after(async () => {
      await lab?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('runs /usr/bin/etcd itself and says so in lab.json', () => {
      const plan = JSON.parse(fs.readFileSync(path.join(dir, 'lab.json'), 'utf8'));
      assert.equal(plan.etcd, 'system');
      assert.equal(plan.etcdVersion, '3.4.23');
      const etcd = lab.plan.processes.find((p) => p.name === 'etcd');
      assert.ok(etcd);
      assert.equal(fs.readlinkSync(`/proc/${etcd.pid}/exe`), '/usr/bin/etcd');
    });

    it('answers /health on the node-local metrics port exactly as etcd 3.4 does', async () => {
      const ip = `127.${2 * network + 1}.1.1`;
      const res = await curl([`http://${ip}:2381/health`]);
      assert.equal(res.stdout, fixture('etcd-3.4.health.json'));
    });

    if (profile === 'kubeadm') {
      it('serves /version to a client with the etcd client certificate, over mTLS', async () => {
        const res = await curl(['--cacert', lab.plan.files.etcdCa, '--cert', lab.plan.files.etcdClientCert, '--key', lab.plan.files.etcdClientKey, `https://127.${2 * network}.1.1:2379/version`]);
        assert.equal(res.code, 0);
        assert.equal(res.stdout, fixture('etcd-3.4.version.json'));
      });

      it('answers GETs pipelined on one kept-alive mTLS connection, each with its own answer, in order', async () => {
        // Go's HTTP server reads pipelined requests one after another: what kia's kept-alive transport relies on.
        const t = new Transport({ keepAlive: true, timeoutMs: 5000 });
        const identity = certificateIdentity(lab.plan.files.etcdClientCert, lab.plan.files.etcdClientKey, 'etcd-client');
        const ask = (path: string) => t.exchange({ url: `https://127.${2 * network}.1.1:2379${path}`, identity, trust: { ca: fs.readFileSync(lab.plan.files.etcdCa, 'utf8') } });
        try {
          assert.equal((await ask('/version')).body.toString(), fixture('etcd-3.4.version.json'));
          const paths = ['/health', '/version', '/metrics', '/health', '/version', '/metrics'];
          const got = await Promise.all(paths.map(ask));
          assert.deepEqual(got.map((r) => [r.outcome, r.status]), paths.map(() => ['ok', 200]));
          for (const i of [0, 3]) assert.equal(got[i]?.body.toString(), fixture('etcd-3.4.health.json'));
          for (const i of [1, 4]) assert.equal(got[i]?.body.toString(), fixture('etcd-3.4.version.json'));
          for (const i of [2, 5]) assert.match(got[i]?.body.toString() ?? '', /^# HELP [\s\S]*\netcd_server_has_leader 1\n/);
          assert.equal(t.counts.dialed, 1);
          assert.ok(t.counts.writtenAhead >= 4, `written ahead: ${t.counts.writtenAhead}`);
          assert.equal(t.counts.resent, 0);
        } finally {
          t.close();
        }
      });

      it('refuses a client without a certificate in the TLS handshake', async () => {
        const res = await curl(['--cacert', lab.plan.files.etcdCa, `https://127.${2 * network}.1.1:2379/version`]);
        assert.notEqual(res.code, 0);
        assert.equal(res.stdout, '');
      });
    } else {
      it('serves the client port over plain HTTP to anyone', async () => {
        const res = await curl([`http://127.${2 * network}.1.1:2379/version`]);
        assert.equal(res.stdout, fixture('etcd-3.4.version.json'));
      });
    }
  });
}
