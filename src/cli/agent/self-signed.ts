// The agent's serving pair when none is given (the base manifests), issued in a short-lived child process: the
// X.509 library it needs would otherwise stay loaded for the agent's life, a fifth of its 64 MB (issue 12).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL(`./self-signed-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** A pair for the node's name and loopback, valid a year; the key travels only over the child's stdout pipe. */
export function selfSignedPair(nodeName: string): Promise<{ cert: string; key: string }> {
  return new Promise((resolve, reject) => {
    // The parent's loader flags (tsx when run from source) go along; the name goes as an argument, not a shell word.
    execFile(process.execPath, [...process.execArgv, CHILD, nodeName], { timeout: 30_000, maxBuffer: 1 << 16, encoding: 'utf8' }, (error, stdout) => {
      if (error) return reject(new Error(`cannot issue the agent's self-signed certificate: ${error.message.split('\n')[0]}`));
      try {
        const pair = JSON.parse(stdout) as { cert?: unknown; key?: unknown };
        if (typeof pair.cert === 'string' && typeof pair.key === 'string') return resolve({ cert: pair.cert, key: pair.key });
      } catch {
        // Reported below.
      }
      reject(new Error("cannot issue the agent's self-signed certificate: the issuing process wrote no pair"));
    });
  });
}
