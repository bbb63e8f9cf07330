// `kia demo`: the main job on the embedded default: start a mixed lab, hunt it, print the report, stop the lab, and
// say what to try next.
import { isAbsolute, relative } from 'node:path';
import { Option, type Command } from 'commander';
import { KUBERNETES_VERSIONS, type KubernetesVersion } from '../../model/index.ts';
import { startLab } from '../../lab/index.ts';
import { emit, exitCodeFor, runHunt, type HuntFlags } from './hunt.ts';
import { RENDERERS, type OutputFormat } from '../../report/index.ts';
import { renderHealthTable } from '../../health/index.ts';
import { checkHealth } from '../../pipelines/health.ts';
import { planHealth } from './health.ts';
import { labDir, whole } from './lab.ts';
import { stopSignal } from '../stop-signal.ts';

/** How the user ran kia, to write the next commands the same way: `node bin/kia.js` from a checkout, else `kia`. */
function selfCommand(): string {
  const script = process.argv[1] ?? '';
  const rel = relative(process.cwd(), script);
  return script && rel && !rel.startsWith('..') && !isAbsolute(rel) ? `node ${rel}` : 'kia';
}

/** A few commands that go on from the demo, on the same folder. */
export function nextSteps({ kia, dir, nodes }: { kia: string; dir: string; nodes: number }): string {
  const d = /^[\w./-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, `'\\''`)}'`;
  const worker = nodes > 1 ? 'kia-worker-1' : 'kia-control-plane';
  return [
    '',
    'What to try next:',
    `  ${kia} lab up --detach --dir ${d} --nodes ${nodes} --profile mixed    # the same lab, in the background`,
    `  ${kia} hunt --lab ${d} --cert ${d}/admin.crt --key ${d}/admin.key --cacert ${d}/ca.crt`,
    `  ${kia} lab fault ${worker} kubelet down --dir ${d} && ${kia} health --lab ${d}`,
    `  ${kia} serve --lab ${d}                    # dashboard at http://127.0.0.1:9470/, Prometheus at /metrics`,
    `  ${kia} lab down --dir ${d}`,
    'and the hunting guide by hand: README.md, "A tour: the hunting guide on the lab".',
    '',
  ].join('\n');
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start a lab with the mixed preset, hunt it as an outsider and with the lab\'s admin certificate, print the report and the health of every component, stop the lab')
    .option('--dir <dir>', 'lab folder', '.kia-lab')
    .option('--nodes <n>', 'nodes (5 shows every profile)', whole('--nodes', 1, 32258), 5)
    .addOption(new Option('--kubernetes-version <v>', 'Kubernetes version to emulate').choices([...KUBERNETES_VERSIONS]).default('1.36'))
    .addOption(new Option('-o, --output <format>', 'report format').choices(Object.keys(RENDERERS)).default('text'))
    .action(async (options: { dir: string; nodes: number; kubernetesVersion: KubernetesVersion; output: OutputFormat }) => {
      // Heard from before the lab starts: Ctrl-C at any moment of the demo stops its lab too (exit 130).
      const signal = stopSignal();
      const lab = await startLab({ dir: labDir(options.dir), nodes: options.nodes, profile: 'mixed', kubernetesVersion: options.kubernetesVersion }).catch((error: unknown) => {
        signal.dispose();
        throw error;
      });
      const interrupted = signal.promise.then(async () => {
        // Whatever the stop meets, the interrupted demo ends here.
        await lab.stop().then(
          () => process.stderr.write('lab stopped\n'),
          (error: unknown) => process.stderr.write(`kia: the lab did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`),
        );
        process.exit(130);
      });
      if (signal.received) return interrupted;
      process.stderr.write(`lab up on network ${lab.plan.network}: ${lab.plan.nodes.map((n) => `${n.name} ${n.ip} (${n.profile})`).join(', ')}\n`);
      try {
        const flags: HuntFlags = { lab: lab.plan.dir, cert: lab.plan.files.adminCert, key: lab.plan.files.adminKey, cacert: lab.plan.files.ca, output: options.output, timeout: 5000 };
        const report = await runHunt([], flags);
        emit(report, flags);
        process.exitCode = exitCodeFor(report, undefined);
        if (options.output === 'text') {
          // The operator's view of the same lab: every component through its own health endpoints.
          const plan = await planHealth([], { lab: lab.plan.dir, output: 'table', interval: 5, proxyStaleAfter: 60, timeout: 5000 });
          const health = await checkHealth(plan.endpoints, { identities: plan.identities, trust: plan.trust });
          process.stdout.write(`\nkia health --lab ${lab.plan.dir}\n${renderHealthTable(health)}`);
          process.stdout.write(nextSteps({ kia: selfCommand(), dir: options.dir, nodes: options.nodes }));
        }
      } finally {
        if (!signal.received) {
          signal.dispose();
          await lab.stop();
          process.stderr.write('lab stopped\n');
        }
      }
    });
}
