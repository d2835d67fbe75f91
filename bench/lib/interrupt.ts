/**
 * Ctrl-C during a run: stop the children and delete the run's keys before leaving, instead of leaving
 * a million-token queue in a shared Redis. Each bench registers what to undo while it runs.
 */
const tasks = new Set<() => Promise<void>>();
let isInstalled = false;

export function onInterrupt(task: () => Promise<void>): () => void {
  tasks.add(task);
  return () => tasks.delete(task);
}

export function installInterruptHandler(): void {
  if (isInstalled) return;
  isInstalled = true;
  const handle = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: cleaning up…`);
    // Bounded: a second signal or 30 s ends it regardless.
    setTimeout(() => process.exit(130), 30_000).unref();
    process.once(signal, () => process.exit(130));
    void Promise.allSettled([...tasks].map((t) => t())).finally(() => process.exit(130));
  };
  process.once('SIGINT', handle);
  process.once('SIGTERM', handle);
}
