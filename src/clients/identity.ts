// Who kia is when it talks to a component: nothing, a client certificate, a bearer token, or a kubeconfig's user.
// Credential material never prints: toString/inspect/JSON show `[redacted]`.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { CredentialError } from '../errors.ts';

const REDACTED = '[redacted]';

/** A secret string that does not leak through String(), JSON or util.inspect. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

export interface Identity {
  /** A short label for reports: `anonymous`, `cert:alice`, `token`, `kubeconfig:kubernetes-admin`. */
  name: string;
  cert?: string;
  key?: Secret;
  token?: Secret;
}

export const ANONYMOUS: Identity = Object.freeze({ name: 'anonymous' });

function readMaterial(path: string, what: string, flag?: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CredentialError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}${flag ? ` (${flag})` : ''}`, { cause: error });
  }
}

/** A client certificate and key from PEM files; the name is the certificate's CN when it can be read. */
export function certificateIdentity(certPath: string, keyPath: string, name?: string): Identity {
  return certificatePair({ certPath, keyPath, ...(name ? { name } : {}) });
}

/**
 * A client certificate and its key, checked before any connection: both PEM, readable, and the key the certificate's
 * own (X509Certificate#checkPrivateKey). Every failure names the flag that gave the file.
 */
export function certificatePair(options: { certPath: string; keyPath: string; name?: string; certFlag?: string; keyFlag?: string }): Identity {
  const { certPath, keyPath } = options;
  const certFlag = options.certFlag ?? '--cert';
  const keyFlag = options.keyFlag ?? '--key';
  const cert = readMaterial(certPath, 'certificate', certFlag);
  const key = readMaterial(keyPath, 'key', keyFlag);
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new CredentialError(`${certFlag} ${certPath} holds no PEM certificate`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new CredentialError(`${keyFlag} ${keyPath} holds no PEM private key`);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new CredentialError(`${certFlag} ${certPath} holds no readable PEM certificate`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new CredentialError(`${keyFlag} ${keyPath} holds no readable private key (encrypted keys are not supported)`);
  }
  if (!matches) throw new CredentialError(`${keyFlag} ${keyPath} is not the key of ${certFlag} ${certPath}: give the key the certificate was issued for`);
  return { name: options.name ?? `cert:${certPath.split('/').pop() ?? certPath}`, cert, key: new Secret(key) };
}

export function tokenIdentity(token: string, name = 'token'): Identity {
  const value = token.trim();
  if (value === '' || /\s/.test(value)) throw new CredentialError('a bearer token must be one non-empty word');
  return { name, token: new Secret(value) };
}

export function tokenFileIdentity(path: string, name?: string): Identity {
  return tokenIdentity(readMaterial(path, 'token file'), name ?? `token:${path.split('/').pop() ?? path}`);
}

/** A PEM CA bundle named by a flag (`--cacert`, `--kubelet-ca`), or undefined when the flag was not given. */
export function readCaFile(path: string | undefined, flag = '--cacert'): string | undefined {
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CredentialError(`cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new CredentialError(`${flag} ${path} holds no PEM certificate`);
  return pem;
}
