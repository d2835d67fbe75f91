export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/**
 * A warning that is written at most once per `everyMs`: a loop that fails on every tick while Redis or
 * MySQL is away (every 50-500 ms) would otherwise flood the log with one line per tick.
 */
export function createThrottledWarn(
  log: WarnLogger,
  msg: string,
  everyMs = 5000,
): (err: unknown, context?: object) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  return (err, context) => {
    const now = Date.now();
    if (now - lastAt < everyMs) return;
    lastAt = now;
    log.warn({ err, ...context }, msg);
  };
}

export interface PeriodicTaskOptions {
  /**
   * One tick. A number it returns is the delay before the next tick (0: at once, as when more work is
   * waiting); otherwise the next tick comes `intervalMs` after this one ended.
   */
  tick: () => Promise<unknown>;
  intervalMs: number;
  /** Delay before the first tick; `intervalMs` unless given. */
  firstDelayMs?: number;
  /** A tick that threw; the loop goes on. */
  onError: (err: unknown) => void;
}

export interface PeriodicTask {
  /** Starts the loop; a second call does nothing. */
  start(): void;
  /** Ends the loop: no tick starts afterwards, and the one in progress is awaited. */
  stop(): Promise<void>;
}

/**
 * A background loop whose ticks never overlap: the next is scheduled only once the previous one
 * settled (a setInterval would stack ticks up behind a slow Redis).
 */
export function createPeriodicTask(opts: PeriodicTaskOptions): PeriodicTask {
  let isRunning = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  function schedule(delayMs: number) {
    if (!isRunning) return;
    timer = setTimeout(() => {
      let next = opts.intervalMs;
      inFlight = opts
        .tick()
        .then((delay) => {
          if (typeof delay === 'number') next = delay;
        })
        .catch((err: unknown) => opts.onError(err))
        .finally(() => {
          inFlight = undefined;
          schedule(next);
        });
    }, delayMs);
  }

  return {
    start() {
      if (isRunning) return;
      isRunning = true;
      schedule(opts.firstDelayMs ?? opts.intervalMs);
    },
    async stop() {
      isRunning = false;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
