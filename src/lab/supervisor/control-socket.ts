// The control socket of a running lab (`<dir>/control.sock`): how `kia lab fault` and `kia lab status` reach the
// process that runs it. One JSON request per line, one JSON answer per line:
//   {"op":"fault","node":"kia-worker-1","component":"kubelet","fault":"down"} -> {"ok":true,"faults":[...]}
//   {"op":"status"}                                                           -> {"ok":true,"faults":[...]}
//   anything that fails                                                       -> {"ok":false,"error":"...","code":"KIA_INPUT"}
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { InputError, KiaError, LabError, type ErrorCode } from '../../errors.ts';
import type { ComponentId } from '../../model/index.ts';
import { parseComponent, parseFault, type FaultRecord } from './faults.ts';
import type { Lab } from '../index.ts';

export const CONTROL_SOCKET = 'control.sock';

export type ControlRequest = { op: 'fault'; node: string; component: ComponentId | string; fault: string } | { op: 'status' };

export type ControlResponse = { ok: true; faults: FaultRecord[] } | { ok: false; error: string; code: ErrorCode };

const MAX_LINE = 64 * 1024;

export function controlPath(dir: string): string {
  return join(dir, CONTROL_SOCKET);
}

async function handle(lab: Pick<Lab, 'fault' | 'faults'>, line: string): Promise<ControlResponse> {
  try {
    const request = JSON.parse(line) as ControlRequest;
    if (request.op === 'fault') await lab.fault(request.node, parseComponent(request.component), parseFault([request.fault]));
    else if (request.op !== 'status') throw new LabError(`unknown control request ${JSON.stringify((request as { op?: unknown }).op)}`);
    return { ok: true, faults: [...lab.faults] };
  } catch (error) {
    if (error instanceof KiaError) return { ok: false, error: error.message, code: error.code };
    return { ok: false, error: error instanceof Error ? error.message : String(error), code: 'KIA_LAB' };
  }
}

/** Serves the control socket of a running lab until close(), which also removes the socket file. */
export async function serveControl(lab: Pick<Lab, 'fault' | 'faults'>, dir: string): Promise<{ path: string; close(): Promise<void> }> {
  const path = controlPath(dir);
  // A socket file left by a lab that died: nothing answers on it any more.
  if (existsSync(path)) rmSync(path, { force: true });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = '';
    let chain = Promise.resolve();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE) return socket.destroy();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        chain = chain.then(async () => {
          const answer = await handle(lab, line);
          if (!socket.destroyed) socket.write(JSON.stringify(answer) + '\n');
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    path,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(path, { force: true });
    },
  };
}

/** Sends one request to a running lab's control socket. No socket or nobody listening: InputError (a bad target). */
export function callControl(dir: string, request: ControlRequest, timeoutMs = 60_000): Promise<ControlResponse> {
  const path = controlPath(dir);
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let buffered = '';
    let settled = false;
    const finish = (error: Error | undefined, answer?: ControlResponse) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(answer as ControlResponse);
    };
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => finish(new LabError(`the lab in ${dir} did not answer within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      try {
        finish(undefined, JSON.parse(buffered.slice(0, newline)) as ControlResponse);
      } catch (error) {
        finish(new LabError(`the lab in ${dir} answered something that is not JSON`, { cause: error }));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const gone = error.code === 'ENOENT' || error.code === 'ECONNREFUSED';
      finish(gone ? new InputError(`no running lab in ${dir} (nothing listens on ${path})`, { cause: error }) : new LabError(`cannot reach the lab in ${dir}: ${error.message}`, { cause: error }));
    });
    socket.on('close', () => finish(new LabError(`the lab in ${dir} closed the control socket without answering`)));
  });
}
