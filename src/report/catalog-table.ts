// The catalog as a readable text table: one block per component, its ports, then each port's routes.
import { entryAt, kubeadmEtcdVersion } from '../catalog/index.ts';
import type { ComponentEntry, PortEntry, Route, VersionRange } from '../catalog/index.ts';
import { columns } from './text-layout.ts';

export interface CatalogTableOptions {
  /** Kubernetes version: show only what exists then (etcd at the version kubeadm pairs with it). */
  readonly version?: string;
}

function versions(range: VersionRange | undefined): string {
  if (!range || (range.since === undefined && range.until === undefined)) return 'all';
  return [range.since !== undefined ? `>=${range.since}` : '', range.until !== undefined ? `<${range.until}` : ''].filter(Boolean).join(' ');
}

function authz(route: Route): string {
  const a = route.authz;
  if (!a) return '-';
  if ('nonResourcePath' in a) return 'path';
  return a.fineGrained ? `${a.subresource} (${a.fineGrained.subresource} ${versions(a.fineGrained.versions)})` : a.subresource;
}

function portRows(ports: readonly PortEntry[], removed: boolean): string[][] {
  return ports.map((p) => [
    removed ? `${p.name} (removed)` : p.name,
    p.port === 0 ? '(per Service)' : String(p.port),
    p.scheme,
    p.clientCert,
    p.kubeadmBind,
    p.anonymous.expected ? 'yes' : 'no',
    versions(p.versions),
  ]);
}

function routeBlock(port: PortEntry): string {
  const title = `  ${port.name} ${port.port === 0 ? '(per Service)' : port.port}/${port.scheme}: ${port.title}`;
  if (port.routes.length === 0) return `${title}\n    (no routes at this version)`;
  const rows = [
    ['METHODS', 'PATH', 'MODE', 'ACCESS', 'AUTHZ', 'VERSIONS', 'SOURCE'],
    ...port.routes.map((r) => [r.methods.join(','), r.path, r.mode, r.access, authz(r), versions(r.versions), r.source.replace(/^kubernetes\/kubernetes:/, 'k/k:')]),
  ];
  return `${title}\n${columns(rows, '    ').join('\n')}`;
}

function componentBlock(entry: ComponentEntry, version: string | undefined): string {
  const at = version === undefined ? entry : entryAt(entry, version);
  const versioning =
    entry.versioning === 'etcd' ? (version === undefined ? ' [ranges are etcd versions]' : ` [etcd ${kubeadmEtcdVersion(version)}, as kubeadm pairs with ${version}]`) : '';
  const removed = at.removedPorts ?? [];
  const header = [['PORT', 'NUMBER', 'SCHEME', 'CLIENT-CERT', 'KUBEADM-BIND', 'ANONYMOUS', 'VERSIONS'], ...portRows(at.ports, false), ...portRows(removed, true)];
  return [
    `${entry.id}${versioning}  (${entry.source})`,
    columns(header, '  ').join('\n'),
    '',
    ...[...at.ports, ...removed].map((p) => `${routeBlock(p)}\n`),
  ].join('\n');
}

/** Renders catalog entries as text; pure, so tests compare strings. */
export function renderCatalogTable(entries: readonly ComponentEntry[], options: CatalogTableOptions = {}): string {
  const head = options.version === undefined ? '' : `Kubernetes ${options.version}\n\n`;
  return head + entries.map((e) => componentBlock(e, options.version)).join('\n');
}
