// How a `kia kubelet` command runs: under its deadline with -v printing each request, a read fanned out over the
// kubelets and printed in node order (what answered, even when the deadline cut it short), a stream copied to stdout.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Readable } from 'node:stream';
import { KUBELET_REQUEST_CHANNEL, type KubeletClient, type KubeletResult } from '../../clients/kubelet.ts';
import { peerText, writeResult } from '../flags/format.ts';
import { forEachKubelet, reportKubeletFailure, resolveKubelets, type KubeletFlags } from '../flags/kubelet.ts';
import { DeadlineError, deadlineFor, oneRequestDeadline, withinDeadline, type Deadline } from '../flags/time.ts';
import { EXIT } from '../output.ts';
import type { NodeAnswer } from './kubelet-render.ts';

export interface RunFlags extends KubeletFlags {
  verbose?: boolean;
}

/** One request per kubelet (ONE_REQUEST_DEADLINE), and with --all-nodes that again for every 8 nodes. */
export const perRound = (flags: RunFlags) => oneRequestDeadline(flags.timeout);

/** Fans a read out over the kubelets, prints the answers in node order, and reports each failure on its own line. */
export async function readAll<T>(flags: RunFlags, deadline: Deadline, fetch: (c: KubeletClient) => Promise<KubeletResult<T>>, render: (answers: NodeAnswer<T>[]) => string | Buffer): Promise<number> {
  const list = await withinDeadline(deadline, resolveKubelets(flags, deadline));
  if (typeof list === 'number') return list;
  if (flags.deadline === undefined && flags.allNodes) deadline.setTotal(perRound(flags) * (1 + Math.ceil(list.length / 8)));
  const answers: NodeAnswer<T>[] = [];
  let code: number;
  let cut: unknown;
  try {
    code = await withinDeadline(
      deadline,
      forEachKubelet(list, async (t) => {
        const answer = await fetch(t.client);
        if (!answer.ok) return reportKubeletFailure(answer.failure, flags, t.node);
        answers.push({ node: t.node, value: answer.value });
        return 0;
      }),
    );
  } catch (error) {
    if (!(error instanceof DeadlineError)) throw error;
    cut = error;
    code = EXIT.down;
  }
  answers.sort((a, b) => a.node.localeCompare(b.node));
  if (answers.length > 0) {
    writeResult(render(answers), {}, { fromPeer: true });
  }
  // What answered is printed; the deadline is the last line.
  if (cut) throw new DeadlineError(`${(cut as Error).message}: ${answers.length} of ${list.length} kubelet${list.length === 1 ? '' : 's'} answered by then`);
  return code;
}

/** Copies a stream to stdout until it ends, the peer closes, stdout closes, or Ctrl-C: all of them a clean end. */
export function pump(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.off('error', stop);
      stream.destroy();
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.stdout.on('error', stop);
    const show = peerText();
    stream.on('data', (chunk: Buffer) => {
      if (!process.stdout.write(show(chunk))) {
        stream.pause();
        process.stdout.once('drain', () => stream.resume());
      }
    });
    stream.on('end', stop);
    stream.on('close', stop);
  });
}

/** Runs a command under its deadline, with -v printing each request on stderr. */
export async function act(flags: RunFlags, body: (deadline: Deadline) => Promise<number>): Promise<void> {
  const onRequest = (message: unknown) => {
    const m = message as { method: string; url: string; identity: string };
    process.stderr.write(`> ${m.method} ${m.url} (${m.identity})\n`);
  };
  if (flags.verbose) subscribe(KUBELET_REQUEST_CHANNEL, onRequest);
  const deadline = deadlineFor(flags, perRound(flags));
  try {
    process.exitCode = await body(deadline);
  } finally {
    deadline.clear();
    if (flags.verbose) unsubscribe(KUBELET_REQUEST_CHANNEL, onRequest);
  }
}

