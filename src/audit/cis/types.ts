// A CIS item is declared once, as data plus one pure judgement over what kia saw of one component on one host.
import type { ComponentId, ConfigSource, EffectiveConfig, EndpointObservation } from '../../model/index.ts';
import type { BenchmarkId } from './benchmarks.ts';

/** What proved a result: pass or fail, the source, and one line with the value seen. */
export interface Verdict {
  status: 'pass' | 'fail';
  source: ConfigSource | 'wire';
  detail: string;
}

export interface CisContext {
  benchmark: BenchmarkId;
  /** The cluster's Kubernetes minor release (`1.31`), or `unknown`: what a flag left out means can differ by release. */
  version: string;
  /** The component's effective configuration on this host, when any source of it was read. */
  config?: EffectiveConfig;
  /** Every endpoint of this component on this host. */
  endpoints: readonly EndpointObservation[];
  /** Every endpoint on this host, of any component (items that compare components). */
  host: readonly EndpointObservation[];
}

export interface CisItem {
  /** The benchmark's item number: the same number in every benchmark listed in `benchmarks`. */
  id: string;
  /** Our own words for what the item asks. */
  title: string;
  component: ComponentId;
  benchmarks: readonly BenchmarkId[];
  /** Where kia can read it, most direct first: `configz`/`flagz`/`wire` prove it on the wire, `cmdline`/`file` on the node. */
  sources: readonly (ConfigSource | 'wire')[];
  /** The credential or access that would verify it when nothing did. */
  needs: string;
  remediation: string;
  /** Undefined when nothing kia saw decides it: the result is `not-verified`, never `pass`. */
  judge(ctx: CisContext): Verdict | undefined;
}
