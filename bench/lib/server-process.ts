import type { ChildProcess } from 'node:child_process';
import { forkTs, readChildCpu, stopChild, waitForMessage } from './child-process.ts';
import type { CpuSample } from './ipc.ts';

export interface ServerProcess {
  name: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  child: ChildProcess;
  readCpu(): Promise<CpuSample>;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  name: string;
  /** A module that builds a Fastify app and hands it to `serveToParent` (lib/serve-child.ts). */
  entry: string | URL;
  env?: Record<string, string>;
  cpuProfileDir?: string;
  readyTimeoutMs?: number;
}

/**
 * Runs a server under test in its own process, so that it never shares an event loop with the load
 * generator or the bench. Resolves once it listens on 127.0.0.1.
 */
export async function startServerProcess(opts: StartServerOptions): Promise<ServerProcess> {
  const child = forkTs(opts);
  try {
    const port = await waitForMessage(child, `${opts.name} start`, opts.readyTimeoutMs ?? 30_000, (m) =>
      m.type === 'ready' ? m.port : undefined,
    );
    return {
      name: opts.name,
      url: `http://127.0.0.1:${port}`,
      pid: child.pid!,
      child,
      readCpu: () => readChildCpu(child, opts.name),
      stop: () => stopChild(child),
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}
