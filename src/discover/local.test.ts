// Node-local discovery against real processes: the lab's components (one process each, named like the binaries,
// with kubeadm's flags and config files), a listener this test starts itself, and the /proc/net hex forms.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
// The lab stands in for a node here; the library itself never imports it (STYLE.md layering).
 
import { startLab, type Lab } from '../lab/index.ts';
import type { OpenPort } from '../model/index.ts';
import { decodeHexAddress, decodeIpv4Hex, decodeIpv6Hex, discoverLocal, parseProcNetTcp, type LocalDiscovery } from './local.ts';

function at(found: LocalDiscovery, bindAddress: string, port: number): OpenPort {
  const matches = found.ports.filter((p) => p.bindAddress === bindAddress && p.port === port);
  assert.equal(matches.length, 1, `one listening socket on ${bindAddress}:${port}`);
  return matches[0] as OpenPort;
}

describe('/proc/net hex addresses', () => {
  it('decodes IPv4 in little-endian byte order', () => {
    assert.equal(decodeIpv4Hex('0100007F'), '127.0.0.1');
    assert.equal(decodeIpv4Hex('00000000'), '0.0.0.0');
    assert.equal(decodeIpv4Hex('01017475'), '117.116.1.1');
    assert.equal(decodeIpv4Hex('0101747F'), '127.116.1.1');
    assert.throws(() => decodeIpv4Hex('0100007'), RangeError);
  });

  it('decodes IPv6 as four little-endian 32-bit words, compressed like RFC 5952', () => {
    assert.equal(decodeIpv6Hex('00000000000000000000000001000000'), '::1');
    assert.equal(decodeIpv6Hex('00000000000000000000000000000000'), '::');
    assert.equal(decodeIpv6Hex('000080FE000000000000000001000000'), 'fe80::1');
    assert.equal(decodeIpv6Hex('B80D01200000000000FF000029834200'), '2001:db8::ff00:42:8329');
    assert.equal(decodeIpv6Hex('B80D0120000000000000010001000000'), '2001:db8::1:0:0:1');
    assert.equal(decodeIpv6Hex('B80D0120010000000000000001000000'), '2001:db8:0:1::1');
  });

  it('shows IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(decodeIpv6Hex('0000000000000000FFFF00000100007F'), '127.0.0.1');
    assert.equal(decodeIpv6Hex('0000000000000000FFFF000000000000'), '0.0.0.0');
    assert.equal(decodeHexAddress('0000000000000000FFFF00000101747F'), '127.116.1.1');
    assert.equal(decodeHexAddress('0100007F'), '127.0.0.1');
  });

  it('keeps only LISTEN rows (state 0A) with a socket inode', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0101747F:280A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 630 1 000000007c5c7fc9 100 0 0 10 0',
      '   1: 0100007F:A444 0201497F:2809 01 00000000:00000000 03:0000052C 00000000     0        0 631 3 00000000469a1a42',
      '   2: 0100007F:094B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    assert.deepEqual(parseProcNetTcp(tcp, 4), [{ family: 4, address: '127.116.1.1', port: 10250, inode: '630' }]);
    const tcp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000001000000:8767 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 181631 1 00000000e81bb25d 100 0 0 10 0',
    ].join('\n');
    assert.deepEqual(parseProcNetTcp(tcp6, 6), [{ family: 6, address: '::1', port: 34663, inode: '181631' }]);
  });
});

describe('discoverLocal on a kubeadm lab (separate processes, 2 nodes, network 58)', () => {
  let lab: Lab | undefined;
  let dir: string;
  let found: LocalDiscovery;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-local-'));
    lab = await startLab({ dir, nodes: 2, network: 58 });
    found = await discoverLocal({});
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds the kubelet on 10250 with its config file, as kubeadm writes it', () => {
    const port = at(found, '127.116.1.1', 10250);
    assert.deepEqual(port.target, { host: 'localhost', address: '127.116.1.1', source: 'local' });
    assert.equal(port.address, '127.116.1.1');
    const kubelet = port.process;
    assert.ok(kubelet);
    assert.equal(kubelet.name, 'kubelet');
    assert.equal(kubelet.cmdline[0], 'kubelet');
    assert.equal(kubelet.flags.config, path.join(dir, 'nodes/kia-control-plane/var/lib/kubelet/config.yaml'));
    assert.equal(kubelet.flags['hostname-override'], 'kia-control-plane');
    assert.equal(kubelet.configFile, path.join(dir, 'nodes/kia-control-plane/var/lib/kubelet/config.yaml'));
    assert.equal(kubelet.config?.['authentication.anonymous.enabled'], false);
    assert.equal(kubelet.config?.['authentication.webhook.enabled'], true);
    assert.equal(kubelet.config?.['authentication.x509.clientCAFile'], path.join(dir, 'nodes/kia-control-plane/etc/kubernetes/pki/ca.crt'));
    assert.equal(kubelet.config?.['authorization.mode'], 'Webhook');
    assert.equal(kubelet.config?.readOnlyPort, 0);
    assert.equal(kubelet.config?.address, '0.0.0.0');
    assert.equal(kubelet.config?.healthzBindAddress, '127.0.0.1');
    assert.equal(kubelet.config?.enableDebuggingHandlers, true);
    assert.equal(kubelet.config?.enableProfilingHandler, true);
    // The same process holds the node-local listener and the healthz port.
    assert.equal(at(found, '127.117.1.1', 10250).process?.pid, kubelet.pid);
    assert.equal(at(found, '127.117.1.1', 10248).process?.pid, kubelet.pid);
  });

  it('gives the workers\' kubelet its own process and config', () => {
    const worker = at(found, '127.116.1.2', 10250).process;
    assert.ok(worker);
    assert.equal(worker.name, 'kubelet');
    assert.notEqual(worker.pid, at(found, '127.116.1.1', 10250).process?.pid);
    assert.equal(worker.configFile, path.join(dir, 'nodes/kia-worker-1/var/lib/kubelet/config.yaml'));
    assert.equal(worker.config?.['authorization.mode'], 'Webhook');
  });

  it('recognises kube-controller-manager under its 15-character kernel name', () => {
    const kcm = at(found, '127.117.1.1', 10257).process;
    assert.ok(kcm);
    assert.equal(kcm.name, 'kube-controller');
    assert.equal(kcm.cmdline[0], 'kube-controller-manager');
    assert.equal(kcm.flags['bind-address'], '127.117.1.1');
    assert.equal(kcm.flags['leader-elect'], 'true');
    assert.equal(kcm.config?.['bind-address'], '127.117.1.1');
    assert.equal(kcm.configFile, undefined);
    const scheduler = at(found, '127.117.1.1', 10259).process;
    assert.equal(scheduler?.name, 'kube-scheduler');
    assert.equal(scheduler?.flags['bind-address'], '127.117.1.1');
  });

  it('reads etcd\'s TLS settings from its flags, on every etcd port', () => {
    const etcd = at(found, '127.116.1.1', 2379).process;
    assert.ok(etcd);
    assert.equal(etcd.name, 'etcd');
    assert.equal(etcd.flags['client-cert-auth'], 'true');
    assert.equal(etcd.flags['peer-client-cert-auth'], 'true');
    assert.equal(etcd.config?.['client-cert-auth'], 'true');
    assert.equal(etcd.config?.['trusted-ca-file'], path.join(dir, 'nodes/kia-control-plane/etc/kubernetes/pki/etcd/ca.crt'));
    assert.equal(etcd.config?.['listen-client-urls'], 'https://127.117.1.1:2379,https://127.116.1.1:2379');
    assert.equal(etcd.config?.['listen-metrics-urls'], 'http://127.117.1.1:2381');
    assert.equal(etcd.config?.['enable-pprof'], undefined);
    for (const [address, port] of [['127.117.1.1', 2379], ['127.116.1.1', 2380], ['127.117.1.1', 2381]] as const) {
      assert.equal(at(found, address, port).process?.pid, etcd.pid, `${address}:${port}`);
    }
  });

  it('reads kube-proxy\'s KubeProxyConfiguration', () => {
    const proxy = at(found, '127.117.1.1', 10249).process;
    assert.ok(proxy);
    assert.equal(proxy.name, 'kube-proxy');
    assert.equal(proxy.configFile, path.join(dir, 'nodes/kia-control-plane/var/lib/kube-proxy/config.conf'));
    assert.equal(proxy.config?.metricsBindAddress, '127.0.0.1:10249');
    assert.equal(proxy.config?.healthzBindAddress, '0.0.0.0:10256');
    assert.equal(proxy.config?.enableProfiling, false);
    assert.equal(proxy.config?.bindAddress, '0.0.0.0');
    assert.equal(at(found, '127.116.1.1', 10256).process?.pid, proxy.pid);
  });

  it('finds the apiserver with its authorization mode, and every lab socket on the node IP', () => {
    const apiserver = at(found, '127.116.1.1', 6443).process;
    assert.equal(apiserver?.name, 'kube-apiserver');
    assert.equal(apiserver?.flags['authorization-mode'], 'Node,RBAC');
    assert.equal(apiserver?.config?.['authorization-mode'], 'Node,RBAC');
    const onNodeIp = found.ports.filter((p) => p.bindAddress === '127.116.1.1').map((p) => `${p.port} ${p.process?.name}`);
    assert.deepEqual(onNodeIp, ['2379 etcd', '2380 etcd', '6443 kube-apiserver', '10250 kubelet', '10256 kube-proxy']);
  });
});

describe('discoverLocal on an insecure lab (1 node, network 59)', () => {
  let lab: Lab | undefined;
  let dir: string;
  let found: LocalDiscovery;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-local-insecure-'));
    lab = await startLab({ dir, nodes: 1, network: 59, profile: 'insecure' });
    found = await discoverLocal({});
  });
  after(async () => {
    await lab?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the kubelet letting anyone in, and its read-only port', () => {
    const kubelet = at(found, '127.118.1.1', 10250).process;
    assert.ok(kubelet);
    assert.equal(kubelet.name, 'kubelet');
    assert.equal(kubelet.config?.['authentication.anonymous.enabled'], true);
    assert.equal(kubelet.config?.['authorization.mode'], 'AlwaysAllow');
    assert.equal(kubelet.config?.readOnlyPort, 10255);
    assert.equal(kubelet.config?.healthzBindAddress, '0.0.0.0');
    assert.equal(at(found, '127.118.1.1', 10255).process?.pid, kubelet.pid);
  });

  it('shows etcd without client certificates and kube-proxy with profiling', () => {
    const etcd = at(found, '127.118.1.1', 2379).process;
    assert.equal(etcd?.name, 'etcd');
    assert.equal(etcd?.config?.['client-cert-auth'], undefined);
    assert.equal(etcd?.flags['client-cert-auth'], undefined);
    const proxy = found.ports.find((p) => p.port === 10249 && p.bindAddress?.startsWith('127.11'))?.process;
    assert.equal(proxy?.name, 'kube-proxy');
    assert.equal(proxy?.config?.metricsBindAddress, '0.0.0.0:10249');
    assert.equal(proxy?.config?.enableProfiling, true);
  });
});

// Four listeners: IPv4 loopback, IPv6 loopback, the dual-stack wildcard, and an IPv4-mapped IPv6 bind.
const SERVER = `const http = require('node:http');
const listen = (host) => new Promise((done) => { const s = http.createServer().listen(0, host, () => done(s.address().port)); });
Promise.all(['127.0.0.1', '::1', '::', '::ffff:127.0.0.1'].map(listen)).then(([v4, v6, any, mapped]) => console.log(JSON.stringify({ v4, v6, any, mapped })));`;

describe('discoverLocal on a process this test starts', () => {
  let child: ChildProcess;
  let ports: { v4: number; v6: number; any: number; mapped: number };
  before(async () => {
    child = spawn(process.execPath, ['-e', SERVER, '--', '--fake-flag=x'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
    ports = JSON.parse(line) as typeof ports;
  });
  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('maps each socket to the child\'s pid, name, command line and flags', async () => {
    const found = await discoverLocal({});
    const v4 = at(found, '127.0.0.1', ports.v4);
    assert.deepEqual(v4.target, { host: 'localhost', address: '127.0.0.1', source: 'local' });
    const owner = v4.process;
    assert.ok(owner);
    assert.equal(owner.pid, child.pid);
    assert.equal(owner.name, 'node');
    assert.deepEqual(owner.cmdline, [process.execPath, '-e', SERVER, '--', '--fake-flag=x']);
    assert.equal(owner.flags['fake-flag'], 'x');
    assert.equal(owner.config, undefined);
    assert.equal(owner.configFile, undefined);
  });

  it('reads tcp6: ::1, the :: wildcard dialled on 127.0.0.1, and a v4-mapped bind shown as IPv4', async () => {
    const found = await discoverLocal({});
    const v6 = at(found, '::1', ports.v6);
    assert.equal(v6.address, '::1');
    assert.equal(v6.process?.pid, child.pid);
    const any = at(found, '::', ports.any);
    assert.equal(any.address, '127.0.0.1');
    assert.equal(any.process?.pid, child.pid);
    const mapped = at(found, '127.0.0.1', ports.mapped);
    assert.equal(mapped.process?.pid, child.pid);
  });
});
