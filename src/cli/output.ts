// How the CLI ends: one error path from any failure to one line on stderr and the CONVENTIONS exit code (0 done,
// 1 findings/degraded/a peer's unusable answer, 2 the user's own mistake, 3 nothing answered).
import { CommanderError } from 'commander';
import { KiaError } from '../errors.ts';

export const EXIT = { ok: 0, findings: 1, usage: 2, down: 3 } as const;

/** The exit code of a thrown error: the user's input is 2, no answer 3, anything else (a peer, a bug) 1. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (!(error instanceof KiaError)) return EXIT.findings;
  switch (error.code) {
    case 'KIA_USAGE':
    case 'KIA_INPUT':
    case 'KIA_CREDENTIAL':
      return EXIT.usage;
    case 'KIA_NETWORK':
    case 'KIA_TIMEOUT':
    case 'KIA_TLS':
      return EXIT.down;
    default:
      return EXIT.findings;
  }
}

/** One line on stderr (`kia: …`, never a stack trace) and the exit code. */
export function fail(message: string, code: number): void {
  process.stderr.write(`kia: ${message.split('\n')[0]}\n`);
  process.exitCode = code;
}

/** The one error path: whatever a command threw, as one line and its exit code. Commander already printed its own. */
export function failWith(error: unknown): number {
  const code = exitCodeFor(error);
  if (error instanceof CommanderError) process.exitCode = code;
  else fail(error instanceof Error ? error.message : String(error), code);
  return code;
}

/**
 * Ends the process once stdout has drained, with the exit code already set. Only for a deadline that passed: the
 * command printed what it had, and requests the library has not stopped yet must not hold the process open past it.
 * The one place kia exits by force.
 */
export function endAfterDeadline(): void {
  process.stdout.write('', () => process.exit(process.exitCode ?? 0));
}
