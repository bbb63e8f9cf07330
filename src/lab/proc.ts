// Entry point of one lab process (argv[0] is the component's name, the rest looks like its real flags).
// It serves the stand-ins it is told to, reports ready over IPC, applies faults the parent sends (answering each),
// and stops when told or when its parent goes away.
import { writeFileSync } from 'node:fs';
import type { ComponentId } from '../model/index.ts';
import { answerFault, type FaultRequest } from './supervisor/fault-router.ts';
import { buildStandIns, startAll, stopAll } from './components/stand-ins.ts';
import { readLabFile } from '../targets/lab-file.ts';

// What to serve comes in the environment, so the command line carries only the component's own flags.
const spec = JSON.parse(process.env.KIA_LAB_PROCESS ?? '{}') as Partial<Record<'lab' | 'process' | 'nodes' | 'components', string>>;
delete process.env.KIA_LAB_PROCESS;

function arg(name: 'lab' | 'process' | 'nodes' | 'components'): string {
  const value = spec[name];
  if (!value) throw new Error(`KIA_LAB_PROCESS has no ${name}`);
  return value;
}

async function main(): Promise<void> {
  const dir = arg('lab');
  const name = arg('process');
  try {
    // The kernel's process name, as `ss -p` and /proc/<pid>/comm show it.
    writeFileSync('/proc/self/comm', name.slice(0, 15));
  } catch {
    // Not Linux, or not allowed: the command line still carries the name.
  }
  const plan = readLabFile(dir);
  const standIns = buildStandIns(plan, { nodes: arg('nodes').split(','), components: arg('components').split(',') as ComponentId[] }, { now: () => Date.now() });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stopAll(standIns);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('disconnect', () => void stop());
  process.on('message', (message: FaultRequest) => {
    if (message?.type !== 'fault') return;
    void answerFault(standIns, message).then((reply) => process.send?.(reply));
  });
  try {
    await startAll(standIns);
    process.send?.({ type: 'ready' });
  } catch (error) {
    process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  // What went wrong goes to the parent, which says it in one line.
  process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
