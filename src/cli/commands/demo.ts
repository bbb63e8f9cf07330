// `kia demo`: the main job on the embedded default: start a mixed lab, hunt it, print the report, stop the lab.
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { KUBERNETES_VERSIONS, type KubernetesVersion } from '../../model/index.ts';
import { startLab } from '../../lab/index.ts';
import { emit, exitCodeFor, runHunt, type HuntFlags } from './hunt.ts';
import { RENDERERS, type OutputFormat } from '../../report/index.ts';
import { renderHealthTable } from '../../health/index.ts';
import { checkHealth } from '../../pipelines/health.ts';
import { planHealth } from './health.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start a lab with the mixed preset, hunt it as an outsider and with the lab\'s admin certificate, print the report and the health of every component, stop the lab')
    .option('--dir <dir>', 'lab folder', '.kia-lab')
    .option('--nodes <n>', 'nodes (5 shows every profile)', (v) => Number(v), 5)
    .addOption(new Option('--kubernetes-version <v>', 'Kubernetes version to emulate').choices([...KUBERNETES_VERSIONS]).default('1.36'))
    .addOption(new Option('-o, --output <format>', 'report format').choices(Object.keys(RENDERERS)).default('text'))
    .action(async (options: { dir: string; nodes: number; kubernetesVersion: KubernetesVersion; output: OutputFormat }) => {
      const lab = await startLab({ dir: resolve(options.dir), nodes: options.nodes, profile: 'mixed', kubernetesVersion: options.kubernetesVersion });
      process.stderr.write(`lab up: ${lab.plan.nodes.map((n) => `${n.name} ${n.ip} (${n.profile})`).join(', ')}\n`);
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
        }
      } finally {
        await lab.stop();
        process.stderr.write('lab stopped\n');
      }
    });
}
