// How the CLI speaks: one-line errors on stderr, exit codes from CONVENTIONS.md.
import type { KiaError } from '../errors.ts';

export const EXIT = { ok: 0, findings: 1, usage: 2, down: 3 } as const;

export function exitCodeFor(error: KiaError): number {
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

export function fail(message: string, code: number): void {
  process.stderr.write(`kia: ${message.split('\n')[0]}\n`);
  process.exitCode = code;
}
