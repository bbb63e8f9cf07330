// `kia agent` as a library: the node's own view on an interval (node-view.ts) served over HTTPS to callers the API
// server or a client CA vouches for (server.ts, authorize.ts). No worker thread: one node's probes are few.
import { NodeView, type NodeViewOptions } from './node-view.ts';
import { ProcessMetrics } from '../serve/process-metrics.ts';
import { startAgentServer, type AgentServerOptions, type RunningAgentServer } from './server.ts';

export { ApiServerAuthorizer, attributesFor, type AgentPage, type ApiServerAuthorizerOptions, type Verdict } from './authorize.ts';
export { NodeView, type NodeSnapshot, type NodeViewOptions } from './node-view.ts';
export type { AgentServerOptions, RunningAgentServer } from './server.ts';

export interface AgentOptions extends NodeViewOptions {
  listen: AgentServerOptions;
  /** Start cycling at once (default). Tests may step cycles with `view.runCycle()`. */
  autoStart?: boolean;
}

export interface RunningAgent {
  view: NodeView;
  server: RunningAgentServer;
  url: string;
  close(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const view = new NodeView(options);
  const server = await startAgentServer(view, new ProcessMetrics(), options.listen);
  if (options.autoStart !== false) view.start();
  return {
    view,
    server,
    url: server.url,
    close: async () => {
      await view.stop();
      await server.close();
    },
  };
}
