// The credentials flag set, declared once for every command: who kia is (--cert/--key, --token, --token-file, the
// --kubeconfig user) and how it trusts servers (--cacert, --insecure-skip-tls-verify, --tls-server-name), plus the
// component-specific --kubelet-ca and --etcd-cert/--etcd-key. Flags become library inputs here and nowhere else.
import type { Command } from 'commander';
import { loadKubeconfig, type KubeconfigAccess } from '../../clients/kube-api.ts';
import { certificatePair, readCaFile, tokenFileIdentity, tokenIdentity, type Identity } from '../../clients/identity.ts';
import type { Trust } from '../../clients/transport/trust.ts';
import { CredentialError } from '../../errors.ts';

/**
 * Credential precedence, the same for every command (kubeletctl's rule, written once):
 * 1. explicit flags: --cert/--key, then --token, then --token-file;
 * 2. then the --kubeconfig user (client certificate, token, or exec plugin).
 * Commands that probe (hunt, health, serve) ask as every one of them besides anonymous; commands that make one request
 * use the first. Client certificates are offered to every server; a bearer token goes only to a server that verified
 * (--cacert, or the system roots), unless --insecure-skip-tls-verify.
 */
export const CREDENTIAL_PRECEDENCE =
  'Credentials: --cert/--key, then --token, then --token-file, then the --kubeconfig user (first wins where one is used;\n' +
  'probing commands ask as each). Certificates are offered to every server; tokens go only to servers that verify\n' +
  '(--cacert or the system roots) unless --insecure-skip-tls-verify.';

export interface CredentialFlags {
  cert?: string;
  key?: string;
  token?: string;
  tokenFile?: string;
  /** `true`: the default chain ($KUBECONFIG, ~/.kube/config). */
  kubeconfig?: string | true;
  context?: string;
  cacert?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  kubeletCa?: string;
  etcdCert?: string;
  etcdKey?: string;
}

/** How a server's certificate is judged: the transport's one trust type. */
export type { Trust };

type FlagName = 'cert' | 'key' | 'token' | 'tokenFile' | 'kubeconfig' | 'context' | 'cacert' | 'insecureSkipTlsVerify' | 'tlsServerName' | 'kubeletCa' | 'etcdCert' | 'etcdKey';

export interface CredentialSetOptions {
  /** Add --tls-server-name (clients that dial one server). */
  serverName?: boolean;
  /** Add --kubelet-ca. */
  kubeletCa?: boolean;
  /** Add --etcd-cert/--etcd-key. */
  etcd?: boolean;
  /** Leave --token out (a token on the command line is visible to every user of the machine in ps). */
  noInlineToken?: boolean;
  /** Command-specific wording of a flag's help. */
  texts?: Partial<Record<FlagName, string>>;
}

const TEXTS: Record<FlagName, string> = {
  cert: 'client certificate (PEM)',
  key: 'key of --cert (PEM)',
  token: 'bearer token',
  tokenFile: 'file holding a bearer token',
  kubeconfig: "kubeconfig (no value: $KUBECONFIG or ~/.kube/config): its user is a credential, its cluster the API server",
  context: 'kubeconfig context',
  cacert: 'CA bundle (PEM) the servers are verified against',
  insecureSkipTlsVerify: 'do not verify servers: send tokens even to servers whose certificate does not verify',
  tlsServerName: "name the server's certificate must carry, when it differs from the address dialled",
  kubeletCa: "CA bundle for the kubelets' serving certificates (wins over --cacert)",
  etcdCert: "etcd client certificate (kubeadm's healthcheck-client) for etcd's client port",
  etcdKey: 'key of --etcd-cert',
};

/** Adds --kubeconfig and --context once, whichever flag set asks first. */
export function addKubeconfigFlags(command: Command, texts: CredentialSetOptions['texts'] = {}): Command {
  if (command.options.some((o) => o.long === '--kubeconfig')) return command;
  return command.option('--kubeconfig [path]', texts.kubeconfig ?? TEXTS.kubeconfig).option('--context <name>', texts.context ?? TEXTS.context);
}

/** Adds the credential and trust flags to a command. */
export function addCredentialFlags(command: Command, options: CredentialSetOptions = {}): Command {
  const text = (name: FlagName) => options.texts?.[name] ?? TEXTS[name];
  command.option('--cert <file>', text('cert')).option('--key <file>', text('key'));
  if (!options.noInlineToken) command.option('--token <token>', text('token'));
  command.option('--token-file <file>', text('tokenFile'));
  addKubeconfigFlags(command, options.texts);
  command.option('--cacert <file>', text('cacert'));
  if (options.kubeletCa) command.option('--kubelet-ca <file>', text('kubeletCa'));
  command.option('--insecure-skip-tls-verify', text('insecureSkipTlsVerify'));
  if (options.serverName) command.option('--tls-server-name <name>', text('tlsServerName'));
  if (options.etcd) command.option('--etcd-cert <file>', text('etcdCert')).option('--etcd-key <file>', text('etcdKey'));
  return command;
}

/** What the credential flags amount to, read once per command. */
export interface Credentials {
  /** From explicit flags, in precedence order. */
  explicit: Identity[];
  /** The kubeconfig (cluster and user), loaded once, when --kubeconfig was given. */
  kube?: KubeconfigAccess;
  /** Every identity, in precedence order: explicit flags, then the kubeconfig user. */
  identities: Identity[];
  /** --etcd-cert/--etcd-key. */
  etcd?: Identity;
  trust: Trust;
}

export interface ReadCredentialOptions {
  /** The command uses one credential: more than one explicit flag is a usage error. */
  single?: boolean;
  /** The command's deadline: an exec plugin still running then is killed. */
  signal?: AbortSignal;
}

/** A credential error that does not say which flag gave the value gets the flag in front. */
function named(flag: string, read: () => Identity): Identity {
  try {
    return read();
  } catch (error) {
    if (error instanceof CredentialError && !error.message.includes(flag)) throw new CredentialError(`${flag}: ${error.message}`, { cause: error });
    throw error;
  }
}

function explicitIdentities(flags: CredentialFlags): Identity[] {
  const identities: Identity[] = [];
  if (flags.cert || flags.key) {
    if (!flags.cert || !flags.key) throw new CredentialError('--cert and --key go together');
    identities.push(certificatePair({ certPath: flags.cert, keyPath: flags.key }));
  }
  if (flags.token !== undefined) identities.push(named('--token', () => tokenIdentity(flags.token ?? '')));
  if (flags.tokenFile) identities.push(named('--token-file', () => tokenFileIdentity(flags.tokenFile ?? '')));
  return identities;
}

/** Reads every credential file and the kubeconfig; a bad file is one CredentialError naming its flag. */
export async function readCredentials(flags: CredentialFlags, options: ReadCredentialOptions = {}): Promise<Credentials> {
  const explicit = explicitIdentities(flags);
  if (options.single && explicit.length > 1) throw new CredentialError('give one credential: --cert/--key, --token or --token-file');
  let etcd: Identity | undefined;
  if (flags.etcdCert || flags.etcdKey) {
    if (!flags.etcdCert || !flags.etcdKey) throw new CredentialError('--etcd-cert and --etcd-key go together');
    etcd = certificatePair({ certPath: flags.etcdCert, keyPath: flags.etcdKey, name: 'etcd-client', certFlag: '--etcd-cert', keyFlag: '--etcd-key' });
  }
  const ca = readCaFile(flags.cacert, '--cacert');
  const trust: Trust = { ...(ca ? { ca } : {}), insecureSkipVerify: flags.insecureSkipTlsVerify === true, ...(flags.tlsServerName ? { serverName: flags.tlsServerName } : {}) };
  const kube =
    flags.kubeconfig === undefined
      ? undefined
      : await loadKubeconfig({
          ...(flags.kubeconfig === true ? {} : { path: flags.kubeconfig }),
          ...(flags.context ? { context: flags.context } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
  const identities = [...explicit, ...(kube?.user ? [kube.user] : [])];
  return { explicit, identities, trust, ...(kube ? { kube } : {}), ...(etcd ? { etcd } : {}) };
}

/**
 * How a kubelet's serving certificate is verified when dialled directly: --kubelet-ca, else --cacert, else the
 * kubeconfig's cluster CA; for --tls-server-name, else the node's name when it is one.
 */
export function kubeletTrust(flags: CredentialFlags, credentials: Credentials): Trust {
  const ca = flags.kubeletCa ? readCaFile(flags.kubeletCa, '--kubelet-ca') : (credentials.trust.ca ?? credentials.kube?.ca);
  return { ...(ca ? { ca } : {}), insecureSkipVerify: credentials.trust.insecureSkipVerify, ...(credentials.trust.serverName ? { serverName: credentials.trust.serverName } : {}) };
}
