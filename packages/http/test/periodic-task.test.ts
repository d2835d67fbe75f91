import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createPeriodicTask, createThrottledWarn } from '../src/periodic-task.ts';

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('createPeriodicTask', () => {
  it('ticks again and again, never two at once, and goes on after a tick that threw', async () => {
    let ticks = 0;
    let running = 0;
    let maxRunning = 0;
    const errors: unknown[] = [];
    const task = createPeriodicTask({
      intervalMs: 5,
      firstDelayMs: 0,
      onError: (err) => errors.push(err),
      tick: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        ticks++;
        await sleep(15);
        running--;
        if (ticks === 2) throw new Error('tick 2 failed');
      },
    });
    task.start();
    task.start();
    await until(() => ticks >= 5, 'five ticks');
    await task.stop();
    expect(maxRunning).toBe(1);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('tick 2 failed');
  });

  it('takes the delay a tick returns, and stop() waits for the tick in progress, then ends the loop', async () => {
    let ticks = 0;
    let isTickDone = false;
    const task = createPeriodicTask({
      // Only the returned 0 lets more than one tick happen within this test.
      intervalMs: 60_000,
      firstDelayMs: 0,
      onError: () => undefined,
      tick: async () => {
        ticks++;
        isTickDone = false;
        await sleep(20);
        isTickDone = true;
        return ticks < 3 ? 0 : undefined;
      },
    });
    task.start();
    await until(() => ticks === 3, 'three ticks');
    await task.stop();
    expect(isTickDone).toBe(true);
    await sleep(50);
    expect(ticks).toBe(3);
  });

  it('never ticks once stopped before its first tick', async () => {
    let ticks = 0;
    const task = createPeriodicTask({
      intervalMs: 10,
      onError: () => undefined,
      tick: async () => {
        ticks++;
      },
    });
    task.start();
    await task.stop();
    await sleep(40);
    expect(ticks).toBe(0);
  });
});

describe('createThrottledWarn', () => {
  it('writes the first warning, then none within the window, with the context merged', async () => {
    const lines: [object, string][] = [];
    const warn = createThrottledWarn({ warn: (obj, msg) => lines.push([obj, msg]) }, 'tick failed', 50);
    const first = new Error('first');
    warn(first, { concertId: 7 });
    warn(new Error('second'));
    expect(lines).toEqual([[{ err: first, concertId: 7 }, 'tick failed']]);
    await sleep(60);
    const third = new Error('third');
    warn(third);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual([{ err: third }, 'tick failed']);
  });
});
