// `kia serve` as a library: the monitor (probe cycles, audits, history), the exporter's metrics, and the HTTP server,
// wired so that each published event means the metrics and the dashboards already show that cycle.
import { EventEmitter } from 'node:events';
import { RULES } from '../audit/index.ts';
import type { Finding, HealthReport } from '../model/index.ts';
import { ExporterMetrics } from './metrics.ts';
import { Monitor, type MonitorOptions } from './monitor.ts';
import { startServer, type ServerOptions } from './server.ts';

export { Monitor, auditTargets, type MonitorOptions, type MonitorState, type HistoryEntry, type CertificateEntry } from './monitor.ts';
export { ExporterMetrics } from './metrics.ts';
export { loadServeConfig, type ServeConfig } from './config.ts';

export interface ServeOptions extends MonitorOptions {
  listen: Omit<ServerOptions, never>;
  /** Start probing at once (default). Tests may step cycles themselves with `runCycle()`. */
  autoStart?: boolean;
}

export interface ServiceEvents {
  /** After a cycle: metrics updated, dashboards sent the new state. */
  cycle: [{ cycle: number; report: HealthReport }];
  /** After an audit: finding metrics updated, dashboards sent the new state. */
  audit: [{ auditedAt: string; findings: Finding[] }];
  failure: [Error];
}

export class Service extends EventEmitter<ServiceEvents> {
  readonly monitor: Monitor;
  readonly metrics: ExporterMetrics;
  url = '';
  private closeServer: (() => Promise<void>) | undefined;

  constructor(monitor: Monitor, metrics: ExporterMetrics) {
    super();
    this.monitor = monitor;
    this.metrics = metrics;
  }

  /** One cycle now; resolves once its metrics and events are out. */
  async runCycle(): Promise<HealthReport> {
    const published = new Promise<HealthReport>((resolve) => this.once('cycle', ({ report }) => resolve(report)));
    await this.monitor.runCycle();
    return published;
  }

  async runAudit(): Promise<Finding[]> {
    const published = new Promise<Finding[]>((resolve) => this.once('audit', ({ findings }) => resolve(findings)));
    await this.monitor.runAudit();
    return published;
  }

  async close(): Promise<void> {
    await this.monitor.stop();
    await this.closeServer?.();
  }

  /** @internal */
  attach(url: string, close: () => Promise<void>): void {
    this.url = url;
    this.closeServer = close;
  }
}

export async function serve(options: ServeOptions): Promise<Service> {
  const monitor = new Monitor(options);
  const metrics = new ExporterMetrics(RULES.map((r) => ({ id: r.id, severity: r.severity })));
  const service = new Service(monitor, metrics);
  const server = await startServer(monitor, metrics, options.listen);
  service.attach(server.url, () => server.close());
  monitor.on('cycle', (event) => {
    void metrics.updateHealth(event.report, Date.now()).then(() => {
      server.broadcast();
      service.emit('cycle', event);
    });
  });
  monitor.on('audit', (event) => {
    void metrics.updateFindings(event.findings, Date.parse(event.auditedAt)).then(() => {
      server.broadcast();
      service.emit('audit', event);
    });
  });
  monitor.on('failure', (error) => service.emit('failure', error));
  if (options.autoStart !== false) monitor.start();
  return service;
}
