import { describe, expect, it } from 'vitest';
import { estimateErrors } from '../src/estimate-error.ts';

describe('estimateErrors', () => {
  it('measures every WAITING estimate against the wait that followed it, banded by that wait', () => {
    const r = estimateErrors([
      {
        tokenId: 1,
        abandonsWaiting: false,
        admittedAt: 100_000,
        sawActiveAt: 100_500,
        estimates: [
          { at: 0, seconds: 80, position: 10 }, // actual 100 s: 20%
          { at: 70_000, seconds: 30, position: 3 }, // actual 30 s: 0%
          { at: 95_000, seconds: 4, position: 1 }, // actual 5 s: 20%
          { at: 99_900, seconds: 0, position: 1 }, // actual 0.1 s counts as 1 s: 100%
        ],
      },
      // an abandoner's estimates are not counted
      { tokenId: 2, abandonsWaiting: true, estimates: [{ at: 0, seconds: 1, position: 2 }] },
    ]);
    expect(r.overall.estimates).toBe(4);
    expect(r.bands.over60s).toMatchObject({ estimates: 1, p50Percent: 20 });
    expect(r.bands['10to60s']).toMatchObject({ estimates: 1, p50Percent: 0 });
    expect(r.bands.under10s).toMatchObject({ estimates: 2, p90Percent: 100 });
    expect(r.firstActivePollGap.p50Seconds).toBe(0.5);
  });

  it('gives the floor a perfect estimate in whole seconds would reach', () => {
    const r = estimateErrors([
      {
        tokenId: 1,
        abandonsWaiting: false,
        admittedAt: 10_000,
        estimates: [
          { at: 7_500, seconds: 3, position: 1 }, // actual 2.5 s: 3 or 2 is 20% off at best
          { at: 8_000, seconds: 2, position: 1 }, // actual 2 s: exact
        ],
      },
    ]);
    expect(r.overall.p90Percent).toBe(20);
    expect(r.overall.wholeSecondsP90Percent).toBe(20);
    expect(r.overall.p50Percent).toBe(0);
  });

  it('counts as left ahead the share of the position not admitted before the user', () => {
    const admitted = (tokenId: number, at: number) => ({
      tokenId,
      abandonsWaiting: false,
      admittedAt: at,
      estimates: [],
    });
    const r = estimateErrors([
      admitted(1, 1000),
      admitted(2, 2000),
      {
        tokenId: 4,
        abandonsWaiting: false,
        admittedAt: 3000,
        estimates: [{ at: 0, seconds: 3, position: 3 }],
      },
    ]);
    // 3 live ahead at the estimate, 2 of them admitted before: a third left.
    expect(r.overall.drivers.leftAheadP50).toBeCloseTo(0.333, 3);
    expect(r.overall.p50Percent).toBe(0);
  });
});
