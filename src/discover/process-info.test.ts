// The /proc/<pid> readers with literal inputs, and discoverLocal over a fake /proc tree for the cases a live node
// rarely shows: a config file only visible under /proc/<pid>/root, ETCD_* variables, an etcd config file, containers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { flatten, recognizeComponent } from './component-config.ts';
import { discoverLocal } from './local.ts';
import { containerIdFromCgroup, etcdEnvironment, parseCmdline, parseFlags } from './process-info.ts';

const ID = '3f1c0a9e5b7d4c2a8e6f0b1d3c5a7e9f2b4d6c8a0e1f3b5d7c9a2e4f6b8d0c1a';

describe('process facts from /proc/<pid>', () => {
  it('splits cmdline on NULs, and a rewritten title on spaces', () => {
    assert.deepEqual(parseCmdline('kubelet\0--config=/var/lib/kubelet/config.yaml\0--v=2\0'), ['kubelet', '--config=/var/lib/kubelet/config.yaml', '--v=2']);
    assert.deepEqual(parseCmdline('nginx: master process /usr/sbin/nginx -g daemon off;\0'), ['nginx:', 'master', 'process', '/usr/sbin/nginx', '-g', 'daemon', 'off;']);
    assert.deepEqual(parseCmdline('etcd --name node1 --client-cert-auth\0\0\0'), ['etcd', '--name', 'node1', '--client-cert-auth']);
    assert.deepEqual(parseCmdline('/usr/bin/my daemon\0--x\0'), ['/usr/bin/my daemon', '--x']);
    assert.deepEqual(parseCmdline(''), []);
  });

  it('parses --flag=value, --flag value, bare --flag and Go single-dash flags', () => {
    const argv = ['etcd', '--name', 'node1', '--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.1:2379', '--enable-pprof', '-log-level', 'debug', '--', '--after=1', 'positional', '-v'];
    assert.deepEqual(parseFlags(argv), { name: 'node1', 'listen-client-urls': 'https://127.0.0.1:2379,https://10.0.0.1:2379', 'enable-pprof': 'true', 'log-level': 'debug', after: '1' });
    assert.deepEqual(parseFlags(['x', '--empty=', '--a=b=c', '--last', '--last=2']), { empty: '', a: 'b=c', last: '2' });
  });

  it('never gives a boolean flag the next argument, as pflag does', () => {
    assert.deepEqual(parseFlags(['kubelet', '--anonymous-auth', 'false', '--v', '2'], new Set(['anonymous-auth'])), { 'anonymous-auth': 'true', v: '2' });
  });

  it('finds container ids in containerd, docker, cri-o and cgroupfs paths', () => {
    assert.equal(containerIdFromCgroup(`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b.slice/cri-containerd-${ID}.scope\n`), ID);
    assert.equal(containerIdFromCgroup(`12:memory:/docker/${ID}\n0::/\n`), ID);
    assert.equal(containerIdFromCgroup(`0::/system.slice/docker-${ID}.scope\n`), ID);
    assert.equal(containerIdFromCgroup(`0::/kubepods.slice/kubepods-pod1.slice/crio-${ID}.scope\n`), ID);
    assert.equal(containerIdFromCgroup(`0::/kubepods.slice/kubepods-pod1.slice/crio-conmon-${ID}.scope\n`), undefined);
    assert.equal(containerIdFromCgroup(`11:cpu:/kubepods/besteffort/pod0a1b2c3d-0000-1111-2222-333344445555/${ID}\n`), ID);
    assert.equal(containerIdFromCgroup('0::/user.slice/user-1000.slice/session-2.scope\n'), undefined);
  });

  it('turns ETCD_* variables into flag names and leaves ETCDCTL_* alone', () => {
    assert.deepEqual(etcdEnvironment('PATH=/bin\0ETCD_CLIENT_CERT_AUTH=true\0ETCD_TRUSTED_CA_FILE=/pki/ca.crt\0ETCDCTL_API=3\0'), { 'client-cert-auth': 'true', 'trusted-ca-file': '/pki/ca.crt' });
  });

  it('recognises components by argv[0], by the 15-character comm, and in hyperkube form', () => {
    assert.equal(recognizeComponent({ name: 'kubelet', cmdline: ['/usr/bin/kubelet'] }), 'kubelet');
    assert.equal(recognizeComponent({ name: 'kube-controller', cmdline: [] }), 'kube-controller-manager');
    assert.equal(recognizeComponent({ name: 'cloud-controlle', cmdline: [] }), 'cloud-controller-manager');
    assert.equal(recognizeComponent({ name: 'hyperkube', cmdline: ['/hyperkube', 'kube-proxy', '--v=2'] }), 'kube-proxy');
    assert.equal(recognizeComponent({ name: 'etcdctl', cmdline: ['etcdctl', 'get'] }), undefined);
    assert.equal(recognizeComponent({ name: 'node', cmdline: ['node', 'kubelet.js'] }), undefined);
  });

  it('flattens nested config to dotted keys, arrays kept', () => {
    assert.deepEqual(flatten({ authentication: { anonymous: { enabled: false }, x509: {} }, clusterDNS: ['10.96.0.10'], port: 10250 }), {
      'authentication.anonymous.enabled': false,
      clusterDNS: ['10.96.0.10'],
      port: 10250,
    });
  });

  it('stops walking a YAML alias bomb: ten anchors of ten would be 10^10 keys', () => {
    const lines = ['a0: &a0 {x: 1, y: 2}'];
    for (let i = 1; i <= 10; i++) lines.push(`a${i}: &a${i} {${Array.from({ length: 10 }, (_, k) => `k${k}: *a${i - 1}`).join(', ')}}`);
    const flat = flatten(load(lines.join('\n'), { schema: CORE_SCHEMA }));
    assert.equal(Object.keys(flat).length, 10_000);
    assert.equal(flat['a0.x'], 1);
  });
});

/** A fake /proc: net tables, and per pid comm, cmdline, cgroup, environ, fd links and a root/ filesystem. */
function fakeProc(root: string): void {
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const row = (n: number, local: string, inode: number) => `   ${n}: ${local} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;
  write('net/tcp', header + row(0, '00000000:280A', 4242) + row(1, '0100007F:094B', 4343) + row(2, '0100007F:0929', 4444) + row(3, '0100007F:1F90', 4545) + row(4, '0100007F:094C', 4646));
  const link = (pid: number, fd: number, inode: number) => {
    fs.mkdirSync(path.join(root, `${pid}/fd`), { recursive: true });
    fs.symlinkSync(`socket:[${inode}]`, path.join(root, `${pid}/fd/${fd}`));
  };
  // A containerised kubelet: its config exists only inside its root filesystem; a flag overrides the file.
  write('100/comm', 'kubelet\n');
  write('100/cmdline', 'kubelet\0--config=/var/lib/kubelet/config.yaml\0--anonymous-auth=true\0');
  write('100/cgroup', `0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-${ID}.scope\n`);
  write('100/root/var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\nauthorization:\n  mode: Webhook\nreadOnlyPort: 0\n');
  link(100, 3, 4242);
  // etcd configured through its environment, one variable overridden by a flag.
  write('200/comm', 'etcd\n');
  write('200/cmdline', 'etcd\0--listen-client-urls=https://127.0.0.1:2379\0');
  write('200/environ', 'ETCD_CLIENT_CERT_AUTH=true\0ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379\0HOME=/root\0');
  link(200, 5, 4343);
  // An etcd with a config file, which makes etcd ignore the environment.
  write('300/comm', 'etcd\n');
  write('300/cmdline', 'etcd\0--config-file=/etc/etcd/etcd.yaml\0');
  write('300/environ', 'ETCD_ENABLE_PPROF=true\0');
  write('300/root/etc/etcd/etcd.yaml', 'listen-client-urls: https://127.0.0.1:2345\nclient-transport-security:\n  client-cert-auth: true\n  trusted-ca-file: /etc/etcd/ca.crt\nname: other\n');
  link(300, 7, 4646);
  // A process that exited between the fd walk and reading it: only fd links are left.
  link(400, 9, 4545);
}

describe('discoverLocal over a fake /proc', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-fakeproc-'));
    fakeProc(root);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads config as the process sees it, with flags and environment over the file', async () => {
    const found = await discoverLocal({ procRoot: root });
    const kubelet = found.ports.find((p) => p.port === 10250);
    assert.equal(kubelet?.bindAddress, '0.0.0.0');
    assert.equal(kubelet?.address, '127.0.0.1');
    assert.deepEqual(kubelet?.process, {
      pid: 100,
      name: 'kubelet',
      cmdline: ['kubelet', '--config=/var/lib/kubelet/config.yaml', '--anonymous-auth=true'],
      containerId: ID,
      flags: { config: '/var/lib/kubelet/config.yaml', 'anonymous-auth': 'true' },
      config: { kind: 'KubeletConfiguration', 'authentication.anonymous.enabled': true, 'authorization.mode': 'Webhook', readOnlyPort: 0 },
      configFile: '/var/lib/kubelet/config.yaml',
    });
    const etcd = found.ports.find((p) => p.port === 2379)?.process;
    assert.deepEqual(etcd?.config, { 'client-cert-auth': 'true', 'listen-client-urls': 'https://127.0.0.1:2379' });
    const filed = found.ports.find((p) => p.port === 2380)?.process;
    assert.deepEqual(filed?.config, { 'listen-client-urls': 'https://127.0.0.1:2345', 'client-cert-auth': true, 'trusted-ca-file': '/etc/etcd/ca.crt' });
    assert.equal(filed?.configFile, '/etc/etcd/etcd.yaml');
  });

  it('keeps sockets without a visible owner and says why in notes', async () => {
    const found = await discoverLocal({ procRoot: root });
    assert.deepEqual(found.ports.map((p) => [p.port, p.process?.pid]), [[2345, undefined], [2379, 200], [2380, 300], [8080, undefined], [10250, 100]]);
    assert.deepEqual(found.notes, [
      `${path.join(root, 'net/tcp6')} not found (IPv6 off?): IPv6 listeners not listed`,
      '1 socket with no owning process found (closing, or held from another PID namespace)',
    ]);
  });
});

describe('discoverLocal through a host root (a pod with the host mounted read-only)', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-hostroot-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    write('proc/net/tcp', `${header}   0: 00000000:280A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n`);
    write('proc/net/tcp6', header);
    // The kubelet's own root (/proc/100/root) is not there to read, as for a non-root pod without SYS_PTRACE.
    write('proc/100/comm', 'kubelet\n');
    write('proc/100/cmdline', 'kubelet\0--config=/var/lib/kubelet/config.yaml\0');
    write('proc/100/cgroup', '0::/system.slice/kubelet.service\n');
    fs.mkdirSync(path.join(root, 'proc/100/fd'), { recursive: true });
    fs.symlinkSync('socket:[4242]', path.join(root, 'proc/100/fd/3'));
    write('host/var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\nreadOnlyPort: 10255\n');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads a config file under the host root when the process root is not readable', async () => {
    const found = await discoverLocal({ procRoot: path.join(root, 'proc'), hostRoot: path.join(root, 'host') });
    assert.deepEqual(found.ports[0]?.process?.config, { kind: 'KubeletConfiguration', readOnlyPort: 10255 });
    assert.deepEqual(found.notes, []);
  });

  it('says so in the notes when the host root cannot be read, and still lists the sockets', async () => {
    const missing = path.join(root, 'no-such-host');
    const found = await discoverLocal({ procRoot: path.join(root, 'proc'), hostRoot: missing });
    assert.deepEqual(found.ports.map((p) => [p.port, p.process?.name]), [[10250, 'kubelet']]);
    assert.deepEqual(found.notes, [
      `host root ${missing} not readable (ENOENT): config files only where a process's own root is`,
      'kubelet (pid 100): config /var/lib/kubelet/config.yaml could not be read (ENOENT)',
    ]);
  });
});
