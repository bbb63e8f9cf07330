// kia's own process series (`kia serve` and `kia agent`), named and described as Prometheus client libraries name them
// (process_*, nodejs_*), read live at each scrape. Not prom-client's default collectors: loading them costs about 12 MB,
// their event-loop monitor wakes the process every 10 ms, and one scrape of them cost more CPU than a probe cycle's
// worth of probes (process.memoryUsage, histogram statistics); the agent has 64 MB in all (issue 12).
import { readdirSync, readFileSync } from 'node:fs';
import { cpuUsage, memoryUsage, uptime, version } from 'node:process';
import { EXPOSITION_CONTENT_TYPE, Exposition } from './exposition.ts';

/** Open and allowed file descriptors from /proc (Linux); undefined where /proc is not there. */
function descriptors(): { open: number; max?: number } | undefined {
  try {
    // The listing itself holds one descriptor while it reads.
    const open = readdirSync('/proc/self/fd').length - 1;
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return { open, ...(limit ? { max: Number(limit) } : {}) };
  } catch {
    return undefined;
  }
}

/** The process series, read live at each scrape. */
export class ProcessMetrics {
  readonly contentType = EXPOSITION_CONTENT_TYPE;
  private readonly startedAt = Math.round(Date.now() / 1000 - uptime());

  metrics(): Promise<string> {
    const e = new Exposition();
    const cpu = cpuUsage();
    e.family({ type: 'counter', name: 'process_cpu_user_seconds_total', help: 'Total user CPU time spent in seconds.' }).inc(cpu.user / 1e6);
    e.family({ type: 'counter', name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.' }).inc(cpu.system / 1e6);
    e.family({ type: 'counter', name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.' }).inc((cpu.user + cpu.system) / 1e6);
    e.family({ type: 'gauge', name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.' }).set({}, this.startedAt);
    const memory = memoryUsage();
    e.family({ type: 'gauge', name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.' }).set({}, memory.rss);
    const fds = descriptors();
    if (fds) e.family({ type: 'gauge', name: 'process_open_fds', help: 'Number of open file descriptors.' }).set({}, fds.open);
    if (fds?.max !== undefined) e.family({ type: 'gauge', name: 'process_max_fds', help: 'Maximum number of open file descriptors.' }).set({}, fds.max);
    e.family({ type: 'gauge', name: 'nodejs_heap_size_total_bytes', help: 'Process heap size from Node.js in bytes.' }).set({}, memory.heapTotal);
    e.family({ type: 'gauge', name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.' }).set({}, memory.heapUsed);
    e.family({ type: 'gauge', name: 'nodejs_external_memory_bytes', help: 'Node.js external memory size in bytes.' }).set({}, memory.external);
    const [major = '', minor = '', patch = ''] = version.slice(1).split('.');
    e.family({ type: 'gauge', name: 'nodejs_version_info', help: 'Node.js version info.', labelNames: ['version', 'major', 'minor', 'patch'] }).set({ version, major, minor, patch }, 1);
    return Promise.resolve(e.render());
  }
}
