// The output flag set: `-o/--output <format>`, `--output-file <path>`, `--no-color`; and the one place that decides
// colour and writes a command's result (to the file, or to stdout).
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { Option, type Command } from 'commander';
import { InputError } from '../../errors.ts';
import { escapeControl } from '../../redact.ts';

export interface FormatFlags {
  output: string;
  outputFile?: string;
  /** false with --no-color. */
  color?: boolean;
}

export interface FormatSetOptions {
  formats: readonly string[];
  default: string;
  /** Add --output-file. */
  file?: boolean;
  /** Add --no-color. */
  color?: boolean;
  /** Wording of -o for this command. */
  description?: string;
}

export function addFormatFlags(command: Command, options: FormatSetOptions): Command {
  command.addOption(new Option('-o, --output <format>', options.description ?? 'output format').choices([...options.formats]).default(options.default));
  if (options.file) command.option('--output-file <path>', 'write the result to a file instead of stdout');
  if (options.color) command.option('--no-color', 'no colours (also NO_COLOR, or when stdout is not a terminal)');
  return command;
}

/** Colour only on a terminal, and never with --no-color or NO_COLOR. */
export function colorOn(flags: Pick<FormatFlags, 'color' | 'outputFile'>): boolean {
  return flags.color !== false && !flags.outputFile && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/**
 * What a peer sent, as it may reach stdout: the bytes themselves for a pipe or a file, and on a terminal its control
 * characters shown as `\xNN` (an escape sequence from a peer must not retitle, clear or recolour the user's terminal).
 * Newlines and tabs stay. `raw` (`-o raw`): the bytes as sent, on a terminal too. Feed a stream chunk by chunk; multi-byte characters split across chunks are kept whole.
 */
export function peerText(options: { raw?: boolean } = {}): (chunk: string | Buffer) => string | Buffer {
  if (options.raw || process.stdout.isTTY !== true) return (chunk) => chunk;
  const decoder = new StringDecoder('utf8');
  return (chunk) => escapeControl(typeof chunk === 'string' ? chunk : decoder.write(chunk));
}

/**
 * Writes a result to --output-file, or to stdout with a final newline when it is text. `fromPeer`: the text is what a
 * peer sent (escaped on a terminal, see peerText); rendered reports escape peer strings themselves and keep colours.
 */
export function writeResult(data: string | Buffer, flags: Pick<FormatFlags, 'outputFile'> = {}, options: { fromPeer?: boolean } = {}): void {
  if (flags.outputFile) {
    try {
      writeFileSync(flags.outputFile, data);
    } catch (error) {
      throw new InputError(`cannot write --output-file ${flags.outputFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return;
  }
  if (data.length === 0) return;
  process.stdout.write(options.fromPeer ? peerText()(data) : data);
  const last = typeof data === 'string' ? data.endsWith('\n') : data.at(-1) === 10;
  if (!last) process.stdout.write('\n');
}

/** writeResult for a result too large to hold as one string: its pieces written as they come (stdout: Linux writes files and pipes synchronously). */
export function writeResultPieces(pieces: Iterable<string>, flags: Pick<FormatFlags, 'outputFile'> = {}): void {
  if (!flags.outputFile) {
    for (const piece of pieces) process.stdout.write(piece);
    return;
  }
  let fd: number | undefined;
  try {
    fd = openSync(flags.outputFile, 'w');
    for (const piece of pieces) writeSync(fd, piece);
  } catch (error) {
    throw new InputError(`cannot write --output-file ${flags.outputFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
