// A small virtual container for /run (and later /exec): a pod's filesystem and a handful of commands.
// Nothing here ever runs on the host.

export interface ContainerInfo {
  podName: string;
  namespace: string;
  container: string;
  nodeName: string;
  hostNetwork: boolean;
  podIP: string;
  /** The main process's command line (PID 1). */
  command: string;
  /** Files the kubelet mounts: service-account token and CA (absent for static pods). */
  serviceAccount?: { token: () => string; caCrt: string };
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A runtime-level failure (the binary does not exist): the kubelet answers 500 with the runtime's error. */
export interface RunFailure {
  runtimeError: string;
}

type Node = { dir: Record<string, Node> } | { file: () => string };

function tree(info: ContainerInfo): Node {
  const f = (text: string): Node => ({ file: () => text });
  const dir = (entries: Record<string, Node>): Node => ({ dir: entries });
  const hostname = info.hostNetwork ? info.nodeName : info.podName;
  const sa: Record<string, Node> = info.serviceAccount
    ? { 'ca.crt': f(info.serviceAccount.caCrt), namespace: f(info.namespace), token: { file: info.serviceAccount.token } }
    : {};
  const empty = () => dir({});
  return dir({
    bin: dir({ sh: f(''), ls: f(''), cat: f(''), echo: f(''), id: f(''), ps: f(''), env: f(''), hostname: f(''), true: f(''), false: f('') }),
    dev: dir({ null: f(''), 'termination-log': f('') }),
    etc: dir({
      hostname: f(`${hostname}\n`),
      hosts: f(`127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${info.podIP}\t${hostname}\n`),
      'resolv.conf': f(info.hostNetwork ? 'nameserver 10.96.0.10\nsearch cluster.local\n' : `search ${info.namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`),
      passwd: f('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n'),
      group: f('root:x:0:\nnogroup:x:65534:\n'),
      'os-release': f('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'),
    }),
    home: empty(),
    lib: empty(),
    proc: dir({ '1': dir({ cmdline: f(info.command.split(' ').join('\0') + '\0') }) }),
    root: empty(),
    run: empty(),
    sbin: empty(),
    sys: empty(),
    tmp: empty(),
    usr: dir({ bin: empty(), local: dir({ bin: empty() }) }),
    var: dir({ log: empty(), run: dir({ secrets: dir({ 'kubernetes.io': dir({ serviceaccount: dir(sa) }) }) }) }),
  });
}

function lookup(root: Node, path: string, cwd = '/'): Node | undefined {
  const absolute = path.startsWith('/') ? path : `${cwd}/${path}`;
  let node: Node | undefined = root;
  for (const part of absolute.split('/').filter((p) => p !== '' && p !== '.')) {
    if (!node || !('dir' in node)) return undefined;
    node = node.dir[part];
  }
  return node;
}

function env(info: ContainerInfo): string[] {
  return [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `HOSTNAME=${info.hostNetwork ? info.nodeName : info.podName}`,
    'KUBERNETES_SERVICE_HOST=10.96.0.1',
    'KUBERNETES_SERVICE_PORT=443',
    'KUBERNETES_SERVICE_PORT_HTTPS=443',
    'KUBERNETES_PORT=tcp://10.96.0.1:443',
    'KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443',
    'KUBERNETES_PORT_443_TCP_PROTO=tcp',
    'KUBERNETES_PORT_443_TCP_PORT=443',
    'KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1',
    'HOME=/root',
  ];
}

const COMMANDS = new Set(['ls', 'cat', 'id', 'hostname', 'env', 'ps', 'echo', 'true', 'false', 'exit', 'sh', 'pwd']);

function basename(cmd: string): string {
  return cmd.split('/').pop() ?? cmd;
}

function runOne(argv: string[], info: ContainerInfo, root: Node): RunResult & { exit?: boolean } {
  const [cmd = '', ...args] = argv;
  const out = (stdout: string, exitCode = 0): RunResult => ({ stdout, stderr: '', exitCode });
  const err = (stderr: string, exitCode = 1): RunResult => ({ stdout: '', stderr, exitCode });
  switch (basename(cmd)) {
    case 'true':
      return out('');
    case 'false':
      return out('', 1);
    case 'exit':
      return { ...out('', Number.parseInt(args[0] ?? '0', 10) || 0), exit: true };
    case 'echo':
      return out(`${args.join(' ')}\n`);
    case 'pwd':
      return out('/\n');
    case 'id':
      return out('uid=0(root) gid=0(root) groups=0(root)\n');
    case 'hostname':
      return out(`${info.hostNetwork ? info.nodeName : info.podName}\n`);
    case 'env':
      return out(env(info).join('\n') + '\n');
    case 'ps':
      return out(`PID   USER     TIME  COMMAND\n    1 root      0:01 ${info.command}\n   42 root      0:00 ps ${args.join(' ')}`.trimEnd() + '\n');
    case 'cat': {
      let stdout = '';
      for (const path of args) {
        const node = lookup(root, path);
        if (!node) return { stdout, stderr: `cat: ${path}: No such file or directory\n`, exitCode: 1 };
        if ('dir' in node) return { stdout, stderr: `cat: ${path}: Is a directory\n`, exitCode: 1 };
        stdout += node.file();
      }
      return out(stdout);
    }
    case 'ls': {
      const flags = args.filter((a) => a.startsWith('-')).join('');
      const paths = args.filter((a) => !a.startsWith('-'));
      const all = flags.includes('a');
      const long = flags.includes('l');
      let stdout = '';
      for (const path of paths.length > 0 ? paths : ['.']) {
        const node = lookup(root, path === '.' ? '/' : path);
        if (!node) return { stdout, stderr: `ls: cannot access '${path}': No such file or directory\n`, exitCode: 2 };
        if (paths.length > 1) stdout += `${path}:\n`;
        const names = 'dir' in node ? Object.keys(node.dir).sort() : [path];
        const shown = all ? ['.', '..', ...names] : names;
        const entries = shown.map((name) => {
          if (!long) return name;
          const child = 'dir' in node ? node.dir[name] : node;
          const isDir = !child || 'dir' in child;
          const size = child && 'file' in child ? child.file().length : 4096;
          return `${isDir ? 'drwxr-xr-x' : '-rw-r--r--'}    1 root     root     ${String(size).padStart(8)} Nov 28 17:36 ${name}`;
        });
        stdout += (long ? `total ${entries.length * 4}\n` : '') + entries.join('\n') + (entries.length ? '\n' : '');
      }
      return out(stdout);
    }
    case 'sh': {
      if (args[0] !== '-c' || args[1] === undefined) return err('sh: interactive shells need a terminal (use exec -it)\n', 2);
      return shell(args.slice(1).join(' '), info, root);
    }
    default:
      return err(`sh: ${cmd}: not found\n`, 127);
  }
}

/** `sh -c`: `;`, `&&`, `||` between simple commands, single and double quotes. */
function shell(script: string, info: ContainerInfo, root: Node): RunResult & { exit?: boolean } {
  const tokens = script.match(/&&|\|\||;|'[^']*'|"[^"]*"|[^\s;&|]+/g) ?? [];
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  let argv: string[] = [];
  let skip = false;
  const flush = (): boolean => {
    if (argv.length > 0 && !skip) {
      const result = runOne(argv, info, root);
      stdout += result.stdout;
      stderr += result.stderr;
      exitCode = result.exitCode;
      if (result.exit) return true;
    }
    argv = [];
    return false;
  };
  for (const token of tokens) {
    if (token === ';' || token === '&&' || token === '||') {
      if (flush()) return { stdout, stderr, exitCode, exit: true };
      skip = token === '&&' ? exitCode !== 0 : token === '||' ? exitCode === 0 : false;
      continue;
    }
    argv.push(token.replace(/^'(.*)'$|^"(.*)"$/, '$1$2'));
  }
  const exit = flush();
  return { stdout, stderr, exitCode, ...(exit ? { exit: true } : {}) };
}

/**
 * One line an interactive `sh` read from stdin, run as `sh -c` would run it; `exit` marks the end of the shell.
 * (A real sh without a terminal prints no prompt and echoes nothing: the caller adds those only for a tty.)
 */
export function runShellLine(line: string, info: ContainerInfo): RunResult & { exit?: boolean } {
  if (line.trim() === '') return { stdout: '', stderr: '', exitCode: 0 };
  return shell(line, info, tree(info));
}

/** Whether argv starts an interactive shell (`sh`, `sh -i`, `/bin/sh -`) rather than a command. */
export function isInteractiveShell(argv: readonly string[]): boolean {
  return basename(argv[0] ?? '') === 'sh' && argv.slice(1).every((a) => a === '-i' || a === '-' || a === '-s');
}

/** Runs argv in the container as the runtime's ExecSync would. */
export function runInContainer(argv: readonly string[], info: ContainerInfo): RunResult | RunFailure {
  const root = tree(info);
  const cmd = argv[0] ?? '';
  if (!COMMANDS.has(basename(cmd)) || (cmd.includes('/') && !lookup(root, cmd))) {
    return {
      runtimeError: `rpc error: code = Unknown desc = failed to exec in container: failed to start exec "${'0'.repeat(8)}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`,
    };
  }
  return runOne([...argv], info, root);
}
