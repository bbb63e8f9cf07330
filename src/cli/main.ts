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

// Every command's module, in help order, loaded only when its command runs (or when all are listed): `kia --version`
// or `kia get` need not load the lab's PKI, YAML and WebSocket libraries, half a second of every start.
const MODULES: readonly (readonly [names: readonly string[], load: () => Promise<Register>])[] = [
  [['catalog'], async () => (await import('./commands/catalog.ts')).registerCatalog],
  [['lab'], async () => (await import('./commands/lab.ts')).registerLab],
  [['hunt'], async () => (await import('./commands/hunt.ts')).registerHunt],
  [['demo'], async () => (await import('./commands/demo.ts')).registerDemo],
  [['metrics'], async () => (await import('./commands/metrics.ts')).registerMetrics],
  // The component groups (etcd, proxy, controller-manager, scheduler, apiserver) are that module's data.
  [[], async () => (await import('./commands/components.ts')).registerComponents],
  [['get'], async () => (await import('./commands/get.ts')).registerGet],
  [['kubelet'], async () => (await import('./commands/kubelet.ts')).registerKubelet],
  [['health'], async () => (await import('./commands/health.ts')).registerHealth],
  [['serve'], async () => (await import('./commands/serve.ts')).registerServe],
  [['agent'], async () => (await import('./commands/agent.ts')).registerAgent],
  [['report'], async () => (await import('./commands/report.ts')).registerReport],
  // Completion lists every command: it loads them all.
  [[], async () => (await import('./commands/completion.ts')).registerCompletion],
];

async function allCommands(): Promise<Register[]> {
  return Promise.all(MODULES.map(([, load]) => load()));
}

/** The module of the command named first on the command line; undefined when another (or none) is named. */
async function ownCommand(name: string | undefined): Promise<Register[] | undefined> {
  // The version needs no command; help lists them all.
  if (name === '--version' || name === '-V') return [];
  if (name === undefined || name.startsWith('-')) return undefined;
  // The long-running commands' memory counts for as long as they run: `kia serve` (RSS under 100 MB, issue 9) and
  // `kia agent` (64 MB on every node) load nothing else.
  if (name === 'serve') {
    // Garbage collected by the thread that allocated: V8's helper threads (parallel scavenges, concurrent marking and
    // sweeping) cost a fifth of a probe cycle's CPU, for shorter pauses: those of a 2 MB young generation are a few ms.
    // Set before the first marking starts: a marking begun under the other setting aborts the process.
    setFlagsFromString('--no-parallel-scavenge --no-concurrent-sweeping --no-parallel-compaction --no-parallel-pointer-update');
    // TurboFan compiles on V8's helper threads, and each keeps the high-water mark of its compilations' working memory
    // (glibc's per-thread arenas): 8 MB of a 100 MB budget with inlining, 1 to 3 MB without, for the same CPU per cycle
    // within the bench's noise. Read at each compilation, so it holds from here on.
    setFlagsFromString('--no-turbo-inlining');
    // The probe engine shares this heap (no worker): a cycle's reports die at the next cycle, so the old generation
    // grows 25 % past what the last full collection kept (V8's own factor lets it reach 60 MB for 20 MB alive), and the
    // young one stops at 2 MB semi-spaces (V8's 16 MB ones are 30 MB more RSS; 4 MB ones 5 MB more, for no CPU saved
    // that the bench could tell apart).
    setFlagsFromString('--heap-growing-percent=25');
    capYoungGeneration(2);
  }
  const own = MODULES.find(([names]) => names.includes(name));
  if (own) return [await own[1]()];
  const components = await import('./commands/components.ts');
  return components.COMPONENT_GROUPS.includes(name) ? [components.registerComponents] : undefined;
}

const registers = (await ownCommand(process.argv[2])) ?? (await allCommands());
for (const register of registers) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  failWith(error);
  if (error instanceof DeadlineError) endAfterDeadline();
}
