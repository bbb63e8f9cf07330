// etcd rules: the client and peer ports must be HTTPS with client-certificate authentication.
import type { Rule } from '../types.ts';
import { answers, evidence, tlsEvidence, url } from '../evidence.ts';

const isEtcdDataPort = (e: { fingerprint: { component: string; port?: string } }) => e.fingerprint.component === 'etcd' && (e.fingerprint.port === 'client' || e.fingerprint.port === 'peer');

export const etcdPlainHttp: Rule = {
  id: 'KIA-ETCD-001',
  title: 'etcd served over plain HTTP',
  severity: 'critical',
  component: 'etcd',
  mode: 'read',
  rationale: 'etcd holds every Secret of the cluster. Over plain HTTP anyone who reaches the port reads and writes the whole keyspace, and traffic can be read on the wire.',
  remediation: 'Serve clients and peers over HTTPS with client certificates: --listen-client-urls=https://…, --cert-file, --key-file, --client-cert-auth=true, --trusted-ca-file, and the --peer-* equivalents (kubeadm\'s defaults).',
  references: { cis: ['2.1', '2.4'], khv: 'KHV034' },
  check(endpoint) {
    if (!isEtcdDataPort(endpoint) || endpoint.scheme !== 'http') return [];
    const version = answers(endpoint, '/version');
    return [{ message: `etcd ${endpoint.fingerprint.port} port answers over plain HTTP`, evidence: version ? [evidence(endpoint, version)] : [{ request: `curl -s '${url(endpoint, '/version')}'`, response: 'answered over HTTP' }] }];
  },
};

export const etcdNoClientCert: Rule = {
  id: 'KIA-ETCD-002',
  title: 'etcd over TLS without client-certificate authentication',
  severity: 'critical',
  component: 'etcd',
  mode: 'read',
  rationale: 'Without --client-cert-auth (and with no --trusted-ca-file) any TLS client can read and write etcd: TLS only encrypts the traffic.',
  remediation: 'Set --client-cert-auth=true and --trusted-ca-file=<etcd CA> (peers: --peer-client-cert-auth=true, --peer-trusted-ca-file).',
  references: { cis: ['2.2', '2.5'], khv: 'KHV032' },
  check(endpoint) {
    if (!isEtcdDataPort(endpoint) || endpoint.scheme !== 'https' || !endpoint.tls) return [];
    if (endpoint.tls.clientCert === 'required') return [];
    const version = answers(endpoint, '/version');
    if (version?.status !== 200) return [];
    return [{ message: `etcd ${endpoint.fingerprint.port} port accepts TLS clients without a certificate (${endpoint.tls.clientCertEvidence})`, evidence: [evidence(endpoint, version), tlsEvidence(endpoint, endpoint.tls.clientCertEvidence)] }];
  },
};

export const etcdDebugVars: Rule = {
  id: 'KIA-ETCD-003',
  title: 'etcd /debug/vars readable (command line and memory statistics)',
  severity: 'high',
  component: 'etcd',
  mode: 'read',
  rationale: '/debug/vars returns the expvar dump, including the full etcd command line with key and data paths.',
  remediation: 'Require client certificates on the client port (--client-cert-auth=true), so only holders of an etcd client certificate reach it.',
  references: { khv: 'KHV033' },
  check(endpoint) {
    if (endpoint.fingerprint.component !== 'etcd') return [];
    const vars = answers(endpoint, '/debug/vars');
    return vars?.status === 200 ? [{ message: 'anonymous GET /debug/vars returns the expvar dump', evidence: [evidence(endpoint, vars)], route: '/debug/vars' }] : [];
  },
};
