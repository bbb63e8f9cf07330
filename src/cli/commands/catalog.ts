// `kia catalog [component]`: what kia knows about each component, port and route, with the upstream file it comes from.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { CATALOG, COMPONENT_ALIASES, entryAt, findComponent } from '../../catalog/index.ts';
import type { ComponentEntry } from '../../catalog/index.ts';
import { UsageError } from '../../errors.ts';
import { renderCatalogTable } from '../../report/catalog-table.ts';

const OUTPUTS = ['table', 'json', 'yaml'] as const;
type Output = (typeof OUTPUTS)[number];

interface CatalogOptions {
  output: string;
  kubernetesVersion?: string;
}

const VERSION_RE = /^v?\d+\.\d+(\.\d+)?$/;

function render(entries: readonly ComponentEntry[], output: Output, version: string | undefined): string {
  if (output === 'table') return renderCatalogTable(entries, version === undefined ? {} : { version });
  const data = version === undefined ? entries : entries.map((e) => entryAt(e, version));
  return output === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data, { aliasDuplicateObjects: false });
}

function runCatalog(component: string | undefined, options: CatalogOptions): void {
  const output = options.output.toLowerCase();
  if (!(OUTPUTS as readonly string[]).includes(output)) throw new UsageError(`unknown output "${options.output}" (known: ${OUTPUTS.join(', ')})`);
  const raw = options.kubernetesVersion;
  if (raw !== undefined && !VERSION_RE.test(raw.trim())) throw new UsageError(`bad --kubernetes-version "${raw}" (want x.y or x.y.z, e.g. 1.31)`);
  const version = raw?.trim().replace(/^v/i, '');
  let entries: readonly ComponentEntry[] = CATALOG;
  if (component !== undefined) {
    const entry = findComponent(component);
    if (!entry) throw new UsageError(`unknown component "${component}" (known: ${CATALOG.map((c) => c.id).join(', ')})`);
    entries = [entry];
  }
  process.stdout.write(render(entries, output as Output, version));
}

/** Adds `kia catalog [component]` to the program. */
export function registerCatalog(program: Command): void {
  const aliases = Object.entries(COMPONENT_ALIASES)
    .map(([alias, id]) => `${alias}=${id}`)
    .join(', ');
  program
    .command('catalog')
    .argument('[component]', `component id (${CATALOG.map((c) => c.id).join(', ')}) or alias`)
    .description('List the components, ports and routes kia knows, with scheme, TLS policy, kubeadm bind and the upstream source file')
    .option('-o, --output <format>', `output format: ${OUTPUTS.join(', ')}`, 'table')
    .option('--kubernetes-version <version>', 'show only what exists at this Kubernetes version (e.g. 1.28, 1.31, 1.36); etcd at the version kubeadm pairs with it')
    .addHelpText(
      'after',
      `\nAliases: ${aliases}\n\nExamples:\n  kia catalog kubelet\n  kia catalog etcd --kubernetes-version 1.28\n  kia catalog scheduler -o yaml\n`,
    )
    .action((component: string | undefined, options: CatalogOptions) => runCatalog(component, options));
}
