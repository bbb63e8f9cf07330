// CIS 2.x: etcd serves no configuration, so its items are judged from what its ports show in the handshake (TLS,
// the client-certificate policy, the served certificate), then from the node's command line where kia runs there.
import type { EndpointObservation } from '../../model/index.ts';
import { setting } from './judge.ts';
import type { CisContext, CisItem, Verdict } from './types.ts';

const ALL = ['cis-1.10', 'cis-1.11', 'cis-1.12'] as const;
type PortName = 'client' | 'peer';
// An etcd port that requires client certificates answers nothing to kia without one, so which port it is comes from
// its number (the catalog's 2379 and 2380) when the answers could not say.
const BY_NUMBER: Record<number, PortName> = { 2379: 'client', 2380: 'peer' };
const port = (ctx: CisContext, name: PortName): EndpointObservation | undefined =>
  ctx.endpoints.find((e) => e.fingerprint.port === name) ?? ctx.endpoints.find((e) => e.fingerprint.port === undefined && BY_NUMBER[e.port] === name);
const needs = (name: PortName) => `a connection to etcd's ${name} port (${name === 'client' ? 2379 : 2380}) from where kia runs, or a hunt on the node (kia hunt --local) to read etcd's command line`;
const where = (e: EndpointObservation) => `${e.address}:${e.port}`;

function servesTls(name: PortName, flag: string): (ctx: CisContext) => Verdict | undefined {
  return (ctx) => {
    const e = port(ctx, name);
    if (e?.scheme === 'http') return { status: 'fail', source: 'wire', detail: `the ${name} port answers plain HTTP on ${where(e)}` };
    const leaf = e?.tls?.chain[0];
    if (e && leaf) return { status: 'pass', source: 'wire', detail: `the ${name} port on ${where(e)} serves TLS (${e.tls?.protocol ?? 'TLS'}) with ${leaf.subject}` };
    return setting(ctx, flag, (v) => typeof v === 'string' && v !== '');
  };
}

function requiresCerts(name: PortName, flag: string): (ctx: CisContext) => Verdict | undefined {
  return (ctx) => {
    const e = port(ctx, name);
    if (e?.scheme === 'http') return { status: 'fail', source: 'wire', detail: `the ${name} port answers plain HTTP on ${where(e)}: no certificate is asked for` };
    const policy = e?.tls?.clientCert;
    if (e && policy === 'required') return { status: 'pass', source: 'wire', detail: `the ${name} port on ${where(e)} refuses a handshake without a client certificate (${e.tls?.clientCertEvidence})` };
    if (e && (policy === 'none' || policy === 'requested')) return { status: 'fail', source: 'wire', detail: `the ${name} port on ${where(e)} completes a handshake without a client certificate (${e.tls?.clientCertEvidence})` };
    return setting(ctx, flag, (v) => v === true || v === 'true');
  };
}

function notAutoTls(name: PortName, flag: string): (ctx: CisContext) => Verdict | undefined {
  return (ctx) => {
    const e = port(ctx, name);
    const leaf = e?.tls?.chain[0];
    // --auto-tls writes a self-signed certificate for the member (client/pkg/transport SelfCert).
    if (e && leaf?.selfSigned) return { status: 'fail', source: 'wire', detail: `the ${name} port on ${where(e)} serves a self-signed certificate ${leaf.subject}` };
    if (e && leaf) return { status: 'pass', source: 'wire', detail: `the ${name} port on ${where(e)} serves ${leaf.subject} issued by ${leaf.issuer}` };
    return setting(ctx, flag, (v) => v !== true && v !== 'true');
  };
}

/**
 * 2.7 from the handshakes: the CA names etcd asks client certificates from (TLS 1.2 CertificateRequest) against those
 * the API server and the kubelet on the same host ask from. etcd sends no CertificateRequest without a trusted CA
 * (transport.TLSInfo: a trusted CA file turns on RequireAndVerifyClientCert).
 */
function dedicatedCa(ctx: CisContext): Verdict | undefined {
  const e = port(ctx, 'client');
  if (!e?.tls) return e?.scheme === 'http' ? { status: 'fail', source: 'wire', detail: `the client port answers plain HTTP on ${where(e)}: etcd trusts no CA for clients` } : undefined;
  if (e.tls.clientCert === 'none') return { status: 'fail', source: 'wire', detail: `the client port on ${where(e)} asks for no client certificate: etcd trusts no CA for clients` };
  const etcdCas = e.tls.acceptableCAs ?? [];
  const cluster = new Set(ctx.host.filter((x) => x.fingerprint.component === 'kube-apiserver' || x.fingerprint.component === 'kubelet').flatMap((x) => x.tls?.acceptableCAs ?? []));
  if (etcdCas.length === 0 || cluster.size === 0) return undefined;
  const shared = etcdCas.filter((ca) => cluster.has(ca));
  if (shared.length > 0) return { status: 'fail', source: 'wire', detail: `etcd on ${where(e)} accepts client certificates from ${shared.join('; ')}, which the API server and kubelets trust too: any cluster client certificate reaches etcd` };
  return { status: 'pass', source: 'wire', detail: `etcd on ${where(e)} accepts client certificates from ${etcdCas.join('; ')}; the API server and kubelets from ${[...cluster].join('; ')}` };
}

export const ETCD_ITEMS: readonly CisItem[] = [
  { id: '2.1', title: 'etcd serves clients over TLS with a certificate of its own', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('client'), remediation: 'Set --cert-file and --key-file, and https:// in --listen-client-urls.', judge: servesTls('client', 'cert-file') },
  { id: '2.2', title: 'etcd requires client certificates from clients', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('client'), remediation: 'Set --client-cert-auth=true and --trusted-ca-file.', judge: requiresCerts('client', 'client-cert-auth') },
  { id: '2.3', title: 'etcd does not serve clients a self-generated certificate', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('client'), remediation: 'Remove --auto-tls and give --cert-file/--key-file from the etcd CA.', judge: notAutoTls('client', 'auto-tls') },
  { id: '2.4', title: 'etcd talks to peers over TLS with a certificate of its own', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('peer'), remediation: 'Set --peer-cert-file and --peer-key-file, and https:// in --listen-peer-urls.', judge: servesTls('peer', 'peer-cert-file') },
  { id: '2.5', title: 'etcd requires client certificates from peers', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('peer'), remediation: 'Set --peer-client-cert-auth=true and --peer-trusted-ca-file.', judge: requiresCerts('peer', 'peer-client-cert-auth') },
  { id: '2.6', title: 'etcd does not serve peers a self-generated certificate', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('peer'), remediation: 'Remove --peer-auto-tls and give --peer-cert-file/--peer-key-file from the etcd CA.', judge: notAutoTls('peer', 'peer-auto-tls') },
  { id: '2.7', title: 'etcd trusts a CA of its own for client certificates, not the cluster CA', component: 'etcd', benchmarks: ALL, sources: ['wire'], needs: 'a TLS 1.2 handshake with etcd\'s client port and with the API server or a kubelet on the same host (their acceptable CA names)', remediation: 'Give etcd its own CA: --trusted-ca-file and --peer-trusted-ca-file pointing at a CA that signs only etcd and its clients (kubeadm\'s /etc/kubernetes/pki/etcd/ca.crt).', judge: dedicatedCa },
];
