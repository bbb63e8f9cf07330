// The kia executable: argv in, exit code out. Only this folder touches the process.
import { Command } from 'commander';
import { setFlagsFromString } from 'node:v8';
import { DeadlineError } from './flags/time.ts';
import { endAfterDeadline, failWith } from './output.ts';
import { capYoungGeneration } from './young-generation.ts';

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

type Register = (program: Command) => void;

/** Every command, in help order, each module loaded only here. */
async function allCommands(): Promise<Register[]> {
  const m = await Promise.all([
    import('./commands/catalog.ts'),
    import('./commands/lab.ts'),
    import('./commands/hunt.ts'),
    import('./commands/demo.ts'),
    import('./commands/metrics.ts'),
    import('./commands/components.ts'),
    import('./commands/get.ts'),
    import('./commands/kubelet.ts'),
    import('./commands/health.ts'),
    import('./commands/serve.ts'),
    import('./commands/agent.ts'),
    import('./commands/report.ts'),
    import('./commands/completion.ts'),
  ]);
  return [m[0].registerCatalog, m[1].registerLab, m[2].registerHunt, m[3].registerDemo, m[4].registerMetrics, m[5].registerComponents, m[6].registerGet, m[7].registerKubelet, m[8].registerHealth, m[9].registerServe, m[10].registerAgent, m[11].registerReport, m[12].registerCompletion];
}

/** The long-running commands load their own command and nothing else: their memory counts for as long as they run. */
async function ownCommand(name: string | undefined): Promise<Register[] | undefined> {
  // `kia agent` runs on every node (64 MB in all, issue 12).
  if (name === 'agent') return [(await import('./commands/agent.ts')).registerAgent];
  // `kia serve` runs until stopped (RSS under 100 MB, issue 9): the other commands' modules are about 16 MB of it.
  if (name === 'serve') {
    // Garbage collected by the thread that allocated: V8's helper threads (parallel scavenges, concurrent marking and
    // sweeping) cost a fifth of a probe cycle's CPU, for shorter pauses: those of a 2 MB young generation are a few ms.
    // Set before the first marking starts: a marking begun under the other setting aborts the process.
    setFlagsFromString('--no-parallel-scavenge --no-concurrent-sweeping --no-parallel-compaction --no-parallel-pointer-update');
    // The probe engine shares this heap (no worker): a cycle's reports die at the next cycle, so the old generation
    // grows 25 % past what the last full collection kept (V8's own factor lets it reach 60 MB for 20 MB alive), and the
    // young one stops at 2 MB semi-spaces (V8's 16 MB ones are 30 MB more RSS; 4 MB ones 5 MB more, for no CPU saved
    // that the bench could tell apart).
    setFlagsFromString('--heap-growing-percent=25');
    capYoungGeneration(2);
    return [(await import('./commands/serve.ts')).registerServe];
  }
  return undefined;
}

const registers = (await ownCommand(process.argv[2])) ?? (await allCommands());
for (const register of registers) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  failWith(error);
  if (error instanceof DeadlineError) endAfterDeadline();
}
