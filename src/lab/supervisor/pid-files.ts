// `<dir>/run/`: who runs the lab in this folder. `supervisor.json` is the process that started it, created with
// O_EXCL so one folder holds one lab; `<process>.json` is each process it spawned. `kia lab down` stops them from
// here even when lab.json is gone or stale, and only when each pid still is the process recorded.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, LabError } from '../../errors.ts';
import { readLabFile, writeLabFile } from '../../targets/lab-file.ts';
import { isRunning, stampOf, stopRecorded, type ProcessStamp } from './process-identity.ts';

export const RUN_DIR = 'run';
const SUPERVISOR = 'supervisor.json';

export interface SupervisorRecord extends ProcessStamp {
  /** The lab registry's record of this lab, removed with it. */
  registry?: string;
}

export interface ProcessRecord extends ProcessStamp {
  name: string;
  nodes: string[];
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function runDir(dir: string): string {
  return join(dir, RUN_DIR);
}

/** The supervisor and the processes recorded in `<dir>/run/`, running or not. */
export function readRunRecords(dir: string): { supervisor?: SupervisorRecord; processes: ProcessRecord[] } {
  const run = runDir(dir);
  let names: string[];
  try {
    names = readdirSync(run).filter((n) => n.endsWith('.json'));
  } catch {
    return { processes: [] };
  }
  const supervisor = names.includes(SUPERVISOR) ? readJson<SupervisorRecord>(join(run, SUPERVISOR)) : undefined;
  const processes = names.filter((n) => n !== SUPERVISOR).flatMap((n) => readJson<ProcessRecord>(join(run, n)) ?? []);
  return { ...(supervisor ? { supervisor } : {}), processes };
}

/** The recorded processes that still run: the supervisor first. */
export function runningRecords(dir: string): ProcessStamp[] {
  const { supervisor, processes } = readRunRecords(dir);
  return [...(supervisor ? [supervisor] : []), ...processes].filter(isRunning);
}

/** Creates the supervisor record only if there is none (O_EXCL): false when one is there. */
function take(file: string, self: SupervisorRecord): boolean {
  try {
    writeFileSync(file, JSON.stringify(self), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new LabError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The process that runs the lab in the folder, while it runs. */
export function runningSupervisor(dir: string): SupervisorRecord | undefined {
  const { supervisor } = readRunRecords(dir);
  return supervisor && isRunning(supervisor) ? supervisor : undefined;
}

/** Throws when a lab runs in the folder: one line naming it and how to stop it. */
export function assertNoLab(dir: string): void {
  const supervisor = runningSupervisor(dir);
  if (supervisor) throw runningHere(dir, supervisor.pid);
}

function runningHere(dir: string, pid: number): InputError {
  return new InputError(`a lab is already running in ${dir} (pid ${pid}): stop it with kia lab down --dir ${dir}`);
}

/** The claim of a folder by the process that runs its lab. */
export interface DirClaim {
  /** Records where this lab's registry record is, so `kia lab down` removes it too. */
  noteRegistry(path: string): void;
  /** Forgets the folder's processes and gives the folder up. */
  release(): void;
}

/**
 * Takes the folder for a lab run by this process. A lab already running there: InputError naming the folder and how
 * to stop it. What a lab whose supervisor died left running is stopped first.
 */
export async function claimDir(dir: string): Promise<DirClaim> {
  const run = runDir(dir);
  mkdirSync(run, { recursive: true });
  const file = join(run, SUPERVISOR);
  const self: SupervisorRecord = stampOf(process.pid) ?? { pid: process.pid };
  for (let attempt = 0; !take(file, self); attempt++) {
    const holder = readJson<SupervisorRecord>(file);
    if (holder && isRunning(holder)) throw runningHere(dir, holder.pid);
    // Empty for an instant while another lab writes it: give that lab a moment before calling the record stale.
    if (!holder && attempt < 5 && Date.now() - (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 1000) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (attempt >= 5) throw new LabError(`cannot take ${file}: another lab keeps taking it`);
    // A lab whose supervisor died: stop what it left running, then take the folder.
    await stopLab(dir);
  }
  const write = () => writeFileSync(file, JSON.stringify(self));
  return {
    noteRegistry(path) {
      self.registry = path;
      write();
    },
    release() {
      // The folder may be gone already (a test that removed it): then so are the records.
      const names = existsSync(run) ? readdirSync(run) : [];
      for (const name of names) if (name !== SUPERVISOR && name.endsWith('.json')) rmSync(join(run, name), { force: true });
      const holder = readJson<SupervisorRecord>(file);
      if (holder?.pid === self.pid && holder.startTime === self.startTime) rmSync(file, { force: true });
    },
  };
}

/** A supervisor marks its lab stopped in lab.json; one that was killed could not. */
function markStopped(dir: string): void {
  let plan;
  try {
    plan = readLabFile(dir);
  } catch {
    // No lab.json, or not one we can read: nothing to mark.
    return;
  }
  if (plan.state === 'stopped') return;
  const { supervisorPid: _pid, faults: _faults, ...rest } = plan;
  writeLabFile({ ...rest, state: 'stopped', processes: [] });
}

/** Records a process the lab spawned (replacing the record of the one it restarts). */
export function recordProcess(dir: string, record: Omit<ProcessRecord, 'startTime' | 'argv0'>): void {
  const stamp = stampOf(record.pid) ?? { pid: record.pid };
  writeFileSync(join(runDir(dir), `${record.name}-${record.nodes[0] ?? 'lab'}.json`), JSON.stringify({ ...record, ...stamp }));
}

/**
 * Stops the lab recorded in `<dir>/run/`: the supervisor first (it stops what it started), then any process left,
 * each only if it still is the process recorded; then removes the records and the registry entry and marks lab.json
 * stopped. Gives the number of processes that were running.
 */
export async function stopLab(dir: string): Promise<number> {
  const { supervisor, processes } = readRunRecords(dir);
  let stopped = 0;
  if (supervisor && (await stopRecorded(supervisor, 15_000))) stopped++;
  const left = await Promise.all(processes.map((p) => stopRecorded(p)));
  stopped += left.filter(Boolean).length;
  const run = runDir(dir);
  try {
    for (const name of readdirSync(run)) if (name.endsWith('.json')) rmSync(join(run, name), { force: true });
  } catch {
    // No run/ folder: nothing was recorded.
  }
  if (supervisor?.registry) {
    const record = readJson<ProcessStamp>(supervisor.registry);
    if (record && record.pid === supervisor.pid && !isRunning(record)) rmSync(supervisor.registry, { force: true });
  }
  markStopped(dir);
  return stopped;
}
