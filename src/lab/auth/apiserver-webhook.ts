// The stand-ins' client for the lab apiserver: TokenReview and SubjectAccessReview, as kubelets and the delegated
// authn/authz of controller-manager and scheduler use them, with upstream's cache TTLs.
import https from 'node:https';
import { request } from '../net/proxy-client.ts';
import { Secret } from '../../clients/identity.ts';
import { TtlCache, type TokenCheck, type User } from './authn.ts';
import type { Clock } from '../types.ts';

export interface ResourceAttributes {
  verb: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  group?: string;
  version?: string;
}
export interface NonResourceAttributes {
  verb: string;
  path: string;
}
export type Attributes = { resource: ResourceAttributes } | { nonResource: NonResourceAttributes };

export interface Decision {
  allowed: boolean;
  reason?: string;
  /** The authorizer could not be asked (apiserver down): upstream answers 500. */
  error?: string;
}

export interface WebhookOptions {
  url: string;
  ca: string;
  cert: string;
  key: string;
  clock: Clock;
  authnTtlMs: number;
  allowTtlMs: number;
  denyTtlMs: number;
}

export class ApiserverWebhook {
  private readonly options: WebhookOptions;
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly tokens: TtlCache<{ user?: User; error?: string }>;
  private readonly decisions: TtlCache<Decision>;

  constructor(options: WebhookOptions) {
    this.options = options;
    this.tokens = new TtlCache(() => options.clock.now());
    this.decisions = new TtlCache(() => options.clock.now());
  }

  private async post(path: string, body: unknown): Promise<{ ok: boolean; value?: Record<string, unknown>; error?: string }> {
    const res = await request({
      url: new URL(path, this.options.url),
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      identity: { name: 'webhook', cert: this.options.cert, key: new Secret(this.options.key) },
      ca: this.options.ca,
      agent: this.agent,
      timeoutMs: 5_000,
      maxBytes: 1 << 20,
    });
    if (res.outcome !== 'ok' || res.status !== 201) return { ok: false, error: res.error ?? `apiserver answered ${res.status}` };
    try {
      return { ok: true, value: JSON.parse(res.body.toString()) as Record<string, unknown> };
    } catch {
      return { ok: false, error: 'apiserver answered with invalid JSON' };
    }
  }

  readonly tokenReview: TokenCheck = async (token) => {
    const cached = this.tokens.get(token);
    if (cached) return cached;
    const answer = await this.post('/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    if (!answer.ok) return { error: answer.error ?? 'token review failed' };
    const status = (answer.value?.status ?? {}) as { authenticated?: boolean; user?: { username?: string; groups?: string[]; uid?: string }; error?: string };
    const result = status.authenticated
      ? { user: { name: status.user?.username ?? '', groups: status.user?.groups ?? [], ...(status.user?.uid ? { uid: status.user.uid } : {}) } }
      : { error: status.error ?? 'invalid bearer token' };
    this.tokens.set(token, result, this.options.authnTtlMs);
    return result;
  };

  async authorize(user: User, attributes: Attributes): Promise<Decision> {
    const key = JSON.stringify([user.name, user.groups, attributes]);
    const cached = this.decisions.get(key);
    if (cached) return cached;
    const spec = {
      user: user.name,
      groups: user.groups,
      ...(user.uid ? { uid: user.uid } : {}),
      ...('resource' in attributes ? { resourceAttributes: attributes.resource } : { nonResourceAttributes: attributes.nonResource }),
    };
    const answer = await this.post('/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });
    if (!answer.ok) return { allowed: false, error: answer.error ?? 'authorizer unreachable' };
    const status = (answer.value?.status ?? {}) as { allowed?: boolean; reason?: string };
    const decision: Decision = { allowed: status.allowed === true, ...(status.reason ? { reason: status.reason } : {}) };
    this.decisions.set(key, decision, decision.allowed ? this.options.allowTtlMs : this.options.denyTtlMs);
    return decision;
  }

  close(): void {
    this.agent.destroy();
  }
}
