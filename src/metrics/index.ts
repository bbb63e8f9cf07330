// The metrics module's API: a streaming parser for Prometheus and OpenMetrics expositions, and per-component summaries.
export { ExpositionParser } from './parse.ts';
export { parseText, parseStream, feed, collect, FamilyCollector } from './collect.ts';
export { parseMatcher, compileMatchers } from './filter.ts';
export { histogramQuantile, sumHistogram } from './quantile.ts';
export type { Bucket, Histogram } from './quantile.ts';
export { SUMMARY_FAMILIES, summarize, detectComponent, familyMap, etcdSummary, kubeletSummary, apiserverSummary, kubeProxySummary, schedulerSummary, latencyOf } from './summary.ts';
export type { ComponentSummary, MetricsComponent, Latency, EtcdSummary, KubeletSummary, ApiserverSummary, KubeProxySummary, SchedulerSummary, RequestCount, SummaryOptions } from './summary.ts';
export { renderSummary, renderSamples, renderIndex } from './render.ts';
export { Tally, IndexSink, SampleSink, JsonSink, SummarySink, jsonText } from './sinks.ts';
export type { Sink, Totals, SummarySinkOptions } from './sinks.ts';
export { METRIC_TYPES } from './types.ts';
export type { MetricType, Labels, Exemplar, Sample, FamilyInfo, MetricFamily, ParseError, ParseItem, LabelMatcher, ParseOptions, ParseResult } from './types.ts';
