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

export const ETCD_ITEMS: readonly CisItem[] = [
  { id: '2.1', title: 'etcd serves clients over TLS with a certificate of its own', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('client'), remediation: 'Set --cert-file and --key-file, and https:// in --listen-client-urls.', judge: servesTls('client', 'cert-file') },
  { id: '2.2', title: 'etcd requires client certificates from clients', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('client'), remediation: 'Set --client-cert-auth=true and --trusted-ca-file.', judge: requiresCerts('client', 'client-cert-auth') },
  { id: '2.3', title: 'etcd does not serve clients a self-generated certificate', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('client'), remediation: 'Remove --auto-tls and give --cert-file/--key-file from the etcd CA.', judge: notAutoTls('client', 'auto-tls') },
  { id: '2.4', title: 'etcd talks to peers over TLS with a certificate of its own', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('peer'), remediation: 'Set --peer-cert-file and --peer-key-file, and https:// in --listen-peer-urls.', judge: servesTls('peer', 'peer-cert-file') },
  { id: '2.5', title: 'etcd requires client certificates from peers', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('peer'), remediation: 'Set --peer-client-cert-auth=true and --peer-trusted-ca-file.', judge: requiresCerts('peer', 'peer-client-cert-auth') },
  { id: '2.6', title: 'etcd does not serve peers a self-generated certificate', component: 'etcd', benchmarks: ALL, sources: ['wire', 'cmdline'], needs: needs('peer'), remediation: 'Remove --peer-auto-tls and give --peer-cert-file/--peer-key-file from the etcd CA.', judge: notAutoTls('peer', 'peer-auto-tls') },
];
