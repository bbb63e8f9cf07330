// kia serve's own process metrics: prom-client's defaults (CPU, memory, GC, event-loop lag), read live at each scrape.
import { collectDefaultMetrics, Registry } from 'prom-client';

/** kia's own process metrics (prom-client's defaults), read live at each scrape. */
export class ProcessMetrics {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
