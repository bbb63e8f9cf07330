// The three pipelines side by side: a hunt, a health check, and the repeated cycle of serve and the agent.
export { hunt, VERSION, type HuntOptions, type HuntPhase } from './hunt.ts';
export { checkHealth, healthCycle, type HealthCheckOptions } from './health.ts';
export { Cycle, type CycleOptions } from './cycle.ts';
