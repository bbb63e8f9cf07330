// CIS 1.3.x (controller manager), 1.4.x (scheduler) and 4.3.1 (kube-proxy): their running configuration (/configz),
// their flags (/flagz from 1.33, else the node's command line).
import { isLoopback, setting } from './judge.ts';
import type { CisContext, CisItem, Verdict } from './types.ts';

const ALL = ['cis-1.10', 'cis-1.11', 'cis-1.12'] as const;
const configz = (name: string, port: number) => `a credential ${name} authorises for the path /configz on ${port} (system:masters, or a ClusterRole with nonResourceURLs /configz), or a hunt on the control-plane node (kia hunt --local) to read its command line`;
const flags = (name: string, port: number) => `a hunt on the control-plane node (kia hunt --local) to read ${name}'s command line, or from 1.33 a credential it authorises for /flagz on ${port}`;
const KCM = 'kube-controller-manager';
const SCHED = 'kube-scheduler';

const bindAddress = (id: string, component: typeof KCM | typeof SCHED, who: string, port: number): CisItem => ({
  id, title: `The ${who} listens on loopback only`, component, benchmarks: ALL, sources: ['flagz', 'cmdline'], needs: flags(component, port),
  remediation: `Set --bind-address=127.0.0.1 in the ${component} static-pod manifest.`,
  judge(ctx) {
    const fromFlags = setting(ctx, 'bind-address', isLoopback, (_v, pass) => (pass ? 'only the node reaches it' : 'other hosts reach it'));
    if (fromFlags) return fromFlags;
    return answeredFromNetwork(ctx, 'secure');
  },
});

/** Fail when the port answered a hunt from another host: it does not listen on loopback only. */
function answeredFromNetwork(ctx: CisContext, portName: string): Verdict | undefined {
  const exposed = ctx.endpoints.find((e) => e.fingerprint.port === portName && e.exposure === 'network');
  return exposed ? { status: 'fail', source: 'wire', detail: `${exposed.fingerprint.component} ${portName} port answered on ${exposed.address}:${exposed.port} from the network` } : undefined;
}

export const CONTROL_PLANE_ITEMS: readonly CisItem[] = [
  {
    id: '1.3.1', title: 'The controller manager garbage-collects terminated pods at a threshold', component: KCM, benchmarks: ALL, sources: ['configz', 'flagz', 'cmdline'], needs: configz(KCM, 10257),
    remediation: 'Set --terminated-pod-gc-threshold to a number that suits the cluster (for example 10).',
    judge: (ctx) => setting(ctx, 'terminated-pod-gc-threshold', (v) => typeof v === 'number' && v > 0),
  },
  {
    id: '1.3.2', title: 'The controller manager has profiling off', component: KCM, benchmarks: ALL, sources: ['configz', 'flagz', 'cmdline'], needs: configz(KCM, 10257),
    remediation: 'Set --profiling=false in the kube-controller-manager static-pod manifest.',
    judge: (ctx) => setting(ctx, 'profiling', (v) => v === false),
  },
  {
    id: '1.3.3', title: 'The controller manager runs each controller with its own service account', component: KCM, benchmarks: ALL, sources: ['configz', 'flagz', 'cmdline'], needs: configz(KCM, 10257),
    remediation: 'Set --use-service-account-credentials=true.',
    judge: (ctx) => setting(ctx, 'use-service-account-credentials', (v) => v === true),
  },
  {
    id: '1.3.4', title: 'The controller manager signs service-account tokens with a key of its own', component: KCM, benchmarks: ALL, sources: ['configz', 'flagz', 'cmdline'], needs: configz(KCM, 10257),
    remediation: 'Set --service-account-private-key-file to the service-account signing key.',
    judge: (ctx) => setting(ctx, 'service-account-private-key-file', (v) => typeof v === 'string' && v !== ''),
  },
  {
    id: '1.3.5', title: 'The controller manager hands the root CA to service accounts', component: KCM, benchmarks: ALL, sources: ['configz', 'flagz', 'cmdline'], needs: configz(KCM, 10257),
    remediation: 'Set --root-ca-file to the cluster CA bundle.',
    judge: (ctx) => setting(ctx, 'root-ca-file', (v) => typeof v === 'string' && v !== ''),
  },
  {
    id: '1.3.6', title: 'The controller manager leaves kubelet serving-certificate rotation on', component: KCM, benchmarks: ALL, sources: ['flagz', 'cmdline'], needs: flags(KCM, 10257),
    remediation: 'Remove RotateKubeletServerCertificate=false from --feature-gates in the kube-controller-manager static-pod manifest.',
    // Not set means the gate's default, on (beta since 1.12); only an explicit false turns it off.
    judge: (ctx) => setting(ctx, 'featureGates.RotateKubeletServerCertificate', (v) => v !== false, (v, pass) => (v === null ? 'not in --feature-gates: the gate\'s default, on' : pass ? 'on' : 'off: kubelets keep one serving certificate until it expires')),
  },
  bindAddress('1.3.7', KCM, 'controller manager', 10257),
  {
    id: '1.4.1', title: 'The scheduler has profiling off', component: SCHED, benchmarks: ALL, sources: ['configz', 'flagz', 'cmdline'], needs: configz(SCHED, 10259),
    remediation: 'Set --profiling=false in the kube-scheduler static-pod manifest.',
    judge: (ctx) => setting(ctx, 'profiling', (v) => v === false),
  },
  bindAddress('1.4.2', SCHED, 'scheduler', 10259),
  {
    id: '4.3.1', title: 'kube-proxy serves metrics on loopback only', component: 'kube-proxy', benchmarks: ALL, sources: ['configz', 'cmdline', 'file'],
    needs: 'an answer from kube-proxy /configz on 10249 (no credential needed where it answers), or a hunt on the node (kia hunt --local) to read its config file',
    remediation: 'In the KubeProxyConfiguration set metricsBindAddress: 127.0.0.1:10249 (--metrics-bind-address).',
    judge: (ctx) => setting(ctx, 'metricsBindAddress', isLoopback, (_v, pass) => (pass ? 'only the node reaches it' : 'other hosts reach it')) ?? answeredFromNetwork(ctx, 'metrics'),
  },
];
