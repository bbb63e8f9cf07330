// Pods through the API server: the pods of a namespace by label, and a GET of a pod's own port through the pods proxy
// subresource (`pods/<scheme>:<name>:<port>/proxy/<path>`, as `kubectl get --raw` reaches it).
import { askJson, type ApiServerAccess } from './kube-api.ts';
import type { KubeletResult } from './kubelet-failure.ts';

export interface PodSummary {
  name: string;
  /** spec.nodeName: where the scheduler put it (empty while pending). */
  node: string;
  podIP?: string;
  phase: string;
  ready: boolean;
}

interface PodObject {
  metadata?: { name?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string; podIP?: string; conditions?: { type?: string; status?: string }[] };
}

/** GET /api/v1/namespaces/<ns>/pods?labelSelector=…. */
export async function listPods(access: ApiServerAccess, query: { namespace: string; labelSelector?: string }): Promise<KubeletResult<PodSummary[]>> {
  const selector = query.labelSelector ? `?labelSelector=${encodeURIComponent(query.labelSelector)}` : '';
  const answer = await askJson<{ items?: PodObject[] }>(access, { path: `/api/v1/namespaces/${encodeURIComponent(query.namespace)}/pods${selector}` });
  if (!answer.ok) return answer;
  const pods = (answer.value.items ?? []).flatMap((p): PodSummary[] => {
    const name = p.metadata?.name;
    if (!name) return [];
    const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    return [{ name, node: p.spec?.nodeName ?? '', ...(p.status?.podIP ? { podIP: p.status.podIP } : {}), phase: p.status?.phase ?? 'Unknown', ready }];
  });
  return { ...answer, value: pods };
}

export interface PodProxyCall {
  namespace: string;
  pod: string;
  port: number;
  scheme: 'http' | 'https';
  /** The pod's path, from its leading slash. */
  path: string;
  headers?: Record<string, string>;
}

/** A JSON answer of a pod's port through the API server's pods proxy. */
export function podProxyJson<T>(access: ApiServerAccess, call: PodProxyCall): Promise<KubeletResult<T>> {
  // Colons stay literal (a path character; kubectl sends them so), the name is encoded.
  const target = `${call.scheme}:${encodeURIComponent(call.pod)}:${call.port}`;
  const path = call.path.split('/').map(encodeURIComponent).join('/');
  return askJson<T>(access, { path: `/api/v1/namespaces/${encodeURIComponent(call.namespace)}/pods/${target}/proxy${path}`, ...(call.headers ? { headers: call.headers } : {}) });
}
