import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
 
import { startLab, type Lab } from '../../lab/index.ts';
import { detectClientCertPolicy } from './client-cert.ts';
import { weakSuiteHello } from './tls-posture.ts';
import { parseServerFlight } from './tls-records.ts';
import { Transport } from './transport.ts';

interface Pem {
  cert: string;
  key: string;
}

// Certificates from the system openssl, not from our own PKI code.
function openssl(dir: string, name: string, subject: string): Pem {
  const [cert, key] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', subject, '-days', '2'], { stdio: 'ignore' });
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

async function serve(options: tls.TlsOptions, onSecure?: (socket: tls.TLSSocket) => void): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const server = tls.createServer(options, (socket) => {
    socket.on('error', () => undefined);
    if (onSecure) onSecure(socket);
    else socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  });
  server.on('tlsClientError', () => undefined);
  // A hello we cut short leaves the server's side open until it reads again: closing ends those too.
  const sockets = new Set<net.Socket>();
  let connections = 0;
  server.on('connection', (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

describe('detectClientCertPolicy against node:tls servers', () => {
  let dir: string;
  let server: Pem;
  let ca: Pem;
  let other: Pem;
  const closers: (() => Promise<void>)[] = [];
  const probe = async (options: tls.TlsOptions, onSecure?: (socket: tls.TLSSocket) => void) => {
    const started = await serve({ cert: server.cert, key: server.key, ...options }, onSecure);
    closers.push(started.close);
    return detectClientCertPolicy({ host: '127.0.0.1', port: started.port, servername: 'localhost', timeoutMs: 3000 });
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kia-client-cert-'));
    server = openssl(dir, 'server', '/CN=localhost');
    ca = openssl(dir, 'ca', '/O=kia/CN=kia test ca');
    other = openssl(dir, 'other', '/CN=second-ca');
  });
  after(async () => {
    await Promise.all(closers.map((close) => close()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('no CertificateRequest: none', async () => {
    const result = await probe({ requestCert: false });
    assert.deepEqual(result, { policy: 'none', evidence: 'TLS 1.2 handshake completed without a CertificateRequest', tls12: true, isTls: true, alpn: false });
  });

  test('requested, with the acceptable CA names in DER order', async () => {
    const result = await probe({ requestCert: true, rejectUnauthorized: false, ca: [ca.cert, other.cert] });
    assert.equal(result.policy, 'requested');
    assert.deepEqual(result.acceptableCAs, ['O=kia, CN=kia test ca', 'CN=second-ca']);
    assert.equal(result.evidence, 'TLS 1.2 CertificateRequest (2 CA names), handshake completed without a client certificate');
    assert.equal(result.tls12, true);
  });

  test('required over TLS 1.2: the handshake is refused with an alert', async () => {
    // OpenSSL answers a missing certificate with handshake_failure in TLS 1.2 (Go's crypto/tls with bad_certificate).
    const result = await probe({ requestCert: true, rejectUnauthorized: true, ca: ca.cert });
    assert.deepEqual(result, {
      policy: 'required',
      evidence: 'TLS 1.2 CertificateRequest (1 CA name), handshake refused: alert 40 handshake_failure',
      acceptableCAs: ['O=kia, CN=kia test ca'],
      tls12: true,
      isTls: true,
    });
  });

  test('required on a TLS 1.3-only server: certificate_required right after the handshake', async () => {
    const result = await probe({ requestCert: true, rejectUnauthorized: true, ca: ca.cert, minVersion: 'TLSv1.3' });
    assert.deepEqual(result, {
      policy: 'required',
      evidence: 'TLS 1.2 refused (alert 70 protocol_version); alert 116 certificate_required right after the TLS 1.3 handshake',
      tls12: false,
      isTls: true,
      alpn: false,
    });
  });

  test('requested on a TLS 1.3-only server cannot be seen: unknown', async () => {
    const result = await probe({ requestCert: true, rejectUnauthorized: false, ca: ca.cert, minVersion: 'TLSv1.3' });
    assert.deepEqual(result, {
      policy: 'unknown',
      evidence: 'TLS 1.2 refused (alert 70 protocol_version); TLS 1.3 handshake completed without a client certificate; its CertificateRequest, if any, is encrypted',
      tls12: false,
      isTls: true,
      alpn: false,
    });
  });

  test('a server that hangs up right after the handshake is not required', async () => {
    // A Node server that destroys on 'secureConnection' loses its own Finished: we see a TLS 1.2 handshake cut short.
    const result = await probe({ requestCert: false }, (socket) => socket.destroy());
    assert.equal(result.policy, 'none');
    assert.match(result.evidence, /^TLS 1\.2 server hello without a CertificateRequest; the handshake then failed: connection (closed|reset)/);
    const asked = await probe({ requestCert: true, rejectUnauthorized: false, ca: ca.cert }, (socket) => socket.destroy());
    assert.notEqual(asked.policy, 'required', asked.evidence);
    assert.deepEqual(asked.acceptableCAs, ['O=kia, CN=kia test ca']);
    const only13 = await probe({ requestCert: false, minVersion: 'TLSv1.3' }, (socket) => socket.destroy());
    assert.equal(only13.policy, 'unknown');
    assert.match(only13.evidence, /TLS 1\.3 handshake completed, then connection (closed|reset).* without an alert/);
  });

  test('a closed port is unknown: connection refused', async () => {
    const spare = net.createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const port = (spare.address() as net.AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
    assert.deepEqual(await detectClientCertPolicy({ host: '127.0.0.1', port }), { policy: 'unknown', evidence: 'connection refused', tls12: false, isTls: false });
  });

  test('a server that accepts and never answers is unknown: timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const result = await detectClientCertPolicy({ host: '127.0.0.1', port, timeoutMs: 200 });
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    assert.deepEqual(result, { policy: 'unknown', evidence: 'timeout', tls12: false, isTls: false });
  });
});

test('parseServerFlight: a CertificateRequest split over two records, sharing one with ServerHelloDone', () => {
  // DER Name: SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String "kubernetes" } } }
  const name = Buffer.from('3015311330110603550403' + '0c0a' + Buffer.from('kubernetes').toString('hex'), 'hex');
  const names = Buffer.concat([Buffer.from([0, name.length]), name]);
  // certificate_types [ecdsa_sign], signature algorithms [ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384], CA names.
  const request = Buffer.concat([Buffer.from([1, 0x40, 0, 4, 4, 3, 5, 3]), Buffer.from([0, names.length]), names]);
  const messages = Buffer.concat([Buffer.from([13, 0, 0, request.length]), request, Buffer.from([14, 0, 0, 0])]);
  const record = (payload: Buffer) => Buffer.concat([Buffer.from([22, 3, 3, 0, payload.length]), payload]);
  const bytes = Buffer.concat([record(messages.subarray(0, 10)), record(messages.subarray(10)), Buffer.from([21, 3, 3, 0, 2, 2, 42])]);
  const flight = parseServerFlight(bytes);
  assert.deepEqual(flight.certificateRequest, { caNames: ['CN=kubernetes'] });
  assert.equal(flight.serverHelloDone, true);
  assert.deepEqual(flight.alerts, [{ level: 2, description: 42 }]);
});

describe('detectClientCertPolicy against the kia lab', () => {
  const labs: Lab[] = [];
  const dirs: string[] = [];
  const start = async (network: number, profile?: 'insecure') => {
    const dir = mkdtempSync(join(tmpdir(), 'kia-client-cert-lab-'));
    dirs.push(dir);
    const lab = await startLab({ dir, nodes: 1, network, inProcess: true, kubernetesVersion: '1.28', ...(profile ? { profile } : {}) });
    labs.push(lab);
    return lab;
  };
  const at = (lab: Lab, component: string, port: string) => {
    const endpoint = lab.plan.endpoints.find((e) => e.component === component && e.port === port);
    assert.ok(endpoint, `${component} ${port} in the plan`);
    return detectClientCertPolicy({ host: endpoint.address, port: endpoint.number });
  };
  let kubeadm: Lab;
  let insecure: Lab;

  before(async () => {
    [kubeadm, insecure] = await Promise.all([start(56), start(57, 'insecure')]);
  });
  after(async () => {
    await Promise.all(labs.map((lab) => lab.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('etcd client port requires a client certificate', async () => {
    const result = await at(kubeadm, 'etcd', 'client');
    assert.equal(result.policy, 'required');
    assert.deepEqual(result.acceptableCAs, ['CN=etcd-ca']);
    assert.match(result.evidence, /^TLS 1\.2 CertificateRequest \(1 CA name\), handshake refused: alert \d+ \w+$/);
  });

  test('kubelet api requests one, naming the cluster CA', async () => {
    const result = await at(kubeadm, 'kubelet', 'api');
    assert.equal(result.policy, 'requested');
    assert.ok(result.acceptableCAs?.includes('CN=kubernetes'), String(result.acceptableCAs));
  });

  test('kube-controller-manager secure port requests one', async () => {
    assert.equal((await at(kubeadm, 'kube-controller-manager', 'secure')).policy, 'requested');
  });

  test('etcd in the insecure profile does not ask', async () => {
    const result = await at(insecure, 'etcd', 'client');
    assert.equal(result.policy, 'none');
  });
});

// The hunt's way: the TLS 1.2 flight from a hand-written hello, a CertificateRequest decided by the first anonymous
// request (over TLS 1.3 here) through the transport.
describe('detectClientCertPolicy with the first anonymous request deciding', () => {
  let dir: string;
  let server: Pem;
  let ca: Pem;
  const closers: (() => Promise<void>)[] = [];
  const transport = new Transport({ keepAlive: false, timeoutMs: 3000 });
  // `weakFirst`: as the hunt asks, the weak-suite hello first, its answer handed to the policy.
  const probe = async (options: tls.TlsOptions, weakFirst = false) => {
    const started = await serve({ cert: server.cert, key: server.key, ...options });
    closers.push(started.close);
    const asked: string[] = [];
    const target = { host: '127.0.0.1', port: started.port };
    const earlier = weakFirst ? await weakSuiteHello(target, { timeoutMs: 3000 }) : undefined;
    const result = await detectClientCertPolicy({
      ...target,
      timeoutMs: 3000,
      ...(earlier ? { earlier } : {}),
      anonymous: async () => {
        const exchange = await transport.exchange({ url: `https://127.0.0.1:${started.port}/version`, trust: { insecureSkipVerify: true }, mode: 'survey' });
        asked.push(exchange.outcome);
        return { outcome: exchange.outcome, ...(exchange.detail ? { detail: exchange.detail } : {}) };
      },
    });
    return { result, asked, suite: earlier?.flight.cipherSuite, connections: started.connections() };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kia-client-cert-'));
    server = openssl(dir, 'server', '/CN=localhost');
    ca = openssl(dir, 'ca', '/O=kia/CN=kia test ca');
  });
  after(async () => {
    transport.close();
    await Promise.all(closers.map((close) => close()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('no CertificateRequest: none, from the flight alone (no request asked)', async () => {
    const { result, asked } = await probe({ requestCert: false, ALPNProtocols: ['h2', 'http/1.1'] });
    assert.deepEqual(result, { policy: 'none', evidence: 'TLS 1.2 first flight (to ServerHelloDone) without a CertificateRequest', tls12: true, isTls: true, alpn: 'h2' });
    assert.deepEqual(asked, []);
  });

  test('requested: the request answered without a certificate', async () => {
    const { result, asked } = await probe({ requestCert: true, rejectUnauthorized: false, ca: [ca.cert] });
    assert.deepEqual(result, { policy: 'requested', evidence: 'TLS 1.2 CertificateRequest (1 CA name), handshake completed without a client certificate', acceptableCAs: ['O=kia, CN=kia test ca'], tls12: true, isTls: true, alpn: false });
    assert.deepEqual(asked, ['ok']);
  });

  test('required: the request refused for want of a certificate', async () => {
    const { result, asked } = await probe({ requestCert: true, rejectUnauthorized: true, ca: [ca.cert] });
    assert.equal(result.policy, 'required');
    assert.match(result.evidence, /^TLS 1\.2 CertificateRequest \(1 CA name\), a handshake without a client certificate refused: /);
    assert.deepEqual(asked, ['tls-client-cert']);
  });

  test('TLS 1.3 only: the flight is refused and the TLS 1.3 handshake decides as before', async () => {
    const { result } = await probe({ minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true, ca: [ca.cert] });
    assert.equal(result.policy, 'required');
    assert.match(result.evidence, /^TLS 1\.2 refused \(alert 70 protocol_version\); alert 116 certificate_required/);
  });

  test('a plain HTTP port is not TLS', async () => {
    const plain = net.createServer((socket) => {
      socket.resume();
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => plain.close(() => resolve())));
    const result = await detectClientCertPolicy({ host: '127.0.0.1', port: (plain.address() as net.AddressInfo).port, timeoutMs: 3000, anonymous: async () => ({ outcome: 'ok' }) });
    assert.equal(result.isTls, false);
  });

  // The hunt asks the weak-suite question first: a server that takes a weak suite has sent its whole TLS 1.2 flight,
  // so the policy reads it there; one that turns the suites down gets the usual hello after. Connections counted at
  // the server.
  test('weak suite first, one taken: its flight decides (the weak hello and the request: two connections)', async () => {
    const { result, suite, connections } = await probe({ requestCert: true, rejectUnauthorized: true, ca: [ca.cert], ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256', ALPNProtocols: ['http/1.1'] }, true);
    // 0xc009: TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA.
    assert.equal(suite, 0xc009);
    assert.equal(result.policy, 'required');
    assert.match(result.evidence, /^TLS 1\.2 CertificateRequest \(1 CA name\), a handshake without a client certificate refused: /);
    assert.deepEqual(result.acceptableCAs, ['O=kia, CN=kia test ca']);
    assert.equal(result.alpn, 'http/1.1');
    assert.equal(connections, 2);
  });

  test('weak suite first, all refused: the usual hello follows (three connections)', async () => {
    const { result, suite, connections } = await probe({ requestCert: true, rejectUnauthorized: true, ca: [ca.cert], ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, true);
    assert.equal(suite, undefined);
    assert.equal(result.policy, 'required');
    assert.match(result.evidence, /^TLS 1\.2 CertificateRequest \(1 CA name\), a handshake without a client certificate refused: /);
    assert.equal(connections, 3);
  });

  test('weak suite first, TLS 1.3 only: its protocol_version alert stands for the usual hello (then TLS 1.3)', async () => {
    const { result, connections } = await probe({ minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true, ca: [ca.cert] }, true);
    assert.equal(result.policy, 'required');
    assert.match(result.evidence, /^TLS 1\.2 refused \(alert 70 protocol_version\); alert 116 certificate_required/);
    assert.equal(connections, 2);
  });
});
