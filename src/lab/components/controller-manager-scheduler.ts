// kube-controller-manager (10257) and kube-scheduler (10259) stand-ins (spec §5.3, §5.4, §11).
import { gzipSync } from 'node:zlib';
import { fixture, withBuildInfo } from '../plan/fixtures.ts';
import { DelegatedServer, type RequestContext } from './generic-apiserver.ts';
import { goError, healthz, healthzCheck, json, NOSNIFF, readBody, TEXT, type Reply } from '../net/go-http.ts';
import { PROFILE_SETTINGS } from '../plan/profiles.ts';
import type { HealthChecks, StandInContext } from './stand-in.ts';
import { serves } from './catalog-view.ts';
import { zpage } from './zpages.ts';
import { pprof } from './pprof.ts';
import { commandLine, commandLineFlags } from '../plan/command-lines.ts';
import { applyDrift } from './component-state.ts';
import type { ComponentId } from '../../model/index.ts';

/** The controllers kube-controller-manager's /healthz lists, from the real v1.28 answer. */
function controllerChecks(): string[] {
  return fixture('controller-manager.healthz-verbose.txt')
    .split('\n')
    .filter((line) => line.startsWith('[+]'))
    .map((line) => line.slice(3, -3));
}

abstract class ControlPlaneComponent extends DelegatedServer {
  protected abstract readonly portName: string;
  protected abstract readonly configzFixture: string;
  protected abstract readonly metricsFixture: string;

  protected metrics(ctx: RequestContext): Reply {
    const v = this.ctx.plan.kubernetesVersion;
    const body = withBuildInfo(fixture(this.metricsFixture), { ...this.version, major: '1', minor: v.split('.')[1] ?? '' });
    const headers = { 'Content-Type': this.version.metricsContentType };
    if (/\bgzip\b/.test(String(ctx.req.headers['accept-encoding'] ?? ''))) return { status: 200, headers: { ...headers, 'Content-Encoding': 'gzip' }, body: gzipSync(body) };
    return { status: 200, headers, body };
  }

  protected checks(names: readonly string[]): { name: string; error?: string | undefined }[] {
    return names.map((name) => ({ name, error: this.state.checkError(name) }));
  }

  /** Routes both components share: configz, metrics, profiling, flags, zpages. */
  protected common(ctx: RequestContext): Promise<Reply | undefined> | Reply | undefined {
    const { url, method } = ctx;
    const v = this.ctx.plan.kubernetesVersion;
    const profiling = PROFILE_SETTINGS[this.node.profile].controlPlane.profiling;
    switch (url.pathname) {
      case '/configz':
        return json(200, this.configz(profiling), NOSNIFF);
      case '/metrics':
        if (method === 'DELETE' && this.component === 'kube-scheduler') return { status: 200, headers: { 'Content-Type': TEXT }, body: 'metrics reset\n' };
        return this.metrics(ctx);
      case '/metrics/slis':
        if (method === 'DELETE') return { status: 200, headers: { 'Content-Type': TEXT }, body: 'metrics reset\n' };
        return { status: 200, headers: { 'Content-Type': this.version.metricsContentType }, body: '# HELP kubernetes_healthcheck [STABLE] This metric records the result of a single healthcheck.\n# TYPE kubernetes_healthcheck gauge\nkubernetes_healthcheck{name="leaderElection",type="healthz"} 1\n' };
      case '/flagz':
      case '/statusz':
        if (!serves(this.component, this.portName, v, url.pathname)) return undefined;
        return zpage(url.pathname.slice(1) as 'flagz' | 'statusz', { component: this.component, startedAt: this.state.startedAt, now: this.ctx.clock.now(), version: this.version, flags: this.flags() });
      case '/debug/flags/v':
        if (!profiling) return undefined;
        return this.setVerbosity(ctx);
    }
    if (profiling && url.pathname === '/debug/pprof') return { status: 301, headers: { Location: '/debug/pprof/' } };
    if (profiling && url.pathname.startsWith('/debug/pprof/')) return pprof(url.pathname.slice('/debug/pprof/'.length), commandLine(this.ctx.plan, this.node, this.component));
    return undefined;
  }

  /** The running configuration: the real v1.28 answer, with what the plan's command line sets (--profiling, key files). */
  private configz(profiling: boolean): string {
    const document = JSON.parse(fixture(this.configzFixture)) as Record<string, Record<string, unknown>>;
    const [root, config] = Object.entries(document)[0] ?? ['', {}];
    if (this.component === 'kube-scheduler') config.EnableProfiling = profiling;
    else {
      ((config.Generic as Record<string, Record<string, unknown>>).Debugging ??= {}).EnableProfiling = profiling;
      // The files the plan's command line names, where the real answer has kubeadm's paths.
      const flags = this.flags();
      const sa = (config.SAController ??= {}) as Record<string, unknown>;
      sa.ServiceAccountKeyFile = flags['service-account-private-key-file'] ?? '';
      sa.RootCAFile = flags['root-ca-file'] ?? '';
      (config.KubeCloudShared as Record<string, unknown>).UseServiceAccountCredentials = flags['use-service-account-credentials'] === 'true';
    }
    applyDrift(config, this.state.drifted());
    return JSON.stringify({ [root]: config });
  }

  /** /flagz: the flags of the process's own command line (the plan's), so that the two agree. */
  private flags(): Record<string, string> {
    return commandLineFlags(commandLine(this.ctx.plan, this.node, this.component));
  }

  private async setVerbosity(ctx: RequestContext): Promise<Reply> {
    if (ctx.method !== 'PUT') return goError(406, 'unsupported http method');
    const value = (await readBody(ctx.req, 1024)).toString().trim();
    return { status: 200, headers: { 'Content-Type': TEXT }, body: `successfully set klog.logging.verbosity to ${value}\n` };
  }
}

export class ControllerManagerStandIn extends ControlPlaneComponent {
  protected readonly identity = 'controller-manager';
  protected readonly portName = 'secure';
  protected readonly configzFixture = 'controller-manager.configz.json';
  protected readonly metricsFixture = 'scheduler.metrics';

  constructor(ctx: StandInContext, component: ComponentId = 'kube-controller-manager') {
    super(component, ctx);
  }

  protected override healthChecks(): HealthChecks {
    return { names: controllerChecks(), default: 'leaderElection' };
  }

  protected route(ctx: RequestContext): Promise<Reply | undefined> | Reply | undefined {
    // `/healthz` exact only; `/livez` and `/readyz` are allowed by authz, then 404 (spec §5.3, §11).
    if (ctx.url.pathname === '/healthz') return healthz('healthz', this.checks(controllerChecks()), ctx.url);
    return this.common(ctx);
  }
}

export class SchedulerStandIn extends ControlPlaneComponent {
  protected readonly identity = 'scheduler';
  protected readonly portName = 'secure';
  protected readonly configzFixture = 'scheduler.configz.json';
  protected readonly metricsFixture = 'scheduler.metrics';

  constructor(ctx: StandInContext) {
    super('kube-scheduler', ctx);
  }

  /** The health families this version serves and their checks (spec §5.4, §11). */
  private families(): Record<string, string[]> {
    const v = this.ctx.plan.kubernetesVersion;
    const families: Record<string, string[]> = { healthz: ['leaderElection'] };
    if (serves('kube-scheduler', 'secure', v, '/livez')) families.livez = ['ping'];
    if (serves('kube-scheduler', 'secure', v, '/readyz')) families.readyz = ['leaderElection', 'shutdown', 'sched-handler-sync'];
    return families;
  }

  protected override healthChecks(): HealthChecks {
    return { names: [...new Set(Object.values(this.families()).flat())], default: 'leaderElection' };
  }

  protected route(ctx: RequestContext): Promise<Reply | undefined> | Reply | undefined {
    const path = ctx.url.pathname;
    const families = this.families();
    const [, family = '', check] = path.split('/');
    const names = families[family];
    if (names) {
      if (check === undefined) return healthz(family, this.checks(names), ctx.url);
      if (names.includes(check) && path.split('/').length === 3) return healthzCheck({ name: check, error: this.state.checkError(check) });
      return undefined;
    }
    if (path === '/metrics/resources') return { status: 200, headers: { 'Content-Type': this.version.metricsContentType }, body: '' };
    return this.common(ctx);
  }
}
