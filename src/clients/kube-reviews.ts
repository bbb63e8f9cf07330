// Asking the API server who a caller is and what they may do, as kube-rbac-proxy and the kubelet's webhook mode do:
// TokenReview (authentication.k8s.io/v1), then SubjectAccessReview (authorization.k8s.io/v1).
import { askJson, type ApiServerAccess } from './kube-api.ts';
import type { KubeletResult } from './kubelet-failure.ts';

export interface ReviewedUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a SubjectAccessReview asks: a resource (verb on resource/subresource in a namespace) or a non-resource URL. */
export type AccessAttributes =
  | { resource: { verb: string; group?: string; resource: string; subresource?: string; namespace?: string; name?: string } }
  | { nonResource: { verb: string; path: string } };

interface TokenReviewAnswer {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }; error?: string };
}

interface AccessReviewAnswer {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

/** The user behind a token, or `undefined` with the API server's reason when it does not authenticate. */
export async function reviewToken(access: ApiServerAccess, token: string): Promise<KubeletResult<{ user?: ReviewedUser; error?: string }>> {
  const answer = await askJson<TokenReviewAnswer>(access, { path: '/apis/authentication.k8s.io/v1/tokenreviews', post: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
  if (!answer.ok) return answer;
  const status = answer.value.status ?? {};
  const user = status.authenticated && status.user?.username ? { username: status.user.username, groups: status.user.groups ?? [], ...(status.user.uid ? { uid: status.user.uid } : {}), ...(status.user.extra ? { extra: status.user.extra } : {}) } : undefined;
  return { ...answer, value: user ? { user } : { error: status.error ?? 'the token does not authenticate' } };
}

/** Whether the user may do what the attributes say. */
export async function reviewAccess(access: ApiServerAccess, user: ReviewedUser, attributes: AccessAttributes): Promise<KubeletResult<{ allowed: boolean; reason?: string }>> {
  const spec = {
    user: user.username,
    groups: user.groups,
    ...(user.uid ? { uid: user.uid } : {}),
    ...(user.extra ? { extra: user.extra } : {}),
    ...('resource' in attributes ? { resourceAttributes: attributes.resource } : { nonResourceAttributes: attributes.nonResource }),
  };
  const answer = await askJson<AccessReviewAnswer>(access, { path: '/apis/authorization.k8s.io/v1/subjectaccessreviews', post: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec } });
  if (!answer.ok) return answer;
  const status = answer.value.status ?? {};
  return { ...answer, value: { allowed: status.allowed === true && status.denied !== true, ...(status.reason ? { reason: status.reason } : {}) } };
}
