// The kept session without the server's certificate: real sessions from node:tls, read by `openssl sess_id` from
// outside (the certificate gone, the rest the same) and resumed by a real server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { withoutPeer } from './session.ts';
import { TlsCache } from './tls-cache.ts';

let dir: string;
let server: tls.Server;
let port = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kia-session-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-subj', '/CN=session-test', '-days', '2'], { cwd: dir, stdio: 'ignore' });
  server = tls.createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (socket) => {
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** One connection: the first session it is given, whether it resumed, and whether it saw a peer certificate. */
function connect(maxVersion: tls.SecureVersion, session?: Buffer): Promise<{ session?: Buffer; reused: boolean; peer: boolean }> {
  return new Promise((resolve, reject) => {
    let kept: Buffer | undefined;
    let reused = false;
    let peer = false;
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion, ...(session ? { session } : {}) });
    socket.on('session', (s: Buffer) => (kept ??= s));
    socket.on('secureConnect', () => {
      reused = socket.isSessionReused();
      peer = Object.keys(socket.getPeerCertificate()).length > 0;
    });
    socket.on('data', () => undefined);
    socket.on('error', reject);
    socket.on('close', () => resolve({ ...(kept ? { session: kept } : {}), reused, peer }));
  });
}

/** `openssl sess_id` on a DER session: its PEM with the certificate after it (when it has one), and its text. */
function sessId(name: string, der: Buffer): { certificate: string; text: string } {
  const file = join(dir, name);
  writeFileSync(file, der);
  const certificate = execFileSync('openssl', ['sess_id', '-inform', 'DER', '-in', file, '-cert'], { encoding: 'utf8' });
  const text = execFileSync('openssl', ['sess_id', '-inform', 'DER', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
  return { certificate, text };
}

describe('a session kept without the peer certificate', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: the certificate is gone, the rest is the same, and the server resumes it`, async () => {
      const first = await connect(version);
      assert.ok(first.session, 'the server gave a session');
      assert.equal(first.peer, true);
      const kept = withoutPeer(first.session);
      assert.ok(kept.length < first.session.length - 200, `${kept.length} bytes of ${first.session.length}`);
      const before = sessId(`${version}-full.der`, first.session);
      const after = sessId(`${version}-kept.der`, kept);
      assert.match(before.certificate, /-----BEGIN CERTIFICATE-----/);
      assert.doesNotMatch(after.certificate, /BEGIN CERTIFICATE/);
      assert.match(before.text, new RegExp(`Protocol +: ${version.replace('.', '\\.')}`));
      assert.equal(after.text, before.text);
      const resumed = await connect(version, kept);
      assert.equal(resumed.reused, true);
      assert.equal(resumed.peer, false);
      // What a resumed connection hands out has no certificate to drop: it comes back as it was.
      if (resumed.session) assert.equal(withoutPeer(resumed.session).length, resumed.session.length);
    });
  }

  it('returns what is not a whole session as it was', async () => {
    const { session } = await connect('TLSv1.2');
    assert.ok(session);
    const inputs = [Buffer.alloc(0), Buffer.from('not a session'), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), session.subarray(0, 100), Buffer.concat([session, Buffer.from([0])])];
    for (const input of inputs) assert.equal(withoutPeer(input), input);
  });

  it('is kept by the cache without its certificate, and offered only while its full handshake is on record', async () => {
    const { session } = await connect('TLSv1.2');
    assert.ok(session);
    const cache = new TlsCache();
    const key = cache.sessionKey('127.0.0.1', port, undefined, undefined);
    cache.keepSession(key, session);
    // No record of the handshake behind it: not offered (a resumption would then be taken for unverified).
    assert.equal(cache.session(key), undefined);
    cache.rememberPeer(key, { named: true, authorized: false, authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const offered = cache.session(key);
    assert.ok(offered);
    assert.deepEqual(offered, withoutPeer(session));
    assert.ok(offered.length < session.length);
    cache.forgetSession(key);
    assert.equal(cache.session(key), undefined);
  });
});
