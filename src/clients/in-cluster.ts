// A pod's own way to the API server (client-go's rest.InClusterConfig): the service's host and port, the mounted
// ServiceAccount token (re-read, since the kubelet rotates it), the cluster CA and the pod's namespace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialError } from '../errors.ts';
import { Secret } from './identity.ts';
import type { ApiServerAccess } from './kube-api.ts';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions {
  /** KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, as the kubelet sets them (the CLI reads the environment). */
  host: string;
  port: string;
  /** Where the token, ca.crt and namespace are mounted (default SERVICE_ACCOUNT_DIR). */
  dir?: string;
  /** How long a read token stands before it is read again (default 1 min; the kubelet rotates at 80 % of its life). */
  refreshMs?: number;
  clock?: { now(): number };
}

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new CredentialError(`in-cluster ${what} ${path} not readable: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The pod's ServiceAccount namespace, or undefined when none is mounted. */
export function podNamespace(dir = SERVICE_ACCOUNT_DIR): string | undefined {
  try {
    return readFileSync(join(dir, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A function giving the in-cluster access, its token re-read once `refreshMs` passed. Throws CredentialError at once when nothing is mounted. */
export function inClusterAccess(options: InClusterOptions): () => ApiServerAccess {
  const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
  const clock = options.clock ?? { now: () => Date.now() };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const ca = read(join(dir, 'ca.crt'), 'CA');
  let token = read(join(dir, 'token'), 'token');
  let readAt = clock.now();
  return () => {
    if (clock.now() - readAt > (options.refreshMs ?? 60_000)) {
      token = read(join(dir, 'token'), 'token');
      readAt = clock.now();
    }
    return { server: `https://${host}:${options.port}`, ca, identity: { name: 'serviceaccount', token: new Secret(token) } };
  };
}
