import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, CpuSample, ParentMessage } from './ipc.ts';

/** tsx's loader, resolved from this package, so children run TypeScript whatever the working directory. */
const TSX_LOADER = import.meta.resolve('tsx');

export interface ForkOptions {
  /** Absolute path or file URL of the TypeScript entry. */
  entry: string | URL;
  /** Extra environment for the child, on top of this process's. */
  env?: Record<string, string>;
  /**
   * Write V8 CPU profiles of the child into `<cpuProfileDir>/<name>/` when it exits: one per thread
   * (tsx's loader runs in a second one); the main thread's is the largest.
   */
  cpuProfileDir?: string;
  /** A name for messages and the profile file. */
  name: string;
}

/** Forks a TypeScript entry with an IPC channel; its stdout and stderr go to ours. */
export function forkTs(opts: ForkOptions): ChildProcess {
  const entry = typeof opts.entry === 'string' ? opts.entry : fileURLToPath(opts.entry);
  const execArgv = ['--import', TSX_LOADER];
  if (opts.cpuProfileDir) {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.join(opts.cpuProfileDir, opts.name)}`);
  }
  return fork(entry, [], {
    execArgv,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Waits for the first message that `pick` accepts; rejects on exit, error or timeout. */
export function waitForMessage<T>(
  child: ChildProcess,
  what: string,
  timeoutMs: number,
  pick: (m: ChildMessage) => T | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: ChildMessage) => {
      if (m.type === 'error') return finish(new Error(`${what}: ${m.message}`));
      const value = pick(m);
      if (value !== undefined) finish(undefined, value);
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`${what}: the process exited (code ${code}, signal ${signal})`));
    const onError = (err: Error) => finish(err);
    function finish(err?: Error, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) reject(err);
      else resolve(value as T);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

export function sendToChild(child: ChildProcess, m: ParentMessage): void {
  if (child.connected) child.send(m);
}

let nextSampleId = 1;

/** Asks a child for its CPU sample (answered by serveToParent or the load worker). */
export function readChildCpu(child: ChildProcess, what: string): Promise<CpuSample> {
  const id = nextSampleId++;
  const answer = waitForMessage(child, `${what} cpu sample`, 5000, (m) =>
    m.type === 'cpu' && m.id === id ? m.sample : undefined,
  );
  sendToChild(child, { type: 'cpu', id });
  return answer;
}

/** Asks a child to exit, and kills it if it has not within `graceMs`. Resolves once it is gone. */
export async function stopChild(child: ChildProcess, graceMs = 8000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  sendToChild(child, { type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
