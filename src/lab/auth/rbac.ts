// The lab apiserver's authorisation: a few of the bootstrap RBAC bindings a kubeadm cluster has, as data.
import type { User } from './authn.ts';
import type { Attributes } from './apiserver-webhook.ts';

interface Rule {
  verbs: readonly string[];
  resources?: readonly string[];
  nonResourceURLs?: readonly string[];
}

interface Binding {
  name: string;
  subjects: readonly ({ group: string } | { user: string })[];
  rules: readonly Rule[];
}

const ALL: Rule[] = [{ verbs: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];

const BINDINGS: readonly Binding[] = [
  { name: 'cluster-admin', subjects: [{ group: 'system:masters' }], rules: ALL },
  // kubeadm 1.29+: ClusterRoleBinding kubeadm:cluster-admins -> cluster-admin.
  { name: 'kubeadm:cluster-admins', subjects: [{ group: 'kubeadm:cluster-admins' }], rules: ALL },
  {
    name: 'system:public-info-viewer',
    subjects: [{ group: 'system:authenticated' }, { group: 'system:unauthenticated' }],
    rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }],
  },
  // kubeadm keeps the bootstrap policy's binding of system:discovery to every authenticated user
  // (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go): a user with no grants of its own still discovers the API.
  {
    name: 'system:discovery',
    subjects: [{ group: 'system:authenticated' }],
    rules: [{ verbs: ['get'], nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'] }],
  },
  {
    name: 'system:basic-user',
    subjects: [{ group: 'system:authenticated' }],
    rules: [{ verbs: ['create'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews'] }],
  },
  // Nodes and the delegating components ask the apiserver for TokenReviews and SubjectAccessReviews.
  {
    name: 'system:auth-delegator',
    subjects: [{ group: 'system:nodes' }, { user: 'system:kube-controller-manager' }, { user: 'system:kube-scheduler' }],
    rules: [{ verbs: ['create'], resources: ['tokenreviews', 'subjectaccessreviews'] }, { verbs: ['get', 'list', 'watch'], resources: ['nodes', 'pods'] }],
  },
  // A typical monitoring grant: get on nodes/proxy to scrape through the node proxy. The kubelet checks a WebSocket
  // upgrade to /exec, /attach and /portForward as get too, so this identity can run commands in every container.
  { name: 'kia:monitor', subjects: [{ user: 'monitor' }], rules: [{ verbs: ['get'], resources: ['nodes/proxy'] }] },
  { name: 'system:kube-controller-manager', subjects: [{ user: 'system:kube-controller-manager' }], rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }] },
];

function matches(list: readonly string[] | undefined, value: string): boolean {
  return !!list && (list.includes('*') || list.includes(value) || list.some((p) => p.endsWith('*') && value.startsWith(p.slice(0, -1))));
}

export function rbacAllows(user: User, attributes: Attributes): { allowed: boolean; reason?: string } {
  for (const binding of BINDINGS) {
    const bound = binding.subjects.some((s) => ('group' in s ? user.groups.includes(s.group) : s.user === user.name));
    if (!bound) continue;
    for (const rule of binding.rules) {
      if (!matches(rule.verbs, 'resource' in attributes ? attributes.resource.verb : attributes.nonResource.verb)) continue;
      if ('resource' in attributes) {
        const r = attributes.resource;
        const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
        if (matches(rule.resources, resource) || matches(rule.resources, r.resource) && rule.resources?.includes('*')) {
          return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${binding.name}"` };
        }
      } else if (matches(rule.nonResourceURLs, attributes.nonResource.path)) {
        return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${binding.name}"` };
      }
    }
  }
  return { allowed: false };
}
