// A node's /var/log as the kubelet's /logs/ serves it, and the container log lines behind /containerLogs.
// Lines are a pure function of time, so following a log needs no writer and no disk.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LabNode, LabPod } from '../types.ts';

/** One container log line every LINE_PERIOD_MS after the container started. */
export const LINE_PERIOD_MS = 1000;

export interface LogLine {
  time: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

function rfc3339Nano(ms: number, nanos = 0): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${String((ms % 1000) * 1_000_000 + nanos).padStart(9, '0')}Z`;
}
export { rfc3339Nano };

export function containerLine(pod: LabPod, container: string, n: number, start: number, periodMs = LINE_PERIOD_MS): LogLine {
  const time = start + n * periodMs;
  const stream = n % 10 === 9 ? 'stderr' : 'stdout';
  const text =
    container === 'kube-proxy'
      ? `I1128 ${new Date(time).toISOString().slice(11, 23)}000       1 proxier.go:${800 + (n % 40)}] "SyncProxyRules complete" elapsed="${(n % 7) + 3}.${n % 10}ms"`
      : container === 'coredns'
        ? `[INFO] 10.244.${n % 4}.${(n % 200) + 2}:${40000 + (n % 9000)} - ${n} "A IN kubernetes.default.svc.cluster.local. udp 54 false 512" NOERROR qr,aa,rd 106 0.000${(n % 90) + 10}s`
        : `${pod.name}/${container} line ${n}: ${stream === 'stderr' ? 'warning: slow upstream' : 'GET /healthz 200'}`;
  return { time, stream, text };
}

/** Every line the container has written up to `now`. */
export function linesUntil(pod: LabPod, container: string, start: number, now: number): LogLine[] {
  const count = Math.max(0, Math.floor((now - start) / LINE_PERIOD_MS) + 1);
  const first = Math.max(0, count - 5000);
  const lines: LogLine[] = [];
  for (let n = first; n < count; n++) lines.push(containerLine(pod, container, n, start));
  return lines;
}

/** The CRI log file format the kubelet reads: `<RFC3339Nano> <stream> F <text>`. */
export function criLine(line: LogLine): string {
  return `${rfc3339Nano(line.time)} ${line.stream} F ${line.text}\n`;
}

export function writeNodeLogs(node: LabNode, varLog: string, now: number): void {
  if (existsSync(join(varLog, 'syslog'))) return;
  mkdirSync(varLog, { recursive: true });
  const day = new Date(now).toUTCString().slice(8, 11);
  const stamp = (offset: number) => {
    const d = new Date(now - offset * 1000);
    return `${day} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
  };
  writeFileSync(
    join(varLog, 'syslog'),
    [
      `${stamp(300)} ${node.name} systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.`,
      `${stamp(290)} ${node.name} kubelet[812]: I1128 kubelet.go:2281] "Starting kubelet main sync loop"`,
      `${stamp(120)} ${node.name} containerd[540]: time="${new Date(now - 120_000).toISOString()}" level=info msg="StartContainer returns successfully"`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(varLog, 'auth.log'), `${stamp(600)} ${node.name} sshd[1022]: Accepted publickey for ops from 10.0.0.5 port 52314 ssh2: ED25519 SHA256:kia-lab\n`);
  writeFileSync(join(varLog, 'dpkg.log'), `${new Date(now - 86_400_000).toISOString().slice(0, 19).replace('T', ' ')} status installed kubelet:amd64 1.0\n`);
  for (const pod of node.pods) {
    for (const container of pod.containers) {
      const dir = join(varLog, 'pods', `${pod.namespace}_${pod.name}_${pod.uid}`, container);
      mkdirSync(dir, { recursive: true });
      const start = now - 60_000;
      writeFileSync(join(dir, '0.log'), linesUntil(pod, container, start, now).slice(-20).map(criLine).join(''));
    }
  }
  mkdirSync(join(varLog, 'containers'), { recursive: true });
}
