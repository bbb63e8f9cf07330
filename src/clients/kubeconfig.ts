// Kubeconfig loading in one place, through @kubernetes/client-node 1.x: the file (or the default chain), a context,
// and the user as a kia identity (client certificates, tokens, exec plugins).
import type { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '../errors.ts';
import { Secret, type Identity } from './identity.ts';

export async function loadKubeconfig(path: string | undefined, context?: string): Promise<KubeConfig> {
  const k8s = await import('@kubernetes/client-node');
  const config = new k8s.KubeConfig();
  try {
    if (path) config.loadFromFile(path);
    else config.loadFromDefault();
    if (context) config.setCurrentContext(context);
  } catch (error) {
    throw new InputError(`cannot load kubeconfig ${path ?? '(default)'}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return config;
}

/** The current user of a kubeconfig as an identity, or undefined when it carries no credential. */
export async function kubeconfigIdentity(path: string | undefined, context?: string): Promise<Identity | undefined> {
  const config = await loadKubeconfig(path, context);
  const options: { cert?: string | Buffer; key?: string | Buffer; headers?: Record<string, string> } = { headers: {} };
  await config.applyToHTTPSOptions(options as never);
  const user = config.getCurrentUser()?.name ?? 'user';
  const bearer = options.headers?.Authorization ?? options.headers?.authorization;
  const identity: Identity = { name: `kubeconfig:${user}` };
  if (options.cert && options.key) {
    identity.cert = options.cert.toString();
    identity.key = new Secret(options.key.toString());
  }
  if (bearer?.startsWith('Bearer ')) identity.token = new Secret(bearer.slice(7));
  return identity.cert || identity.token ? identity : undefined;
}
