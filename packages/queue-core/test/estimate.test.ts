import { describe, expect, it } from 'vitest';
import { advisePollAfterMs, estimateWaitSeconds, MAX_ESTIMATE_SECONDS } from '../src/estimate.ts';

describe('the wait estimate', () => {
  it('divides the position by the measured rate', () => {
    expect(estimateWaitSeconds(100, 5, 50)).toBe(20);
    expect(estimateWaitSeconds(1, 50, 50)).toBe(0);
  });

  it('falls back to the configured rate before any admission', () => {
    expect(estimateWaitSeconds(100, Number.NaN, 50)).toBe(2);
    expect(estimateWaitSeconds(100, 0, 25)).toBe(4);
  });

  it('is capped at a day when nothing moves', () => {
    expect(estimateWaitSeconds(1_000_000, 1e-9, 50)).toBe(MAX_ESTIMATE_SECONDS);
  });
});

describe('the polling advice', () => {
  it('grows with the distance from the front', () => {
    const advice = [1, 10, 100, 1000, 10_000].map((p) => advisePollAfterMs(p, 50, 60));
    for (let i = 1; i < advice.length; i++) expect(advice[i]).toBeGreaterThanOrEqual(advice[i - 1]!);
    expect(advice[0]).toBe(500);
    expect(advice[3]).toBe(4000);
  });

  it('is never more than half the idle timeout', () => {
    for (const idle of [1, 7, 60, 600]) {
      expect(advisePollAfterMs(1_000_000, 1, idle)).toBeLessThanOrEqual((idle * 1000) / 2);
    }
  });
});
