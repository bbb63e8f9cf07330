// The kia executable: argv in, exit code out. Only this folder touches the process.
import { Command } from 'commander';
import { registerCatalog } from './commands/catalog.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerLab } from './commands/lab.ts';
import { registerHunt } from './commands/hunt.ts';
import { registerDemo } from './commands/demo.ts';
import { registerMetrics } from './commands/metrics.ts';
import { registerComponents } from './commands/components.ts';
import { registerGet } from './commands/get.ts';
import { registerKubelet } from './commands/kubelet.ts';
import { registerHealth } from './commands/health.ts';
import { registerServe } from './commands/serve.ts';
import { DeadlineError } from './flags/time.ts';
import { endAfterDeadline, failWith } from './output.ts';

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
registerGet(program);
registerKubelet(program);
registerHealth(program);
registerServe(program);
registerCompletion(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  failWith(error);
  if (error instanceof DeadlineError) endAfterDeadline();
}
