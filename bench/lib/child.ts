/**
 * The one harness for every child process (the servers under test, the load generator, the SQL probe),
 * so that nothing measured shares an event loop with the bench. Both sides of it live here.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** A process's CPU and event-loop time so far; two samples give the cores it used and its loop's utilisation. */
export function sampleCpu() {
  const { user, system } = process.cpuUsage();
  const { idle, active } = performance.eventLoopUtilization();
  return {
    userUs: user,
    systemUs: system,
    eluIdleMs: idle,
    eluActiveMs: active,
    atMs: performance.now(),
    wallMs: Date.now(),
  };
}
export type CpuSample = ReturnType<typeof sampleCpu>;

const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** Cores used between two samples (1.0 = one core busy all along) and the event loop's utilisation. */
export function cpuBetween(a: CpuSample, b: CpuSample) {
  const ms = b.wallMs - a.wallMs;
  const cpuMs = (b.userUs - a.userUs + b.systemUs - a.systemUs) / 1000;
  const [idle, active] = [b.eluIdleMs - a.eluIdleMs, b.eluActiveMs - a.eluActiveMs];
  return {
    cores: ms > 0 ? r3(cpuMs / ms) : 0,
    eventLoopUtilization: idle + active > 0 ? r3(active / (idle + active)) : 0,
  };
}

type Message = { type: string; id?: number; port?: number; message?: string; [k: string]: unknown };
/** tsx's loader, resolved from this package, so that children run TypeScript from any directory. */
const TSX_LOADER = import.meta.resolve('tsx');
const isGone = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
const send = (child: ChildProcess, m: Message) => child.connected && child.send(m);

/** Forks a TypeScript entry with an IPC channel; with `profileDir`, its V8 CPU profiles go to `<profileDir>/<name>/`. */
function forkTs(file: string, name: string, args: string[] = [], env = {}, profileDir = '') {
  const execArgv = ['--import', TSX_LOADER];
  if (profileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`);
  const entry = fileURLToPath(new URL(file, import.meta.url));
  return fork(entry, args, {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The first message of `type` (that `match` accepts); rejects on an `error` message, an exit, or after `ms`. */
function waitFor(child: ChildProcess, type: string, what: string, ms: number, match = (_m: Message) => true) {
  return new Promise<Message>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what}: no answer within ${ms} ms`)), ms);
    const onMessage = (m: Message) => {
      if (m.type === 'error') finish(new Error(`${what}: ${m.message}`));
      else if (m.type === type && match(m)) finish(undefined, m);
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`${what}: the process exited (code ${code}, signal ${signal})`));
    function finish(err?: Error, m?: Message) {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit).off('error', finish);
      if (err) reject(err);
      else resolve(m!);
    }
    child.on('message', onMessage).on('exit', onExit).on('error', finish);
  });
}

export type ServerKind = 'bare' | 'gateway' | 'booking';
export type ServerProcess = Awaited<ReturnType<typeof startServer>>;
let nextSampleId = 1;

/** A server under test (lib/servers.ts) in its own process; resolves once it listens on 127.0.0.1. */
export async function startServer(
  name: string,
  kind: ServerKind,
  env: Record<string, string>,
  profileDir = '',
) {
  const child = forkTs('./servers.ts', name, [kind], env, profileDir);
  const ready = await waitFor(child, 'ready', `${name} start`, 30_000).catch((err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    name,
    /** `http://127.0.0.1:<port>` */
    url: `http://127.0.0.1:${ready.port}`,
    pid: child.pid!,
    async readCpu() {
      const id = nextSampleId++;
      const answer = waitFor(child, 'cpu', `${name} cpu sample`, 5000, (m) => m.id === id);
      send(child, { type: 'cpu', id });
      return (await answer).sample as CpuSample;
    },
    /** Asks it to close, and kills it after 8 s. Resolves once it is gone. */
    async stop() {
      if (isGone(child)) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      send(child, { type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The server side: listen on an ephemeral port, answer CPU samples, close when asked or orphaned. */
export async function serveToParent(app: FastifyInstance): Promise<void> {
  let isClosing = false;
  const close = async () => {
    if (isClosing) return;
    isClosing = true;
    setTimeout(() => process.exit(0), 5000).unref();
    await app.close().catch(() => undefined);
    // A normal exit, so that --cpu-prof writes its profile.
    process.exit(0);
  };
  process.on('message', (m: Message) => {
    if (m.type === 'cpu') process.send!({ type: 'cpu', id: m.id, sample: sampleCpu() });
    if (m.type === 'stop') void close();
  });
  process.on('disconnect', close).on('SIGTERM', close);
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ type: 'ready', port: (app.server.address() as AddressInfo).port });
}

/**
 * One load (lib/load-worker.ts) in its own process, through one handshake: `run` → the child warms up
 * and says `warmed` → `beforeMain` → `go` → the child says `finished` at the end of the measured window
 * (a counted run's last response) → `afterMain` → its `result`. A stuck child is killed 60 s past its
 * planned end.
 */
export async function runInChild<R>(
  spec: { title: string; warmupSeconds: number; durationSeconds: number },
  beforeMain: () => Promise<void>,
  afterMain: () => Promise<void>,
): Promise<R> {
  const child = forkTs('./load-worker.ts', `load-${spec.title}`);
  const ms = (spec.warmupSeconds + spec.durationSeconds) * 1000 + 60_000;
  const deadline = setTimeout(() => child.kill('SIGKILL'), ms);
  try {
    const warmed = waitFor(child, 'warmed', `${spec.title} warm-up`, ms);
    send(child, { type: 'run', spec });
    await warmed;
    await beforeMain();
    // Both listeners before 'go': the child sends 'finished' and 'result' back to back.
    const finished = waitFor(child, 'finished', `${spec.title} run`, ms);
    const done = waitFor(child, 'result', `${spec.title} result`, ms);
    done.catch(() => undefined);
    send(child, { type: 'go' });
    await finished;
    await afterMain();
    return (await done).result as R;
  } finally {
    clearTimeout(deadline);
    if (!isGone(child)) child.kill('SIGKILL');
  }
}

/** The load side of `runInChild`: `run` calls `warmed()` after its warm-up (it resolves on `go`) and `finished()`. */
export function serveLoad<S>(
  run: (spec: S, warmed: () => Promise<void>, finished: () => void) => Promise<unknown>,
) {
  const reply = (m: Message, code: number) => process.send!(m, undefined, {}, () => process.exit(code));
  const warmed = () =>
    new Promise<void>((resolve) => {
      process.on('message', (m: Message) => m.type === 'go' && resolve());
      process.send!({ type: 'warmed' });
    });
  process.on('message', (m: Message) => {
    if (m.type !== 'run') return;
    run(m.spec as S, warmed, () => process.send!({ type: 'finished' })).then(
      (result) => reply({ type: 'result', result }, 0),
      (err: unknown) =>
        reply({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 1),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
