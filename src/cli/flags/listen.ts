// Where a kia server listens and what it serves with (kia serve, kia agent): HOST:PORT, whether that is loopback,
// and the files it reads its token, certificate and key from.
import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '../../errors.ts';

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError(`--listen takes HOST:PORT (127.0.0.1:9470, [::1]:9470): ${text}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost';
}

export function readSecretFile(path: string, what: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (!text) throw new InputError(`${what} ${path} is empty`);
    return text;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
