// How `kia lab` shows a lab, its faults and the running labs, as text.
import type { LabPlan, LabRecord } from '../../lab/index.ts';

/** The lab in a few lines; the hunting guide only while it runs. */
export function describePlan(plan: LabPlan, running: boolean): string {
  const state = running ? plan.state : 'stopped';
  const where = plan.portOffset === undefined ? `network ${plan.network}` : `127.0.0.1, port offset ${plan.portOffset}`;
  const lines = [`lab ${state} in ${plan.dir}: Kubernetes ${plan.kubernetesVersion}, etcd ${plan.etcdVersion}${plan.etcd === 'system' ? ' (Debian\'s real etcd)' : ' (stand-in)'}, ${where}`];
  for (const node of plan.nodes) {
    const endpoints = plan.endpoints.filter((e) => e.node === node.name).map((e) => `${e.component.replace('kube-', '')}:${e.number}${e.reach === 'node-local' ? '(local)' : ''}`);
    lines.push(`  ${node.name.padEnd(18)} ${node.ip.padEnd(13)} local ${node.localIp.padEnd(13)} ${node.profile.padEnd(18)} ${[...new Set(endpoints)].join(' ')}`);
  }
  const cp = plan.nodes[0];
  const proxy = cp?.pods.find((p) => p.name.startsWith('kube-proxy-'));
  const port = (component: string, name: string) => plan.endpoints.find((e) => e.node === cp?.name && e.component === component && e.port === name)?.number;
  if (running && cp && proxy) {
    lines.push('', 'Try the hunting guide (from the lab folder):', `  cd ${plan.dir}`);
    lines.push(`  curl -sk https://${cp.ip}:${port('kubelet', 'api')}/pods                      # 401 Unauthorized: anonymous auth is off`);
    lines.push(`  curl -sk --cert admin.crt --key admin.key https://${cp.ip}:${port('kubelet', 'api')}/pods | head -c 300`);
    lines.push(`  curl -sk -X POST --cert admin.crt --key admin.key 'https://${cp.ip}:${port('kubelet', 'api')}/run/kube-system/${proxy.name}/kube-proxy?cmd=ls'`);
    lines.push(`  curl -s http://${cp.localIp}:${port('etcd', 'metrics')}/health ; curl -sk https://${cp.localIp}:${port('kube-controller-manager', 'secure')}/healthz`);
  }
  return lines.join('\n') + '\n';
}

export function describeFaults(records: readonly { node: string; component: string; faults: readonly string[] }[]): string {
  return records.map((r) => `  ${r.node.padEnd(18)} ${r.component.padEnd(24)} ${r.faults.join(', ')}\n`).join('');
}

export function describeLabs(labs: readonly LabRecord[]): string {
  if (labs.length === 0) return 'no running labs\n';
  const rows = labs.map((l) => [l.dir, l.portOffset === undefined ? String(l.network ?? 0) : `offset ${l.portOffset}`, String(l.nodes), l.kubernetesVersion, String(l.pid)]);
  const header = ['FOLDER', 'NETWORK', 'NODES', 'VERSION', 'PID'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

