// The lab kube-proxy: 10249 metrics/config (plain HTTP, no auth) and 10256 health with timestamps (spec §4).
import { gzipSync } from 'node:zlib';
import { fixture, fixtureJson, withBuildInfo } from '../plan/fixtures.ts';
import { goNotFound, json, methodOf, NOSNIFF, send, TEXT, urlOf, type Reply, type Req, type Res } from '../net/go-http.ts';
import type { ListenerOptions } from '../net/listener.ts';
import { PROFILE_SETTINGS } from '../plan/profiles.ts';
import { StandIn, type StandInContext } from './stand-in.ts';
import type { Fault } from './component-state.ts';
import { InputError } from '../../errors.ts';
import { serves } from './catalog-view.ts';
import { zpage } from './zpages.ts';
import { pprof } from './pprof.ts';
import { healthz } from '../net/go-http.ts';

/** Go's time.Time.String() with a monotonic reading: `2026-11-28 17:45:37.562461257 +0000 UTC m=+547.421199072`. */
function goTimeString(ms: number, startedAt: number): string {
  const d = new Date(ms);
  const nanos = String((ms % 1000) * 1_000_000 + 461257).padStart(9, '0').replace(/0+$/, '');
  const mono = ((ms - startedAt) / 1000 + 0.421199072).toFixed(9);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}.${nanos} +0000 UTC m=+${mono}`;
}

function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = String((ms % 1000) * 1_000_000 + 461257).padStart(9, '0').replace(/0+$/, '');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

export class KubeProxyStandIn extends StandIn {
  /** healthTimeout = 2 × syncPeriod (30 s). */
  healthTimeoutMs = 60_000;

  constructor(ctx: StandInContext) {
    super('kube-proxy', ctx);
  }

  protected listen(): ListenerOptions[] {
    return this.endpoints().map((e) => ({
      address: e.address,
      port: e.number,
      handler: (req: Req, res: Res) => send(res, e.port === 'healthz' ? this.health(req) : this.metricsPort(req)),
    }));
  }

  /** `unhealthy` is `stale`: kube-proxy's only health is whether the proxier keeps syncing. */
  protected override resolveFault(fault: Fault): Fault {
    if (fault === 'unhealthy' || fault === 'unhealthy:stale') return 'stale';
    if (fault.startsWith('unhealthy:')) throw new InputError(`kube-proxy has no named checks: unhealthy (or stale) makes its health server answer 503`);
    if (fault === 'stale' || fault === 'frozen') return fault;
    return super.resolveFault(fault);
  }

  protected override applyOther(fault: Fault): void {
    const now = this.ctx.clock.now();
    // stale: the proxier stopped syncing; its last sync is older than healthTimeout, as when upstream turns 503.
    if (fault === 'stale') this.state.lastSync = Math.min(this.state.lastSync, now - this.healthTimeoutMs - 1000);
    // frozen: 200 with a lastUpdated that no longer moves (not upstream; for clients that check staleness).
    if (fault === 'frozen' && !this.state.has('stale')) this.state.lastSync = now;
  }

  /** Healthy unless an update has waited longer than healthTimeout (the `stale` fault) . */
  private healthy(): boolean {
    return !this.state.has('stale');
  }

  private health(req: Req): Reply {
    const path = urlOf(req).pathname;
    if (path !== '/healthz' && path !== '/livez') return goNotFound();
    const now = this.ctx.clock.now();
    const healthy = this.healthy();
    // When healthy, lastUpdated is set to the current time for compatibility; `frozen` keeps it still (not upstream).
    const last = this.state.has('frozen') || !healthy ? this.state.lastSync : now;
    if (healthy && !this.state.has('frozen')) this.state.lastSync = now;
    const started = this.state.startedAt;
    const eligible = path === '/healthz';
    let body: string;
    if (this.version.kubeProxyHealthBody === 'go-time-string') {
      body = `{"lastUpdated": "${goTimeString(last, started)}","currentTime": "${goTimeString(now, started)}"${eligible ? ', "nodeEligible": true' : ''}}`;
    } else {
      const value: Record<string, unknown> = { lastUpdated: rfc3339Nano(last), currentTime: rfc3339Nano(now) };
      if (eligible) value.nodeEligible = true;
      value.healthy = healthy;
      value.status = { IPv4: { lastUpdated: rfc3339Nano(last), healthy } };
      body = JSON.stringify(value);
    }
    return { status: healthy ? 200 : 503, headers: { 'Content-Type': 'application/json', ...NOSNIFF }, body };
  }

  private metricsPort(req: Req): Reply {
    const url = urlOf(req);
    const v = this.ctx.plan.kubernetesVersion;
    const settings = PROFILE_SETTINGS[this.node.profile].kubeProxy;
    switch (url.pathname) {
      case '/healthz':
        return healthz('healthz', [{ name: 'ping' }], url);
      case '/healthz/ping':
        return { status: 200, headers: { 'Content-Type': TEXT }, body: 'ok' };
      case '/metrics': {
        const body = withBuildInfo(fixture('kube-proxy.metrics'), { ...this.version, major: '1', minor: v.split('.')[1] ?? '' });
        const headers = { 'Content-Type': this.version.metricsContentType };
        if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return { status: 200, headers: { ...headers, 'Content-Encoding': 'gzip' }, body: gzipSync(body) };
        return { status: 200, headers, body };
      }
      case '/proxyMode':
        return { status: 200, headers: { 'Content-Type': TEXT, ...NOSNIFF }, body: 'iptables' };
      case '/configz': {
        const config = fixtureJson<Record<string, Record<string, unknown>>>('kube-proxy.configz.json')['kubeproxy.config.k8s.io'] ?? {};
        return json(200, {
          'kubeproxy.config.k8s.io': {
            ...config,
            HostnameOverride: this.node.name,
            EnableProfiling: settings.enableProfiling,
            MetricsBindAddress: settings.metricsBind === 'all' ? '0.0.0.0:10249' : '127.0.0.1:10249',
            HealthzBindAddress: settings.healthzBind === 'all' ? '0.0.0.0:10256' : '127.0.0.1:10256',
          },
        }, NOSNIFF);
      }
      case '/flagz':
      case '/statusz':
        if (!serves('kube-proxy', 'metrics', v, url.pathname)) return goNotFound();
        return zpage(url.pathname.slice(1) as 'flagz' | 'statusz', { component: 'kube-proxy', startedAt: this.state.startedAt, now: this.ctx.clock.now(), version: this.version, flags: { config: '/var/lib/kube-proxy/config.conf', 'hostname-override': this.node.name } });
      default:
        if (settings.enableProfiling && url.pathname.startsWith('/debug/pprof/')) {
          return pprof(url.pathname.slice('/debug/pprof/'.length), ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', `--hostname-override=${this.node.name}`]);
        }
        if (url.pathname === '/metrics/slis') {
          // DELETE resets the SLI metrics (component-base slis routes); anything else reads them.
          if (methodOf(req) === 'DELETE') return { status: 200, headers: { 'Content-Type': TEXT }, body: 'metrics reset\n' };
          return { status: 200, headers: { 'Content-Type': this.version.metricsContentType }, body: '# HELP kubernetes_healthcheck [STABLE] This metric records the result of a single healthcheck.\n# TYPE kubernetes_healthcheck gauge\nkubernetes_healthcheck{name="ping",type="healthz"} 1\n' };
        }
        return goNotFound();
    }
  }
}
