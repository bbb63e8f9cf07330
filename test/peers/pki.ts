// Certificates for hostile TLS peers, made at test time: a CA, a good leaf, an expired one, one for another host and
// a self-signed one. Written independently of the lab's PKI so the peers prove nothing about it.
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
// Node's WebCrypto, typed for @peculiar/x509 (which expects the DOM's Crypto) as src/lab/pki.ts does.
const crypto = webcrypto as unknown as webcrypto.Crypto & globalThis.Crypto;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

export interface PemPair {
  cert: string;
  key: string;
}

interface Leaf {
  cn: string;
  dns?: string[];
  ips?: string[];
  notBefore: Date;
  notAfter: Date;
}

async function make(spec: Leaf & { ca?: boolean }, issuer?: { cert: x509.X509Certificate; key: CryptoKey }): Promise<{ pem: PemPair; cert: x509.X509Certificate; key: CryptoKey }> {
  const keys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const names = [...(spec.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(spec.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(spec.ca === true, undefined, true)];
  if (spec.ca) extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true));
  else extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false));
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1'),
      subject: `CN=${spec.cn}`,
      issuer: issuer ? issuer.cert.subject : `CN=${spec.cn}`,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: issuer?.key ?? keys.privateKey,
      extensions,
    },
    crypto,
  );
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
  return { pem: { cert: cert.toString('pem') + '\n', key }, cert, key: keys.privateKey };
}

export interface PeerPki {
  /** The CA the good, expired and wrong-host leaves chain to (pass it as --cacert). */
  ca: PemPair;
  caFile: string;
  /** Valid now, for every host. */
  good: PemPair;
  /** For every host, but expired 30 days ago. */
  expired: PemPair;
  /** Valid now, but for another name. */
  wrongHost: PemPair;
  /** Valid now, for every host, signed by itself. */
  selfSigned: PemPair;
  /** A client certificate and key from the same CA (a planted secret for the secrets suite). */
  client: PemPair;
  clientCertFile: string;
  clientKeyFile: string;
}

/** Issues every certificate for the peers' addresses and writes the CA and the client pair into `dir`. */
export async function peerPki(options: { dir: string; hosts: readonly string[] }): Promise<PeerPki> {
  const now = Date.now();
  const current = { notBefore: new Date(now - DAY), notAfter: new Date(now + 90 * DAY) };
  const names = { ips: options.hosts.filter((h) => /^[\d.]+$/.test(h)), dns: options.hosts.filter((h) => !/^[\d.]+$/.test(h)) };
  const ca = await make({ cn: 'hostile-peer-ca', ca: true, ...current });
  const [good, expired, wrongHost, selfSigned, client] = await Promise.all([
    make({ cn: 'hostile-peer', ...names, ...current }, ca),
    make({ cn: 'hostile-peer', ...names, notBefore: new Date(now - 120 * DAY), notAfter: new Date(now - 30 * DAY) }, ca),
    make({ cn: 'elsewhere.example', dns: ['elsewhere.example'], ...current }, ca),
    make({ cn: 'hostile-peer', ...names, ...current }),
    make({ cn: 'hostile-test-client', ...current }, ca),
  ]);
  const file = (name: string, text: string) => {
    const at = path.join(options.dir, name);
    fs.writeFileSync(at, text, { mode: 0o600 });
    return at;
  };
  return {
    ca: ca.pem,
    caFile: file('peer-ca.crt', ca.pem.cert),
    good: good.pem,
    expired: expired.pem,
    wrongHost: wrongHost.pem,
    selfSigned: selfSigned.pem,
    client: client.pem,
    clientCertFile: file('client.crt', client.pem.cert),
    clientKeyFile: file('client.key', client.pem.key),
  };
}
