// The flag set of the one-request clients (`kia etcd|proxy|controller-manager|scheduler|apiserver …`, `kia get`):
// --endpoint, one credential, trust, --max-bytes and the time flags; and the call target they amount to.
import type { Command } from 'commander';
import type { CallTarget } from '../../clients/components.ts';
import { addCredentialFlags, readCredentials, type CredentialFlags } from './credentials.ts';
import { numberOption } from './numbers.ts';
import { addTimeFlags, ONE_REQUEST_DEADLINE, type Deadline, type TimeFlags } from './time.ts';

export interface ClientFlags extends CredentialFlags, TimeFlags {
  endpoint?: string;
  maxBytes?: number;
  output: string;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Adds --endpoint, the credential and trust flags, --timeout/--deadline and --max-bytes. */
export function addClientFlags(command: Command, options: { maxBytes: number }): Command {
  command.option('--endpoint <url>', 'the full origin, e.g. https://10.0.0.1:2379 (instead of a node address)');
  addCredentialFlags(command, {
    serverName: true,
    texts: {
      cacert: 'CA bundle to verify the server certificate with',
      insecureSkipTlsVerify: 'do not verify the server certificate',
      token: 'bearer token (never sent over plain HTTP)',
      kubeconfig: "use the kubeconfig user's credential (no value: $KUBECONFIG or ~/.kube/config)",
    },
  });
  addTimeFlags(command, { timeout: 10_000, deadline: ONE_REQUEST_DEADLINE });
  return command.addOption(numberOption('--max-bytes <n>', `largest answer accepted (default ${options.maxBytes})`, { kind: 'bytes', min: 1, max: 1 << 30 }));
}

/** One origin, asked as the first credential by precedence, verified as the trust flags say, within the deadline. */
export async function readCallTarget(origin: string, flags: ClientFlags, options: { maxBytes: number; deadline: Deadline }): Promise<CallTarget> {
  const credentials = await readCredentials(flags, { single: true, signal: options.deadline.signal });
  const [identity] = credentials.identities;
  return {
    origin,
    ...(identity ? { identity } : {}),
    trust: credentials.trust,
    timeoutMs: flags.timeout,
    maxBytes: flags.maxBytes ?? options.maxBytes,
    signal: options.deadline.signal,
  };
}
