// Health as a pure judge: observations and a clock in, verdicts out (the pipeline that asks is pipelines/health.ts).
export { evaluate, followUps, healthExitCode, judge, certificateHealth, combine, endpointHealth, DEFAULT_PROXY_STALE_AFTER_SECONDS, type EvaluateOptions } from './evaluate.ts';
export { parseHealthz, parseEtcdHealth, parseKubeProxyHealth, parseProxyTime, parseCheckReason } from '../formats/health-answers.ts';
export { renderHealthTable } from './render.ts';
