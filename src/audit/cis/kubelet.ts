// CIS 4.2.x: the kubelet, judged from its running configuration (/configz), its serving port, and the node.
import type { EndpointObservation } from '../../model/index.ts';
import { durationMs } from '../effective-config.ts';
import { setting, strongSuites } from './judge.ts';
import type { CisContext, CisItem, Verdict } from './types.ts';

const ALL = ['cis-1.10', 'cis-1.11', 'cis-1.12'] as const;
const CONFIGZ = 'a credential the kubelet authorises for nodes/proxy (or nodes/configz from 1.33) to read /configz on 10250 (--cert/--key, --token or --kubeconfig), or a hunt on the node itself (kia hunt --local) to read its config file';
const CONFIG = 'In the KubeletConfiguration';

const api = (ctx: CisContext): EndpointObservation | undefined => ctx.endpoints.find((e) => e.fingerprint.port === 'api');
const pods = (ctx: CisContext, identity = 'anonymous') => api(ctx)?.routes.find((r) => r.path === '/pods' && r.identity === identity && r.status !== undefined);

export const KUBELET_ITEMS: readonly CisItem[] = [
  {
    id: '4.2.1', title: 'The kubelet refuses anonymous requests', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'wire', 'cmdline', 'file'],
    needs: `${CONFIGZ}; or an anonymous GET /pods on 10250`,
    remediation: `${CONFIG} set authentication.anonymous.enabled: false (--anonymous-auth=false).`,
    judge(ctx) {
      const fromConfig = setting(ctx, 'authentication.anonymous.enabled', (v) => v === false);
      if (fromConfig) return fromConfig;
      // On the wire: authentication answers 401 to a request without credentials; anything else reached the authorizer.
      const anonymous = pods(ctx);
      if (anonymous?.status === 401) return { status: 'pass', source: 'wire', detail: 'anonymous GET /pods on the kubelet answered 401: authentication refuses it' };
      if (anonymous?.status === 200 || (anonymous?.status === 403 && /system:anonymous/.test(anonymous.bodySample ?? ''))) return { status: 'fail', source: 'wire', detail: `anonymous GET /pods on the kubelet answered ${anonymous.status}: it was authenticated as system:anonymous` };
      return undefined;
    },
  },
  {
    id: '4.2.2', title: 'The kubelet authorises requests (not AlwaysAllow)', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'wire', 'cmdline', 'file'],
    needs: `${CONFIGZ}; or any identity the kubelet refuses with 403`,
    remediation: `${CONFIG} set authorization.mode: Webhook (--authorization-mode=Webhook).`,
    judge(ctx) {
      const fromConfig = setting(ctx, 'authorization.mode', (v) => v !== 'AlwaysAllow' && v !== '');
      if (fromConfig) return fromConfig;
      const refused = api(ctx)?.routes.find((r) => r.path === '/pods' && r.status === 403);
      return refused ? { status: 'pass', source: 'wire', detail: `GET /pods as ${refused.identity} answered 403: an authorizer refuses requests` } : undefined;
    },
  },
  {
    id: '4.2.3', title: 'The kubelet verifies client certificates against a CA', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'wire', 'cmdline', 'file'],
    needs: CONFIGZ,
    remediation: `${CONFIG} set authentication.x509.clientCAFile to the cluster CA (--client-ca-file).`,
    judge(ctx) {
      const fromConfig = setting(ctx, 'authentication.x509.clientCAFile', (v) => typeof v === 'string' && v !== '');
      if (fromConfig) return fromConfig;
      const tls = api(ctx)?.tls;
      if (tls?.acceptableCAs?.length) return { status: 'pass', source: 'wire', detail: `the kubelet asks for client certificates from ${tls.acceptableCAs.join('; ')}` };
      return undefined;
    },
  },
  {
    id: '4.2.4', title: 'The kubelet read-only port is off', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'wire', 'cmdline', 'file'],
    needs: `${CONFIGZ}; a closed 10255 alone proves nothing (a firewall looks the same)`,
    remediation: `${CONFIG} set readOnlyPort: 0 (--read-only-port=0).`,
    judge(ctx) {
      const open = ctx.endpoints.find((e) => e.fingerprint.port === 'read-only');
      const fromConfig = setting(ctx, 'readOnlyPort', (v) => v === 0);
      if (fromConfig) return fromConfig;
      return open ? { status: 'fail', source: 'wire', detail: `the read-only port answers on ${open.address}:${open.port}` } : undefined;
    },
  },
  {
    id: '4.2.5', title: 'Idle streaming connections time out', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'cmdline', 'file'], needs: CONFIGZ,
    remediation: `${CONFIG} set streamingConnectionIdleTimeout to a non-zero duration such as 4h0m0s.`,
    judge: (ctx) => setting(ctx, 'streamingConnectionIdleTimeout', (v) => durationMs(String(v)) !== 0, (_v, pass) => (pass ? 'idle streams are closed' : 'idle streams never time out')),
  },
  {
    id: '4.2.6', title: 'The kubelet manages its iptables utility chains', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'cmdline', 'file'], needs: CONFIGZ,
    remediation: `${CONFIG} set makeIPTablesUtilChains: true.`,
    judge: (ctx) => setting(ctx, 'makeIPTablesUtilChains', (v) => v === true),
  },
  {
    id: '4.2.7', title: 'The kubelet does not override the node\'s hostname', component: 'kubelet', benchmarks: ALL, sources: ['flagz', 'cmdline'],
    needs: 'a hunt on the node itself (kia hunt --local) to read the kubelet\'s command line, or from 1.36 a credential the kubelet authorises for /flagz on 10250 (it is a flag only: /configz does not show it)',
    remediation: 'Remove --hostname-override from the kubelet\'s flags (kubeadm-flags.env, the systemd unit) and let the node be named after its hostname.',
    judge: (ctx) => setting(ctx, 'hostname-override', (v) => v === '' || v === null, (_v, pass) => (pass ? 'the node is named after its hostname' : 'the node name the certificates and the Node authorizer use differs from the hostname')),
  },
  {
    id: '4.2.8', title: 'Event recording is not switched off', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'cmdline', 'file'], needs: CONFIGZ,
    remediation: `${CONFIG} set eventRecordQPS to 0 (no limit) or a rate that keeps the events you need.`,
    judge: (ctx) => setting(ctx, 'eventRecordQPS', (v) => typeof v === 'number' && v >= 0, (v) => (v === 0 ? 'no limit on event creation' : `at most ${String(v)} events per second`)),
  },
  {
    id: '4.2.9', title: 'The kubelet serves a certificate issued for it, not a self-generated one', component: 'kubelet', benchmarks: ALL, sources: ['wire', 'configz'],
    needs: 'a TLS handshake with the kubelet on 10250, and the cluster CA (--cacert) to verify its chain',
    remediation: `${CONFIG} set serverTLSBootstrap: true and approve the serving CSRs, or set tlsCertFile/tlsPrivateKeyFile to a certificate from the cluster CA.`,
    judge(ctx): Verdict | undefined {
      const leaf = api(ctx)?.tls?.chain[0];
      const tls = api(ctx)?.tls;
      if (leaf && /CN=[^,]+@\d+/.test(leaf.subject) && /CN=[^,]+-ca@\d+/.test(leaf.issuer)) return { status: 'fail', source: 'wire', detail: `serving certificate ${leaf.subject} is issued by the kubelet's own CA ${leaf.issuer}` };
      if (leaf && tls?.verified === true) return { status: 'pass', source: 'wire', detail: `serving certificate ${leaf.subject} chains to the CA given (issuer ${leaf.issuer})` };
      // serverTLSBootstrap proves a certificate from the cluster's signer; its absence proves nothing (tlsCertFile may be one).
      const bootstrap = setting(ctx, 'serverTLSBootstrap', (v) => v === true);
      return bootstrap?.status === 'pass' ? bootstrap : undefined;
    },
  },
  {
    id: '4.2.10', title: 'The kubelet rotates its client certificate', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'cmdline', 'file'], needs: CONFIGZ,
    remediation: `${CONFIG} set rotateCertificates: true.`,
    judge: (ctx) => setting(ctx, 'rotateCertificates', (v) => v === true),
  },
  {
    id: '4.2.11', title: 'Serving-certificate rotation is not switched off', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'cmdline', 'file'], needs: CONFIGZ,
    remediation: `${CONFIG} remove featureGates.RotateKubeletServerCertificate: false (the gate is on by default).`,
    judge: (ctx) => setting(ctx, 'featureGates.RotateKubeletServerCertificate', (v) => v !== false, (v) => (v === null ? 'the gate is not set: on by default' : v === false ? 'the gate is off' : 'the gate is on')),
  },
  {
    id: '4.2.12', title: 'The kubelet offers only strong TLS cipher suites', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'cmdline', 'file'], needs: CONFIGZ,
    remediation: `${CONFIG} set tlsCipherSuites to ECDHE suites with AES-GCM or ChaCha20-Poly1305 only (or tlsMinVersion: VersionTLS13).`,
    judge: (ctx) => strongSuites(ctx, 'tlsCipherSuites', 'tlsMinVersion'),
  },
  {
    id: '4.2.13', title: 'Each pod has a PID limit', component: 'kubelet', benchmarks: ALL, sources: ['configz', 'cmdline', 'file'], needs: CONFIGZ,
    remediation: `${CONFIG} set podPidsLimit to a positive number that fits your workloads (--pod-max-pids).`,
    judge: (ctx) => setting(ctx, 'podPidsLimit', (v) => typeof v === 'number' && v > 0, (_v, pass) => (pass ? 'pods are limited' : 'pods may fork without limit')),
  },
  {
    id: '4.2.14', title: 'Containers get the RuntimeDefault seccomp profile by default', component: 'kubelet', benchmarks: ['cis-1.11', 'cis-1.12'], sources: ['configz', 'cmdline', 'file'], needs: CONFIGZ,
    remediation: `${CONFIG} set seccompDefault: true (--seccomp-default).`,
    judge: (ctx) => setting(ctx, 'seccompDefault', (v) => v === true),
  },
];
