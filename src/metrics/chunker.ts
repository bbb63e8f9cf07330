// Chunks cut anywhere (inside a line or a UTF-8 character) into whole texts for the line scanner: bytes are decoded
// only up to a chunk's last newline, the rest waits for its line's end, and a line past the length cap is skipped.
import { isAscii } from 'node:buffer';
import { codesOf, NO_BYTES, type Codes } from './text.ts';

export interface ChunkerOptions {
  /** Longest line kept waiting for its end (bytes, or characters of string input). */
  maxLine: number;
  /** A text of whole lines (the last one may lack its newline only at the end of the input). */
  text: (text: string, codes: Codes) => void;
  /** The start of a line that grew past maxLine before its end; the rest of it is skipped. */
  tooLong: (head: string) => void;
}

export class Chunker {
  readonly #options: ChunkerOptions;
  /** The bytes after the last newline, waiting for the rest of their line. */
  #tail: Buffer = NO_BYTES;
  /** The same for string input. */
  #rest = '';
  #skipping = false;

  constructor(options: ChunkerOptions) {
    this.#options = options;
  }

  push(chunk: Buffer | Uint8Array | string): void {
    if (typeof chunk === 'string') this.#pushText(chunk);
    else this.#pushBytes(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  /** The input's last line, when it has no newline. */
  end(): void {
    const tail = this.#tail;
    const rest = this.#rest;
    this.#tail = NO_BYTES;
    this.#rest = '';
    if (this.#skipping) return;
    if (tail.length > 0) this.#bytes(tail);
    else if (rest.length > 0) this.#options.text(rest, codesOf(rest));
  }

  #pushBytes(chunk: Buffer): void {
    if (this.#rest !== '') {
      chunk = Buffer.concat([Buffer.from(this.#rest), chunk]);
      this.#rest = '';
    }
    let from = 0;
    if (this.#skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) return;
      this.#skipping = false;
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= from) {
      // The line the waiting bytes begin is joined on its own: the rest of the chunk is read where it lies.
      if (this.#tail.length > 0) {
        const nl = chunk.indexOf(10, from);
        const line = Buffer.concat([this.#tail, chunk.subarray(from, nl + 1)]);
        this.#tail = NO_BYTES;
        this.#bytes(line);
        from = nl + 1;
      }
      if (last >= from) this.#bytes(chunk.subarray(from, last + 1));
      from = last + 1;
    }
    this.#keep(chunk.subarray(from));
  }

  /** Bytes without a newline wait, copied (the caller may reuse its buffer), unless they are already too long. */
  #keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const tail = this.#tail.length > 0 ? Buffer.concat([this.#tail, bytes]) : Buffer.from(bytes);
    if (tail.length <= this.#options.maxLine) {
      this.#tail = tail;
      return;
    }
    this.#tail = NO_BYTES;
    this.#skipping = true;
    this.#options.tooLong(tail.subarray(0, 200).toString('utf8'));
  }

  /** Whole lines of bytes as text: ASCII is copied as it is, and its bytes are the code units the scanner reads. */
  #bytes(bytes: Buffer): void {
    if (isAscii(bytes)) this.#options.text(bytes.toString('latin1'), bytes);
    else {
      const text = bytes.toString('utf8');
      this.#options.text(text, codesOf(text));
    }
  }

  #pushText(text: string): void {
    if (this.#tail.length > 0) {
      text = this.#tail.toString('utf8') + text;
      this.#tail = NO_BYTES;
    }
    if (this.#skipping) {
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      this.#skipping = false;
      text = text.slice(nl + 1);
    }
    const all = this.#rest === '' ? text : this.#rest + text;
    const nl = all.lastIndexOf('\n');
    if (nl >= 0) {
      const lines = all.slice(0, nl + 1);
      this.#options.text(lines, codesOf(lines));
    }
    const rest = all.slice(nl + 1);
    if (rest.length <= this.#options.maxLine) {
      this.#rest = rest;
      return;
    }
    this.#rest = '';
    this.#skipping = true;
    this.#options.tooLong(rest.slice(0, 200));
  }
}
