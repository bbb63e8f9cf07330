// kubelet 10250 authorisation attributes and refusals (pkg/kubelet/server/auth.go, server.go InstallAuthFilter).
import type { User } from '../../auth/authn.ts';

const VERBS: Record<string, string> = { POST: 'create', GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function kubeletVerb(method: string): string {
  return VERBS[method] ?? '';
}

function isSubpath(path: string, prefix: string): boolean {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(`${p}/`);
}

/**
 * The subresources the kubelet asks about, first match first. The coarse one (stats, metrics, log, checkpoint,
 * else proxy) is always there; with KubeletFineGrainedAuthz a finer one is tried before `proxy`.
 */
export function kubeletSubresources(path: string, fineGrained: boolean): string[] {
  if (isSubpath(path, '/stats')) return ['stats'];
  if (isSubpath(path, '/metrics')) return ['metrics'];
  if (isSubpath(path, '/logs')) return ['log'];
  if (isSubpath(path, '/checkpoint')) return ['checkpoint'];
  if (fineGrained) {
    if (isSubpath(path, '/pods') || isSubpath(path, '/runningpods')) return ['pods', 'proxy'];
    if (isSubpath(path, '/healthz')) return ['healthz', 'proxy'];
    if (isSubpath(path, '/configz')) return ['configz', 'proxy'];
    if (isSubpath(path, '/statusz')) return ['statusz', 'proxy'];
  }
  return ['proxy'];
}

/** The 403 body: single-attribute form up to 1.31, `subresource(s)=[...]` plus a newline with fine-grained authz. */
export function forbiddenBody(user: User, verb: string, subresources: readonly string[], fineGrained: boolean): string {
  if (fineGrained) return `Forbidden (user=${user.name}, verb=${verb}, resource=nodes, subresource(s)=[${subresources.join(' ')}])\n`;
  return `Forbidden (user=${user.name}, verb=${verb}, resource=nodes, subresource=${subresources[0] ?? 'proxy'})`;
}

export function authorizationErrorBody(user: User, verb: string, subresource: string): string {
  return `Authorization error (user=${user.name}, verb=${verb}, resource=nodes, subresource=${subresource})`;
}
