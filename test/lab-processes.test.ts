// The lab as separate processes: names and command lines like the real binaries', config files like kubeadm's,
// every socket owned by the right process (read from /proc like the hunting guide does), nothing left on stop.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { startLab, type Lab } from '../src/lab/index.ts';

const NETWORK = 50; // node IPs 127.100.x.y, node-local 127.101.x.y

interface Listening {
  address: string;
  port: number;
  inode: string;
}

/** LISTEN sockets from /proc/net/tcp (state 0A), little-endian hex addresses. */
function listening(): Listening[] {
  const rows = fs.readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1);
  return rows
    .map((row) => row.trim().split(/\s+/))
    .filter((cols) => cols[3] === '0A')
    .map((cols) => {
      const [hexAddr = '', hexPort = ''] = (cols[1] ?? '').split(':');
      const bytes = hexAddr.match(/../g)?.map((b) => parseInt(b, 16)).reverse() ?? [];
      return { address: bytes.join('.'), port: parseInt(hexPort, 16), inode: cols[9] ?? '' };
    });
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // fd closed meanwhile
    }
  }
  return inodes;
}

describe('lab processes (kubeadm profile, 1.36, 2 nodes)', () => {
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-proc-'));
    lab = await startLab({ dir, nodes: 2, network: NETWORK });
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the address plan with the literal node addresses', () => {
    const plan = JSON.parse(fs.readFileSync(path.join(dir, 'lab.json'), 'utf8'));
    assert.equal(plan.state, 'ready');
    assert.deepEqual(plan.nodes.map((n: { name: string; ip: string; localIp: string }) => [n.name, n.ip, n.localIp]), [
      ['kia-control-plane', '127.100.1.1', '127.101.1.1'],
      ['kia-worker-1', '127.100.1.2', '127.101.1.2'],
    ]);
  });

  it('runs each control-plane component as its own process, named like the real binary', () => {
    const names = lab.plan.processes.map((p) => p.name);
    assert.deepEqual(names, ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'kubelet', 'kube-proxy']);
    for (const proc of lab.plan.processes) {
      // The kernel keeps 15 characters of a process name.
      assert.equal(fs.readFileSync(`/proc/${proc.pid}/comm`, 'utf8').trim(), proc.name.slice(0, 15));
      const argv = fs.readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
      assert.equal(argv[0], proc.name);
    }
  });

  it('carries kubeadm-style flags pointing at real config files', () => {
    const kubelet = lab.plan.processes.find((p) => p.name === 'kubelet' && p.nodes.includes('kia-control-plane'));
    assert.ok(kubelet);
    const argv = fs.readFileSync(`/proc/${kubelet.pid}/cmdline`, 'utf8').split('\0');
    const config = argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
    assert.equal(config, path.join(dir, 'nodes/kia-control-plane/var/lib/kubelet/config.yaml'));
    const kubeletConfig = parse(fs.readFileSync(config, 'utf8'));
    assert.equal(kubeletConfig.kind, 'KubeletConfiguration');
    assert.equal(kubeletConfig.authentication.anonymous.enabled, false);
    assert.equal(kubeletConfig.authorization.mode, 'Webhook');
    assert.equal(kubeletConfig.readOnlyPort, 0);
    assert.equal(kubeletConfig.healthzBindAddress, '127.0.0.1');
    const apiserver = lab.plan.processes.find((p) => p.name === 'kube-apiserver');
    assert.ok(apiserver);
    const flags = fs.readFileSync(`/proc/${apiserver.pid}/cmdline`, 'utf8').split('\0');
    assert.ok(flags.includes('--authorization-mode=Node,RBAC'));
    assert.ok(flags.includes(`--kubelet-client-certificate=${path.join(dir, 'nodes/kia-control-plane/etc/kubernetes/pki/apiserver-kubelet-client.crt')}`));
    const manifest = parse(fs.readFileSync(path.join(dir, 'nodes/kia-control-plane/etc/kubernetes/manifests/etcd.yaml'), 'utf8'));
    assert.ok(manifest.spec.containers[0].command.includes('--client-cert-auth=true'));
  });

  it('binds like kubeadm: loopback-only ports on the node-local address, the rest on the node IP', () => {
    const sockets = listening().filter((s) => s.address.startsWith('127.100.') || s.address.startsWith('127.101.'));
    const at = (address: string) => sockets.filter((s) => s.address === address).map((s) => s.port).sort((a, b) => a - b);
    assert.deepEqual(at('127.100.1.1'), [2379, 2380, 6443, 10250, 10256]);
    assert.deepEqual(at('127.101.1.1'), [2379, 2381, 6443, 10248, 10249, 10250, 10256, 10257, 10259]);
    assert.deepEqual(at('127.100.1.2'), [10250, 10256]);
    assert.deepEqual(at('127.101.1.2'), [10248, 10249, 10250, 10256]);
  });

  it('has every socket owned by the process of its component', () => {
    const sockets = listening();
    const expected: Record<number, string> = { 2379: 'etcd', 2380: 'etcd', 2381: 'etcd', 6443: 'kube-apiserver', 10257: 'kube-controller-manager', 10259: 'kube-scheduler', 10250: 'kubelet', 10248: 'kubelet', 10249: 'kube-proxy', 10256: 'kube-proxy' };
    for (const ip of ['127.100.1.1', '127.101.1.1', '127.100.1.2']) {
      for (const socket of sockets.filter((s) => s.address === ip)) {
        const owner = lab.plan.processes.find((p) => socketInodes(p.pid).has(socket.inode));
        assert.equal(owner?.name, expected[socket.port], `${ip}:${socket.port}`);
      }
    }
  });

  it('leaves nothing listening and no process behind when stopped', async () => {
    const pids = lab.plan.processes.map((p) => p.pid);
    await lab.stop();
    const left = listening().filter((s) => s.address.startsWith('127.100.') || s.address.startsWith('127.101.'));
    assert.deepEqual(left, []);
    for (const pid of pids) assert.equal(fs.existsSync(`/proc/${pid}`), false, `pid ${pid} still exists`);
  });
});
