// What every renderer shows, computed once: hosts with their open ports by component, findings critical first, counts.
import { SEVERITIES, severityRank } from '../model/index.ts';
import type { CertificateObservation, EndpointObservation, Finding, Report, Severity } from '../model/index.ts';
import type { Rule } from '../audit/types.ts';

/** Most severe first. */
export const SEVERITIES_DESC: readonly Severity[] = [...SEVERITIES].reverse();

export interface ComponentView {
  component: string;
  /** Open ports of this component on the host, by port number. */
  endpoints: EndpointObservation[];
}

export interface HostView {
  address: string;
  host: string;
  node?: string;
  /** `node (address)`, or `host (address)`, or the address alone. */
  label: string;
  components: ComponentView[];
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Critical first; then host, port and rule so the order is the same on every run. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || compareText(a.address, b.address) || a.port - b.port || compareText(a.rule, b.rule),
  );
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

function hostLabel(address: string, host: string, node: string | undefined): string {
  const name = node ?? host;
  return name === address ? address : `${name} (${address})`;
}

/** Hosts in the order the hunt listed them (targets first, then any host only an endpoint names). */
export function hostViews(report: Report): HostView[] {
  const hosts = new Map<string, HostView>();
  const add = (address: string, host: string, node: string | undefined): HostView => {
    let view = hosts.get(address);
    if (!view) {
      view = { address, host, label: hostLabel(address, host, node), components: [], ...(node !== undefined && { node }) };
      hosts.set(address, view);
    }
    return view;
  };
  for (const t of report.scope.targets) add(t.address, t.host, t.node);
  const open = report.endpoints.filter((e) => e.outcome === 'open').sort((a, b) => a.port - b.port);
  for (const e of open) {
    const view = add(e.target.address, e.target.host, e.target.node);
    const name = e.fingerprint.component;
    let group = view.components.find((c) => c.component === name);
    if (!group) view.components.push((group = { component: name, endpoints: [] }));
    group.endpoints.push(e);
  }
  return [...hosts.values()];
}

export function openPortCount(report: Report): number {
  return report.endpoints.filter((e) => e.outcome === 'open').length;
}

/** `3 hosts, 17 open ports, findings: 1 critical, 2 high, 0 medium, 0 low, 0 info` */
export function summaryLine(report: Report): string {
  const hosts = hostViews(report).length;
  const ports = openPortCount(report);
  const counts = countBySeverity(report.findings);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(hosts, 'host')}, ${plural(ports, 'open port')}, findings: ${SEVERITIES_DESC.map((s) => `${counts[s]} ${s}`).join(', ')}`;
}

/** `host:port`, with IPv6 literals in brackets. */
export function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** `https://address:port`, `http://…`, or `tcp://…` when the scheme is unknown. */
export function endpointUri(scheme: EndpointObservation['scheme'] | undefined, address: string, port: number): string {
  return `${scheme === 'http' || scheme === 'https' ? scheme : 'tcp'}://${hostPort(address, port)}`;
}

/** The endpoint a finding is about, when the report holds it. */
export function endpointOf(report: Report, finding: Finding): EndpointObservation | undefined {
  return report.endpoints.find((e) => e.port === finding.port && (e.address === finding.address || e.target.address === finding.address));
}

export function leafCertificate(endpoint: EndpointObservation): CertificateObservation | undefined {
  return endpoint.tls?.chain[0];
}

/** `api, 1.36.0, high confidence`: what made the component call. */
export function fingerprintText(endpoint: EndpointObservation): string {
  const fp = endpoint.fingerprint;
  return [fp.port, fp.version, `${fp.confidence} confidence`].filter((part) => part !== undefined).join(', ');
}

export function tlsText(endpoint: EndpointObservation): string {
  if (!endpoint.tls) return endpoint.scheme === 'https' ? 'TLS (no details)' : 'no TLS';
  return endpoint.tls.protocol ?? 'TLS (no handshake)';
}

export function clientCertText(endpoint: EndpointObservation): string {
  return endpoint.tls ? endpoint.tls.clientCert : '-';
}

export function certificateText(cert: CertificateObservation): string {
  const flags = [cert.selfSigned ? 'self-signed' : '', cert.isCA ? 'CA' : ''].filter(Boolean).join(', ');
  return `${cert.subject}, issuer ${cert.issuer}, not after ${cert.notAfter}${flags ? `, ${flags}` : ''}, sha256 ${cert.fingerprint256}`;
}

export function ruleById(rules: readonly Rule[], id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}

export const KUBE_HUNTER_KB = 'https://aquasecurity.github.io/kube-hunter/kb/';

/** References of a finding, with the rule's CIS and kube-hunter ids when the rule is known, without duplicates. */
export function referenceLines(finding: Finding, rule: Rule | undefined): string[] {
  const lines: string[] = [];
  if (rule?.references.cis?.length) lines.push(`CIS Kubernetes Benchmark ${rule.references.cis.join(', ')}`);
  if (rule?.references.khv) lines.push(`kube-hunter ${rule.references.khv}: ${KUBE_HUNTER_KB}${rule.references.khv}`);
  for (const ref of [...finding.references, ...(rule?.references.urls ?? [])]) if (!lines.includes(ref)) lines.push(ref);
  return lines;
}
