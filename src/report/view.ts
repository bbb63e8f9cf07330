// What every renderer shows of the hosts, computed once: the hosts that answered with their open ports by component,
// and each endpoint's certificate, problems and owning process in words.
import { SEVERITIES } from '../model/index.ts';
import type { CertificateObservation, EndpointObservation, Finding, Report, Severity } from '../model/index.ts';

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

function hostLabel(address: string, host: string, node: string | undefined): string {
  const name = node ?? host;
  return name === address ? address : `${name} (${address})`;
}

/**
 * Hosts that answered, in the order the hunt listed them (targets first, then any host only an endpoint names). The
 * silent ones are counted in the notes: a CIDR hunt can have thousands.
 */
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
  return [...hosts.values()].filter((h) => h.components.length > 0);
}

export function openPortCount(report: Report): number {
  return report.endpoints.filter((e) => e.outcome === 'open').length;
}

/** The scope's targets for a person: the first `limit` by name and address, then how many more. */
export function targetList(report: Report, limit = 20): { shown: { name?: string; address: string }[]; more: number } {
  const shown = report.scope.targets.slice(0, limit).map((t) => {
    const name = t.node ?? (t.host !== t.address ? t.host : undefined);
    return name !== undefined ? { name, address: t.address } : { address: t.address };
  });
  return { shown, more: Math.max(0, report.scope.targets.length - limit) };
}

/** `host:port`, with IPv6 literals in brackets. */
export function hostPort(address: string, port: number): string {
  // Port 0: a finding about a node as a whole (counts from Prometheus), not one of its ports.
  if (port === 0) return address;
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

/** What a person needs of a served leaf certificate, each part short enough for its own line. */
export interface CertificateFacts {
  subject: string;
  issuer: string;
  /** DNS and IP subject alternative names. */
  names: string[];
  /** `2027-12-06 (in 365 days)`, `2025-01-01 (expired 3 days ago)`. */
  expiry: string;
  /** `self-signed`, `CA`, or nothing. */
  flags: string[];
  /** `verified against the given CA`, `not verified against the given CA: …`, absent when no CA was given. */
  verification?: string;
  /** SHA-256 of the DER certificate, lower-case hex without colons (what `sha256sum` prints of the DER). */
  sha256: string;
}

const DAY = 86_400_000;

export function certificateFacts(endpoint: EndpointObservation, now: number): CertificateFacts | undefined {
  const cert = leafCertificate(endpoint);
  if (!cert) return undefined;
  const days = Math.floor((Date.parse(cert.notAfter) - now) / DAY);
  const when = Number.isNaN(days) ? '' : days < 0 ? ` (expired ${-days} day${days === -1 ? '' : 's'} ago)` : ` (in ${days} day${days === 1 ? '' : 's'})`;
  const tls = endpoint.tls;
  const verification =
    tls?.verified === true ? 'verified against the given CA' : tls?.verified === false ? `not verified against the given CA${tls.verifyError ? `: ${tls.verifyError}` : ''}` : undefined;
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    names: [...cert.dnsNames, ...cert.ipAddresses],
    expiry: `${cert.notAfter.slice(0, 10)}${when}`,
    flags: [cert.selfSigned ? 'self-signed' : '', cert.isCA ? 'CA' : ''].filter(Boolean),
    ...(verification !== undefined && { verification }),
    sha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

/**
 * Why an endpoint reads the way it does: the probe's errors, and answers cut at the byte cap (an HTTP answer that
 * was too large is still an HTTP answer).
 */
export function endpointProblems(endpoint: EndpointObservation): string[] {
  const cut = new Map<string, string>();
  for (const r of endpoint.routes) {
    if (r.outcome !== 'too-large' || cut.has(r.path)) continue;
    const size = r.capBytes !== undefined ? `${r.capBytes} bytes` : 'the byte cap';
    cut.set(r.path, `${r.method} ${r.path}: HTTP answer larger than ${size}${r.status !== undefined ? ` (status ${r.status})` : ''}`);
  }
  return [...endpoint.errors, ...cut.values()];
}

/** `kubelet (pid 812)`, and the command line as one string, for node-local hunts. */
export function processFacts(endpoint: EndpointObservation): { owner: string; command: string; configFile?: string } | undefined {
  const p = endpoint.process;
  if (!p) return undefined;
  return { owner: `${p.name} (pid ${p.pid}${p.containerId ? `, container ${p.containerId.slice(0, 12)}` : ''})`, command: p.cmdline.join(' '), ...(p.configFile !== undefined && { configFile: p.configFile }) };
}

/** What the exec column means, said once for every renderer. */
export const EXEC_LEGEND =
  'exec through the kubelet (a WebSocket upgrade to /exec is a GET, so get nodes/proxy allows it): inferred from a nodes/proxy read, proven with --active by `id`, refused, or blank when nothing showed';

/** The exec column of each kubelet API port on a host: per port, each identity's state ('' when blank). */
export function execRows(host: HostView, identities: readonly string[]): { port: number; cells: string[] }[] {
  return host.components.flatMap((g) => g.endpoints).flatMap((e) => (e.exec?.length ? [{ port: e.port, cells: identities.map((i) => e.exec?.find((x) => x.identity === i)?.state ?? '') }] : []));
}
