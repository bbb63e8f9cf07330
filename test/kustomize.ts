// The deployment's manifests as the cluster would get them: rendered by the kustomize inside Debian's kubectl 1.20
// (kustomize v2.0.3), validated against the Kubernetes OpenAPI schemas and the CRDs of prometheus-operator and
// cert-manager (kubernetes-models 4.x), and the RBAC checks the deploy tests share with their negative controls.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const KUSTOMIZE_DIR = path.join(ROOT, 'deploy/kustomize');
export const KUBECTL = process.env.KIA_KUBECTL ?? path.join(ROOT, '.cache/kubernetes-client/usr/bin/kubectl');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

export function kubectlMissing(kubectl = KUBECTL): string | undefined {
  return fs.existsSync(kubectl) ? undefined : `kubectl not found at ${kubectl}: run .ci/run, which unpacks Debian's kubernetes-client there, or set KIA_KUBECTL`;
}

/** `kubectl kustomize DIR`, parsed: every object it prints. Rejects with kubectl's stderr when it refuses. */
export function render(dir: string, kubectl = KUBECTL): Promise<K8sObject[]> {
  return new Promise((resolve, reject) => {
    execFile(kubectl, ['kustomize', dir], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${kubectl} kustomize ${dir}: ${stderr.trim() || error.message}`));
        return;
      }
      const objects = YAML.parseAllDocuments(stdout).map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${dir}: ${doc.errors[0]?.message}`);
        return doc.toJS() as K8sObject;
      });
      resolve(objects.filter((o) => o !== null));
    });
  });
}

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects: how the tests list what a directory renders. */
export function objectId(o: K8sObject): string {
  return o.metadata.namespace ? `${o.kind} ${o.metadata.namespace}/${o.metadata.name}` : `${o.kind} ${o.metadata.name}`;
}

export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map(objectId).join(', ')}`);
  return found;
}

// Which package holds the schema of an API group; anything else is a core group of kubernetes-models. An object of a
// kind no package knows fails to import, so nothing rendered goes unvalidated.
const CRD_PACKAGES: Readonly<Record<string, string>> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'cert-manager.io': '@kubernetes-models/cert-manager',
};

/** Validates one object against its schema; throws with the schema's complaint and the object's id. */
export async function validate(o: K8sObject): Promise<void> {
  const group = o.apiVersion.includes('/') ? (o.apiVersion.split('/')[0] as string) : '';
  const pkg = CRD_PACKAGES[group] ?? 'kubernetes-models';
  const module = (await import(`${pkg}/${o.apiVersion}/${o.kind}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[o.kind];
  if (!Model) throw new Error(`${pkg} has no model for ${o.apiVersion} ${o.kind}`);
  try {
    new Model(o).validate();
  } catch (error) {
    throw new Error(`${objectId(o)}: ${(error as Error).message}`, { cause: error });
  }
}

export function rules(o: K8sObject): PolicyRule[] {
  return (o.rules as PolicyRule[] | undefined) ?? [];
}

/**
 * What no kia role may hold: a `*` in any field of any rule (verbs, groups, resources, names, URLs), and, outside the
 * nodes-proxy add-on, `nodes/proxy` (which also allows exec). One line per problem; empty when the roles are clean.
 */
export function rbacProblems(objects: readonly K8sObject[], options: { allowNodesProxy?: boolean } = {}): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    if (o.kind !== 'ClusterRole' && o.kind !== 'Role') continue;
    for (const [i, rule] of rules(o).entries()) {
      for (const field of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const) {
        for (const value of rule[field] ?? []) {
          if (value.includes('*')) problems.push(`${objectId(o)} rule ${i}: ${field} has ${JSON.stringify(value)}`);
        }
      }
      if (!options.allowNodesProxy && (rule.resources ?? []).includes('nodes/proxy')) problems.push(`${objectId(o)} rule ${i}: nodes/proxy`);
    }
  }
  return problems;
}

/** The pod template of the agent's DaemonSet and its one container. */
export function agentPod(objects: readonly K8sObject[]): { pod: Record<string, unknown>; container: Record<string, unknown> } {
  const ds = find(objects, 'DaemonSet', 'kia-agent') as unknown as { spec: { template: { spec: Record<string, unknown> } } };
  const pod = ds.spec.template.spec;
  const containers = pod.containers as Record<string, unknown>[];
  if (containers.length !== 1) throw new Error(`the agent pod has ${containers.length} containers, expected 1`);
  return { pod, container: containers[0] as Record<string, unknown> };
}

/**
 * A negative control: copies one kustomization to a temp dir, replaces `from` with `to` in one of its files, and renders
 * the copy. Fails first if `from` is gone, so a control never silently tests nothing.
 */
export async function renderBroken(dir: string, change: { file: string; from: string; to: string }): Promise<K8sObject[]> {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-deploy-'));
  try {
    fs.cpSync(path.join(KUSTOMIZE_DIR, dir), copy, { recursive: true });
    const file = path.join(copy, change.file);
    const original = fs.readFileSync(file, 'utf8');
    if (!original.includes(change.from)) throw new Error(`${dir}/${change.file} no longer holds ${JSON.stringify(change.from)}: update this control`);
    fs.writeFileSync(file, original.replace(change.from, change.to));
    return await render(copy);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}
