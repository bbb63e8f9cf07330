// The TLS posture judges over hand-written observations: no finding for a hardened port or for a certificate that
// names the IP dialled; the kubelet certificate rule says what the API server does with each answer it can have.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointObservation, TlsObservation } from '../../model/index.ts';
import { audit } from '../index.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const POSTURE_RULES = ['KIA-TLS-003', 'KIA-TLS-004', 'KIA-TLS-005', 'KIA-KUBELET-008'];

function leaf(subject: string, issuer: string, dnsNames: string[], ipAddresses: string[]): TlsObservation['chain'][number] {
  return { subject, issuer, dnsNames, ipAddresses, notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', selfSigned: false, isCA: false, fingerprint256: 'AA' };
}

function tlsEndpoint(options: { address: string; node?: string; port: number; component: EndpointObservation['fingerprint']['component']; portName: string; tls: Partial<TlsObservation> }): EndpointObservation {
  return {
    target: { host: options.address, address: options.address, source: 'argument', ...(options.node ? { node: options.node } : {}) },
    address: options.address,
    port: options.port,
    scheme: 'https',
    outcome: 'open',
    fingerprint: { component: options.component, port: options.portName, confidence: 'high', evidence: [] },
    routes: [],
    exposure: 'network',
    errors: [],
    tls: { protocol: 'TLSv1.3', alpn: 'h2', chain: [], clientCert: 'requested', clientCertEvidence: '', ...options.tls },
  };
}

const REFUSED = { legacyVersion: { accepted: null, evidence: 'TLS 1.0/1.1 hello refused: alert 70 protocol_version' }, weakSuite: { accepted: null, evidence: 'weak-suite TLS 1.2 hello refused: alert 40 handshake_failure' } };

function found(endpoints: EndpointObservation[]): string[] {
  return audit(endpoints, { now: NOW }).filter((f) => POSTURE_RULES.includes(f.rule)).map((f) => `${f.rule} ${f.port}: ${f.message} | ${f.fix}`);
}

describe('TLS posture rules', () => {
  it('finds nothing on a hardened API server reached by the IP its certificate names', () => {
    const apiserver = tlsEndpoint({ address: '10.0.0.10', port: 6443, component: 'kube-apiserver', portName: 'secure', tls: { chain: [leaf('CN=kube-apiserver', 'CN=kubernetes', ['kubernetes', 'cp-1'], ['10.96.0.1', '10.0.0.10'])], posture: REFUSED, chainVerified: true } });
    assert.deepEqual(found([apiserver]), []);
  });

  it('a certificate that names the DNS name dialled, by wildcard, is fine; one that names neither is a finding with its fix', () => {
    const named = tlsEndpoint({ address: '10.0.0.10', port: 2379, component: 'etcd', portName: 'client', tls: { chain: [leaf('CN=cp-1', 'CN=etcd-ca', ['*.example.net'], [])] } });
    named.target = { host: 'etcd.example.net', address: '10.0.0.10', source: 'argument' };
    assert.deepEqual(found([named]), []);
    const scheduler = tlsEndpoint({ address: '10.0.0.10', port: 10259, component: 'kube-scheduler', portName: 'secure', tls: { chain: [leaf('CN=localhost@1700000000', 'CN=localhost-ca@1700000000', ['localhost'], ['127.0.0.1'])] } });
    assert.deepEqual(found([scheduler]), ['KIA-TLS-005 10259: certificate CN=localhost@1700000000 covers DNS:localhost, IP:127.0.0.1, not 10.0.0.10 | Bind it to loopback (--bind-address=127.0.0.1 in /etc/kubernetes/manifests/kube-scheduler.yaml), or give it --tls-cert-file/--tls-private-key-file for this address.']);
  });

  it('names the version and the suite a port agreed to, with the flag that fixes it', () => {
    const etcd = tlsEndpoint({ address: '10.0.0.10', port: 2379, component: 'etcd', portName: 'client', tls: { chain: [leaf('CN=cp-1', 'CN=etcd-ca', [], ['10.0.0.10'])], posture: { legacyVersion: { accepted: 'TLSv1', evidence: 'ServerHello TLSv1 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA' }, weakSuite: { accepted: 'TLS_RSA_WITH_AES_128_GCM_SHA256', evidence: 'ServerHello TLSv1.2 TLS_RSA_WITH_AES_128_GCM_SHA256' } } } });
    const got = found([etcd]);
    assert.deepEqual(got, [
      'KIA-TLS-003 2379: a hello offering only TLS 1.0 and 1.1 was accepted with TLSv1 | Set --tls-min-version=TLS1.2 (or remove the flag) in /etc/kubernetes/manifests/etcd.yaml.',
      'KIA-TLS-004 2379: offered only weak TLS 1.2 suites, it chose TLS_RSA_WITH_AES_128_GCM_SHA256 | Set --cipher-suites in /etc/kubernetes/manifests/etcd.yaml to TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305 (joined by commas).',
    ]);
  });

  it('a kubelet certificate the CA given does not verify: what the API server does, from its flags', () => {
    const kubelet = tlsEndpoint({ address: '10.0.0.13', node: 'worker-3', port: 10250, component: 'kubelet', portName: 'api', tls: { chain: [leaf('CN=system:node:worker-3', 'CN=other-ca', ['worker-3'], ['10.0.0.13'])], chainVerified: false, verifyError: 'certificate signed by unknown authority' } });
    const apiserver = (flag: string) => {
      const e = tlsEndpoint({ address: '10.0.0.10', port: 6443, component: 'kube-apiserver', portName: 'secure', tls: { chainVerified: true } });
      e.routes = [{ route: 'kube-apiserver.flagz', method: 'GET', path: '/flagz', identity: 'admin', outcome: 'ok', status: 200, contentType: 'text/plain', body: `kube-apiserver flags\nWarning: This endpoint is not meant to be machine parseable, has no formatting compatibility guarantees and is for debugging purposes only.\n\nauthorization-mode=Node,RBAC\n${flag}\n`, durationMs: 1 }];
      return e;
    };
    const messages = (endpoints: EndpointObservation[]) => found(endpoints).filter((f) => f.startsWith('KIA-KUBELET-008')).map((f) => f.split(' | ')[0]);
    assert.deepEqual(messages([kubelet]), ['KIA-KUBELET-008 10250: serving certificate CN=system:node:worker-3 (issuer CN=other-ca) does not chain to the CA given; whether the API server verifies kubelets is not known (CIS 1.2.5: its /flagz or command line was not read)']);
    assert.deepEqual(messages([kubelet, apiserver('kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt')]), ['KIA-KUBELET-008 10250: serving certificate CN=system:node:worker-3 (issuer CN=other-ca) does not chain to the CA given; the API server sets --kubelet-certificate-authority (GET https://10.0.0.10:6443/flagz as admin): its logs, exec, attach and port-forward to this kubelet fail']);
    // Without --ca nothing is known of the chain: no finding.
    const unknown = { ...kubelet, tls: { ...(kubelet.tls as TlsObservation) } };
    delete unknown.tls.chainVerified;
    assert.deepEqual(messages([unknown]), []);
  });
});
