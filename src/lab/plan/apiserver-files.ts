// The files a hardened API server's flags name (audit policy, admission configuration for EventRateLimit, encryption at
// rest) and where its audit log would go, written by the plan so that the command line, /flagz and the node agree.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { LabNode, LabPlan } from '../types.ts';
import { PROFILE_SETTINGS } from './profiles.ts';

export interface ApiserverFiles {
  auditPolicy: string;
  auditLog: string;
  admissionConfig: string;
  encryptionConfig: string;
}

/** Where kubeadm users usually put them: /etc/kubernetes and /var/log/kubernetes on the control-plane node. */
export function apiserverFiles(node: Pick<LabNode, 'root'>): ApiserverFiles {
  return {
    auditPolicy: join(node.root, 'etc/kubernetes/audit-policy.yaml'),
    auditLog: join(node.root, 'var/log/kubernetes/audit/audit.log'),
    admissionConfig: join(node.root, 'etc/kubernetes/admission-config.yaml'),
    encryptionConfig: join(node.root, 'etc/kubernetes/encryption-config.yaml'),
  };
}

function write(path: string, content: unknown, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify(content), { mode });
}

/** Writes the files the control-plane node's profile names; the encryption key is made once per lab folder. */
export function writeApiserverFiles(plan: LabPlan): void {
  const node = plan.nodes[0];
  if (!node) return;
  const s = PROFILE_SETTINGS[node.profile].apiserver;
  const F = apiserverFiles(node);
  if (s.audit) {
    write(F.auditPolicy, { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], rules: [{ level: 'Metadata' }] });
    mkdirSync(dirname(F.auditLog), { recursive: true });
  }
  if (s.enablePlugins.includes('EventRateLimit')) {
    write(F.admissionConfig, { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'AdmissionConfiguration', plugins: [{ name: 'EventRateLimit', configuration: { apiVersion: 'eventratelimit.admission.k8s.io/v1alpha1', kind: 'Configuration', limits: [{ type: 'Server', qps: 50, burst: 100 }] } }] });
  }
  if (s.encryption && !existsSync(F.encryptionConfig)) {
    const key = randomBytes(32).toString('base64');
    write(F.encryptionConfig, { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'key1', secret: key }] } }, { identity: {} }] }] });
  }
}

/** The API server flags the profile's admission, audit, encryption and token settings give. */
export function apiserverProfileFlags(node: LabNode): string[] {
  const s = PROFILE_SETTINGS[node.profile].apiserver;
  const F = apiserverFiles(node);
  return [
    ...(s.enablePlugins.includes('EventRateLimit') ? [`--admission-control-config-file=${F.admissionConfig}`] : []),
    ...(s.audit ? [`--audit-log-maxage=30`, '--audit-log-maxbackup=10', '--audit-log-maxsize=100', `--audit-log-path=${F.auditLog}`, `--audit-policy-file=${F.auditPolicy}`] : []),
    ...(s.disablePlugins.length ? [`--disable-admission-plugins=${s.disablePlugins.join(',')}`] : []),
    `--enable-admission-plugins=${s.enablePlugins.join(',')}`,
    ...(s.encryption ? [`--encryption-provider-config=${F.encryptionConfig}`] : []),
  ];
}
