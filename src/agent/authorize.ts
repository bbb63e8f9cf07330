// Who may read the agent's pages. On a node's network its /metrics and /api/report publish the node's weaknesses, so
// beyond loopback a caller must be vouched for: by the API server (TokenReview, then SubjectAccessReview, as
// kube-rbac-proxy does), or by a client certificate from the CA the agent was given. Answers are cached briefly.
import { createHash } from 'node:crypto';
import type { ApiServerAccess } from '../clients/kube-api.ts';
import { reviewAccess, reviewToken, type AccessAttributes } from '../clients/kube-reviews.ts';

/** The two protected pages. */
export type AgentPage = '/metrics' | '/api/report';

export type Verdict = { allowed: true; who: string } | { allowed: false; status: 401 | 403 | 503; reason: string };

export interface ApiServerAuthorizerOptions {
  /** The API server as the agent reaches it (in-cluster: the ServiceAccount token, re-read as it rotates). */
  access: () => ApiServerAccess;
  /** The agent's namespace: `/api/report` needs `get pods/proxy` there. */
  namespace: string;
  /** How long an allowed answer stands (default 60 s); a refusal stands 10 s. */
  allowTtlMs?: number;
  denyTtlMs?: number;
  /** Most cached answers (default 1024): past it the cache starts over. */
  maxEntries?: number;
  clock?: { now(): number };
}

/**
 * What each page needs. `/metrics` is the non-resource URL every Prometheus already may get. `/api/report` is asked
 * as `get pods/proxy` in the agent's namespace, not as the non-resource URL `/api/report`: the built-in
 * system:discovery role grants `get /api/*` to every authenticated user, and pods/proxy is what `kia report
 * --cluster` needs to reach the agent anyway.
 */
export function attributesFor(page: AgentPage, namespace: string): AccessAttributes {
  return page === '/metrics' ? { nonResource: { verb: 'get', path: '/metrics' } } : { resource: { verb: 'get', resource: 'pods', subresource: 'proxy', namespace } };
}

/** TokenReview then SubjectAccessReview, each answer cached by the token's digest and the page. */
export class ApiServerAuthorizer {
  readonly #options: ApiServerAuthorizerOptions;
  readonly #cache = new Map<string, { verdict: Verdict; until: number }>();

  constructor(options: ApiServerAuthorizerOptions) {
    this.#options = options;
  }

  async check(token: string, page: AgentPage): Promise<Verdict> {
    const now = (this.#options.clock ?? { now: () => Date.now() }).now();
    const key = `${createHash('sha256').update(token).digest('base64')} ${page}`;
    const cached = this.#cache.get(key);
    if (cached && cached.until > now) return cached.verdict;
    const verdict = await this.#ask(token, page);
    // The API server not answering is not a verdict on the caller: asked again next time.
    if (verdict.allowed || verdict.status !== 503) {
      if (this.#cache.size >= (this.#options.maxEntries ?? 1024)) this.#cache.clear();
      this.#cache.set(key, { verdict, until: now + (verdict.allowed ? (this.#options.allowTtlMs ?? 60_000) : (this.#options.denyTtlMs ?? 10_000)) });
    }
    return verdict;
  }

  async #ask(token: string, page: AgentPage): Promise<Verdict> {
    const access = this.#options.access();
    const review = await reviewToken(access, token);
    if (!review.ok) return { allowed: false, status: 503, reason: `the API server did not review the token (${review.failure.message})` };
    const user = review.value.user;
    if (!user) return { allowed: false, status: 401, reason: 'the token does not authenticate' };
    const decision = await reviewAccess(access, user, attributesFor(page, this.#options.namespace));
    if (!decision.ok) return { allowed: false, status: 503, reason: `the API server did not review the access (${decision.failure.message})` };
    if (!decision.value.allowed) {
      const what = page === '/metrics' ? 'get on the non-resource URL /metrics' : `get pods/proxy in namespace ${this.#options.namespace}`;
      return { allowed: false, status: 403, reason: `user "${user.username}" may not ${what}` };
    }
    return { allowed: true, who: user.username };
  }
}
