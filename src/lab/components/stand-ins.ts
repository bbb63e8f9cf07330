// Builds and runs the stand-ins of some nodes and components: used in-process by startLab and by each lab process.
import type { ComponentId } from '../../model/index.ts';
import { ApiserverStandIn } from './apiserver/index.ts';
import { ControllerManagerStandIn, SchedulerStandIn } from './controller-manager-scheduler.ts';
import { EtcdStandIn } from './etcd.ts';
import { KubeProxyStandIn } from './kube-proxy.ts';
import { KubeletStandIn } from './kubelet/index.ts';
import type { StandIn, StandInContext } from './stand-in.ts';
import type { Clock, LabPlan } from '../types.ts';

const FACTORIES: Partial<Record<ComponentId, (ctx: StandInContext) => StandIn>> = {
  etcd: (ctx) => new EtcdStandIn(ctx),
  'kube-apiserver': (ctx) => new ApiserverStandIn(ctx),
  'kube-controller-manager': (ctx) => new ControllerManagerStandIn(ctx),
  'kube-scheduler': (ctx) => new SchedulerStandIn(ctx),
  kubelet: (ctx) => new KubeletStandIn(ctx),
  'kube-proxy': (ctx) => new KubeProxyStandIn(ctx),
};

export interface Selection {
  nodes: readonly string[];
  components: readonly ComponentId[];
}

export function buildStandIns(plan: LabPlan, selection: Selection, clock: Clock): StandIn[] {
  const standIns: StandIn[] = [];
  for (const node of plan.nodes) {
    if (!selection.nodes.includes(node.name)) continue;
    for (const component of selection.components) {
      const factory = FACTORIES[component];
      if (!factory) continue;
      if (!plan.endpoints.some((e) => e.node === node.name && e.component === component)) continue;
      standIns.push(factory({ plan, node, clock }));
    }
  }
  return standIns;
}

export async function startAll(standIns: readonly StandIn[]): Promise<void> {
  const results = await Promise.allSettled(standIns.map((s) => s.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll(standIns);
    throw failed.reason;
  }
}

export async function stopAll(standIns: readonly StandIn[]): Promise<void> {
  await Promise.allSettled(standIns.map((s) => s.stop()));
}
