// The kia executable: argv in, exit code out. Only this folder touches the process.
import { Command, CommanderError } from 'commander';
import { KiaError } from '../errors.ts';
import { registerCatalog } from './commands/catalog.ts';
import { registerLab } from './commands/lab.ts';
import { registerHunt } from './commands/hunt.ts';
import { registerDemo } from './commands/demo.ts';
import { registerMetrics } from './commands/metrics.ts';
import { registerComponents } from './commands/components.ts';
import { registerKubelet } from './commands/kubelet.ts';
import { registerHealth } from './commands/health.ts';
import { registerServe } from './commands/serve.ts';
import { exitCodeFor, fail } from './output.ts';

// A reader that goes away (`kia … | head`) ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const program = new Command('kia')
  .description("kia: the toolkit for Kubernetes' internal APIs (etcd, kubelet, kube-proxy, controller-manager, scheduler)")
  .version('0.1.0')
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

registerCatalog(program);
registerLab(program);
registerHunt(program);
registerDemo(program);
registerMetrics(program);
registerComponents(program);
registerKubelet(program);
registerHealth(program);
registerServe(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every parse error is a usage error (commander already printed one line).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof KiaError) {
    fail(error.message, exitCodeFor(error));
  } else {
    fail(error instanceof Error ? error.message : String(error), 1);
  }
}
