// Observations -> findings: pure, over the rules declared in rules/.
import type { ComponentId, EffectiveConfig, EndpointObservation, Finding, Severity } from '../model/index.ts';
import { compareNatural, severityRank } from '../model/index.ts';
import { effectiveConfig } from './effective-config.ts';
import { configDrift } from './rules/drift.ts';
import { etcdDebugVars, etcdNoClientCert, etcdPlainHttp } from './rules/etcd.ts';
import { configzAnonymous, loopbackPortExposed, metricsAnonymous, pprofAnonymous, removedInsecurePort } from './rules/exposure.ts';
import { kubeletAnonymousAlwaysAllow, kubeletAnonymousAuthn, kubeletCmdline, kubeletNodesProxyExec, kubeletReadOnlyPort, kubeletRunActive, kubeletSelfSignedCert } from './rules/kubelet.ts';
import { certExpired, certExpiring } from './rules/tls.ts';
import { kubeletForeignCert, tlsLegacyVersion, tlsNameMismatch, tlsWeakSuite } from './rules/tls-posture.ts';
import type { Rule } from './types.ts';

export type { Rule, Hit, AuditContext, RuleReferences } from './types.ts';
export { CERT_THRESHOLDS } from './rules/tls.ts';
export { applyBaseline, parseBaseline, type Baseline, type BaselineEntry } from './baseline.ts';

export const RULES: readonly Rule[] = [
  kubeletAnonymousAlwaysAllow,
  kubeletAnonymousAuthn,
  kubeletReadOnlyPort,
  kubeletCmdline,
  kubeletSelfSignedCert,
  kubeletRunActive,
  kubeletNodesProxyExec,
  kubeletForeignCert,
  etcdPlainHttp,
  etcdNoClientCert,
  etcdDebugVars,
  configzAnonymous,
  metricsAnonymous,
  pprofAnonymous,
  loopbackPortExposed,
  removedInsecurePort,
  certExpired,
  certExpiring,
  tlsLegacyVersion,
  tlsWeakSuite,
  tlsNameMismatch,
  configDrift,
];

export function ruleReferences(rule: Rule): string[] {
  return [...(rule.references.cis ?? []).map((id) => `CIS Kubernetes Benchmark ${id}`), ...(rule.references.khv ? [`kube-hunter ${rule.references.khv}`] : []), ...(rule.references.urls ?? [])];
}

/** The fix for the component the rule fired on: its own field when the rule names one, else the rule's general fix. */
export function remediationOf(rule: Rule, component: ComponentId | 'unknown'): string {
  return (component !== 'unknown' && rule.remediationFor?.[component]) || rule.remediation;
}

export function audit(endpoints: readonly EndpointObservation[], options: { now: number; active?: boolean }): Finding[] {
  const findings: Finding[] = [];
  const hosts = new Map<string, EndpointObservation[]>();
  for (const e of endpoints) {
    const group = hosts.get(e.address);
    if (group) group.push(e);
    else hosts.set(e.address, [e]);
  }
  const configs = new Map<string, EffectiveConfig[]>();
  const effective = (key: string, group: () => readonly EndpointObservation[]): EffectiveConfig[] => {
    let config = configs.get(key);
    if (!config) configs.set(key, (config = effectiveConfig(group())));
    return config;
  };
  for (const endpoint of endpoints) {
    const sameHost = hosts.get(endpoint.address) ?? [endpoint];
    for (const rule of RULES) {
      if (rule.mode === 'act' && !options.active) continue;
      for (const hit of rule.check(endpoint, { now: options.now, sameHost, endpoints, effective })) {
        findings.push({
          rule: rule.id,
          title: rule.title,
          severity: rule.severity,
          mode: rule.mode,
          component: endpoint.fingerprint.component,
          host: endpoint.target.host,
          address: endpoint.address,
          port: endpoint.port,
          ...(endpoint.target.node ? { node: endpoint.target.node } : {}),
          message: hit.message,
          evidence: hit.evidence,
          fix: remediationOf(rule, endpoint.fingerprint.component),
          references: ruleReferences(rule),
          ...(hit.route !== undefined && { route: hit.route }),
        });
      }
    }
  }
  return findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || compareNatural(a.address, b.address) || a.port - b.port || compareNatural(a.rule, b.rule));
}

/** Findings at or above a severity that count: a finding a running baseline waiver accepts does not. */
export function atOrAbove(findings: readonly Finding[], severity: Severity): Finding[] {
  return findings.filter((f) => severityRank(f.severity) >= severityRank(severity) && (f.waiver === undefined || f.waiver.expired));
}
