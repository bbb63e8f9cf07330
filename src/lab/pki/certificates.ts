// Certificates and keys for the lab, laid out like kubeadm's. Built with @peculiar/x509 over Node's WebCrypto.
import 'reflect-metadata';
import { webcrypto, createPrivateKey } from 'node:crypto';

type Crypto = webcrypto.Crypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { KeyType } from '../types.ts';
import { LabError } from '../../errors.ts';

// The DOM lib (for the dashboard's code) declares its own global Crypto, which @peculiar/x509 takes: Node's is both.
const crypto = webcrypto as unknown as Crypto & globalThis.Crypto;

const ALGORITHMS: Record<KeyType, RsaHashedKeyGenParams | EcKeyGenParams> = {
  ecdsa: { name: 'ECDSA', namedCurve: 'P-256' },
  rsa: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};
const SIGNING: Record<KeyType, Algorithm | EcdsaParams> = {
  ecdsa: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
  rsa: { name: 'RSASSA-PKCS1-v1_5' },
};

export type Usage = 'ca' | 'server' | 'client' | 'server+client';

export interface CertSpec {
  cn: string;
  o?: readonly string[];
  dns?: readonly string[];
  ips?: readonly string[];
  usage: Usage;
  notBefore: Date;
  notAfter: Date;
}

/** A certificate with its key, as PEM for Node's TLS and as objects for signing more. */
export interface Pair {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
  key: CryptoKey;
  keyType: KeyType;
}

const DAY = 24 * 3600 * 1000;
export const validity = (nowMs: number, days: number): { notBefore: Date; notAfter: Date } => ({
  // Backdated a little, as client-go does, so a freshly started lab is valid for clients with a skewed clock.
  notBefore: new Date(nowMs - 5 * 60 * 1000),
  notAfter: new Date(nowMs + days * DAY),
});

function subject(spec: CertSpec): string {
  const escape = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  const parts = [...(spec.o ?? []).map((o) => `O=${escape(o)}`), `CN=${escape(spec.cn)}`];
  return parts.join(', ');
}

async function extensionsFor(spec: CertSpec, publicKey: CryptoKey, issuer?: Pair): Promise<x509.Extension[]> {
  const ext: x509.Extension[] = [];
  if (spec.usage === 'ca') {
    ext.push(new x509.BasicConstraintsExtension(true, undefined, true));
    ext.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true));
  } else {
    ext.push(new x509.BasicConstraintsExtension(false, undefined, true));
    ext.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true));
    const eku: string[] = [];
    if (spec.usage.includes('server')) eku.push(x509.ExtendedKeyUsage.serverAuth);
    if (spec.usage.includes('client')) eku.push(x509.ExtendedKeyUsage.clientAuth);
    ext.push(new x509.ExtendedKeyUsageExtension(eku, false));
  }
  const names = [...(spec.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(spec.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) ext.push(new x509.SubjectAlternativeNameExtension(names, false));
  ext.push(await x509.SubjectKeyIdentifierExtension.create(publicKey, false, crypto));
  if (issuer) ext.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.cert, false, crypto));
  return ext;
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** Issues a certificate: self-signed when `issuer` is absent. */
export async function issue(spec: CertSpec, keyType: KeyType, issuer?: Pair): Promise<Pair> {
  const keys = (await crypto.subtle.generateKey(ALGORITHMS[keyType], true, ['sign', 'verify'])) as CryptoKeyPair;
  const signer = issuer ?? { key: keys.privateKey, keyType };
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: subject(spec),
      issuer: issuer ? issuer.cert.subject : subject(spec),
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      signingAlgorithm: SIGNING[signer.keyType],
      publicKey: keys.publicKey,
      signingKey: signer.key,
      extensions: await extensionsFor(spec, keys.publicKey, issuer),
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  // kubeadm writes SEC1 ("EC PRIVATE KEY") and PKCS#1 ("RSA PRIVATE KEY") keys; so do we.
  const keyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const keyPem = keyObject.export({ format: 'pem', type: keyType === 'ecdsa' ? 'sec1' : 'pkcs1' }).toString();
  return { certPem: cert.toString('pem') + '\n', keyPem, cert, key: keys.privateKey, keyType };
}

async function importKey(keyPem: string, keyType: KeyType): Promise<CryptoKey> {
  const der = createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' });
  const alg = keyType === 'ecdsa' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return crypto.subtle.importKey('pkcs8', der, alg, true, ['sign']);
}

/** Reads `<base>.crt`/`<base>.key` when both exist (a warm start); otherwise issues and writes them (mode 0600 for keys). */
export async function ensurePair(base: string, spec: () => CertSpec, keyType: KeyType, issuer?: Pair): Promise<Pair> {
  const certFile = `${base}.crt`;
  const keyFile = `${base}.key`;
  if (existsSync(certFile) && existsSync(keyFile)) {
    const certPem = readFileSync(certFile, 'utf8');
    const keyPem = readFileSync(keyFile, 'utf8');
    const cert = new x509.X509Certificate(certPem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----');
    const detected: KeyType = keyPem.includes('EC PRIVATE KEY') || cert.publicKey.algorithm.name === 'ECDSA' ? 'ecdsa' : 'rsa';
    return { certPem, keyPem, cert, key: await importKey(keyPem, detected), keyType: detected };
  }
  const pair = await issue(spec(), keyType, issuer);
  writePair(base, pair);
  return pair;
}

export function writePair(base: string, pair: Pick<Pair, 'certPem' | 'keyPem'>, chain = ''): void {
  mkdirSync(dirname(base), { recursive: true });
  writeFileSync(`${base}.crt`, pair.certPem + chain);
  writeFileSync(`${base}.key`, pair.keyPem, { mode: 0o600 });
}

/** A service-account signing key pair (kubeadm's sa.key / sa.pub). */
export async function ensureServiceAccountKey(base: string, keyType: KeyType): Promise<{ privatePem: string; publicPem: string }> {
  if (existsSync(`${base}.key`) && existsSync(`${base}.pub`)) {
    return { privatePem: readFileSync(`${base}.key`, 'utf8'), publicPem: readFileSync(`${base}.pub`, 'utf8') };
  }
  const keys = (await crypto.subtle.generateKey(ALGORITHMS[keyType], true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateKey = createPrivateKey({ key: Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)), format: 'der', type: 'pkcs8' });
  const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const publicPem = Buffer.from(await crypto.subtle.exportKey('spki', keys.publicKey)).toString('base64').replace(/(.{64})/g, '$1\n');
  const pub = `-----BEGIN PUBLIC KEY-----\n${publicPem.trimEnd()}\n-----END PUBLIC KEY-----\n`;
  mkdirSync(dirname(base), { recursive: true });
  writeFileSync(`${base}.key`, privatePem, { mode: 0o600 });
  writeFileSync(`${base}.pub`, pub);
  return { privatePem, publicPem: pub };
}

export interface Signer {
  /** The CA certificate (PEM; the first one is used). */
  cert: string;
  key: string;
}

function firstCertificate(pem: string): x509.X509Certificate {
  const end = '-----END CERTIFICATE-----';
  return new x509.X509Certificate(pem.slice(0, pem.indexOf(end) + end.length));
}

/**
 * The leaf of `chainPem` issued again with a new validity: same subject, extensions (SANs, usages, key ids) and key,
 * a new serial, signed by `signer` (or by its own key when it is self-signed). Returns the new chain: the new leaf
 * followed by the rest of the old chain.
 */
export async function reissue(options: { chainPem: string; keyPem: string; signer?: Signer; notBefore: Date; notAfter: Date }): Promise<string> {
  const leaf = firstCertificate(options.chainPem);
  const rest = options.chainPem.slice(options.chainPem.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----'.length).replace(/^\s*\n/, '');
  const issuerCert = options.signer ? firstCertificate(options.signer.cert) : undefined;
  if (!issuerCert && leaf.subject !== leaf.issuer) throw new LabError(`the CA that signed ${leaf.subject} is not kept in this lab folder: start the lab in a new folder`);
  const signingPem = options.signer?.key ?? options.keyPem;
  const keyType: KeyType = createPrivateKey(signingPem).asymmetricKeyType === 'ec' ? 'ecdsa' : 'rsa';
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: leaf.subjectName,
      issuer: issuerCert ? issuerCert.subjectName : leaf.issuerName,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      signingAlgorithm: SIGNING[keyType],
      publicKey: leaf.publicKey,
      signingKey: await importKey(signingPem, keyType),
      extensions: leaf.extensions,
    },
    crypto,
  );
  return cert.toString('pem') + '\n' + rest;
}
