// `kia serve` as a library: the monitor (probe cycles, audits, history), the exporter's metrics, and the HTTP server,
// wired so that each published event means the metrics and the dashboards already show that cycle.
import { EventEmitter } from 'node:events';
import type { Finding, HealthReport } from '../model/index.ts';
import { ProcessMetrics } from './process-metrics.ts';
import { Monitor, type MonitorOptions } from './monitor.ts';
import { startServer, type RunningServer, type ServerOptions } from './server.ts';

export { Monitor, auditTargets, type MonitorOptions, type MonitorState, type HistoryEntry, type CertificateEntry } from './monitor.ts';
export { ProcessMetrics } from './process-metrics.ts';
export { ProbeMetrics } from './probe-metrics.ts';
export { loadServeConfig, type ServeConfig } from './config.ts';
export type { RunningServer, ServerOptions } from './server.ts';

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
  readonly metrics: ProcessMetrics;
  url = '';
  /** The HTTP side, once listening: its event streams can be inspected. */
  server: RunningServer | undefined;

  constructor(monitor: Monitor, metrics: ProcessMetrics) {
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
    await this.server?.close();
  }

  /** @internal */
  attach(server: RunningServer): void {
    this.url = server.url;
    this.server = server;
  }
}

export async function serve(options: ServeOptions): Promise<Service> {
  const monitor = new Monitor(options);
  const metrics = new ProcessMetrics();
  const service = new Service(monitor, metrics);
  const server = await startServer(monitor, metrics, options.listen);
  service.attach(server);
  // The monitor's events come after the engine rendered the probe series: dashboards first, then listeners.
  monitor.on('cycle', (event) => {
    server.broadcast();
    service.emit('cycle', event);
  });
  monitor.on('audit', (event) => {
    server.broadcast();
    service.emit('audit', event);
  });
  monitor.on('failure', (error) => service.emit('failure', error));
  if (options.autoStart !== false) monitor.start();
  return service;
}
