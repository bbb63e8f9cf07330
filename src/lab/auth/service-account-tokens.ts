// Service-account tokens: JWTs signed with the cluster's sa.key, checked by the lab apiserver with sa.pub.
import { createPrivateKey, createPublicKey, randomUUID, sign, verify } from 'node:crypto';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountClaims {
  namespace: string;
  serviceAccount: string;
  pod?: { name: string; uid: string };
  node?: { name: string };
  nowMs: number;
  lifetimeSeconds?: number;
}

function algorithmOf(keyPem: string): { alg: 'ES256' | 'RS256'; ec: boolean } {
  const key = keyPem.includes('PUBLIC') ? createPublicKey(keyPem) : createPrivateKey(keyPem);
  return key.asymmetricKeyType === 'ec' ? { alg: 'ES256', ec: true } : { alg: 'RS256', ec: false };
}

export function mintServiceAccountToken(saKeyPem: string, claims: ServiceAccountClaims): string {
  const { alg, ec } = algorithmOf(saKeyPem);
  const iat = Math.floor(claims.nowMs / 1000);
  const exp = iat + (claims.lifetimeSeconds ?? 3607);
  const payload = {
    aud: [ISSUER],
    exp,
    iat,
    iss: ISSUER,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: claims.namespace,
      ...(claims.node ? { node: claims.node } : {}),
      ...(claims.pod ? { pod: claims.pod } : {}),
      serviceaccount: { name: claims.serviceAccount, uid: randomUUID() },
      warnafter: iat + 3600,
    },
    nbf: iat,
    sub: `system:serviceaccount:${claims.namespace}:${claims.serviceAccount}`,
  };
  const header = { alg, kid: 'kia-lab' };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), { key: saKeyPem, ...(ec ? { dsaEncoding: 'ieee-p1363' as const } : {}) });
  return `${input}.${signature.toString('base64url')}`;
}

export interface VerifiedToken {
  user: string;
  groups: string[];
  uid?: string;
}

/** Checks signature, issuer and time; returns the service account user and its groups. */
export function verifyServiceAccountToken(saPubPem: string, token: string, nowMs: number): VerifiedToken | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const { ec } = algorithmOf(saPubPem);
    const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: saPubPem, ...(ec ? { dsaEncoding: 'ieee-p1363' as const } : {}) }, Buffer.from(s, 'base64url'));
    if (!ok) return undefined;
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { iss?: string; exp?: number; nbf?: number; sub?: string; 'kubernetes.io'?: { namespace?: string; serviceaccount?: { uid?: string } } };
    const now = Math.floor(nowMs / 1000);
    if (payload.iss !== ISSUER || (payload.exp ?? 0) < now || (payload.nbf ?? 0) > now + 60 || !payload.sub?.startsWith('system:serviceaccount:')) return undefined;
    const namespace = payload['kubernetes.io']?.namespace ?? '';
    const uid = payload['kubernetes.io']?.serviceaccount?.uid;
    return { user: payload.sub, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`], ...(uid ? { uid } : {}) };
  } catch {
    return undefined;
  }
}
