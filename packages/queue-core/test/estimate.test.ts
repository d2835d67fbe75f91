import { describe, expect, it } from 'vitest';
import {
  advisePollAfterMs,
  estimateFromRoom,
  estimateWaitSeconds,
  MAX_ESTIMATE_SECONDS,
  modelWaitSeconds,
  parseEstimateModel,
} from '../src/estimate.ts';

describe('the wait estimate', () => {
  it('divides the position by the measured rate', () => {
    expect(estimateWaitSeconds(100, 5, 50)).toBe(20);
    expect(estimateWaitSeconds(76, 50, 50)).toBe(2);
  });

  it('never tells a WAITING fan 0 s', () => {
    expect(estimateWaitSeconds(1, 50, 50)).toBe(1);
    expect(estimateWaitSeconds(24, 50, 50)).toBe(1);
    expect(estimateFromRoom(1, '50.000000;0.000000;25.000;0.000', 50)).toBe(1);
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

describe('the estimate model', () => {
  it('is position / rate when nobody ahead has stopped polling', () => {
    expect(modelWaitSeconds(1000, { rate: 40, staleShare: 0, sweepSeconds: 25, stallSeconds: 0 })).toBe(25);
  });

  it('takes off every stale place ahead that the sweep removes before its turn', () => {
    // 10% stale, swept within 25 s; 100 s of line at 40/s: the first 25 s of places keep half
    // their stale ones on average (admitted before their sweep), the rest lose them all.
    const m = { rate: 40, staleShare: 0.1, sweepSeconds: 25, stallSeconds: 0 };
    const swept = 0.1 * (4000 - (40 * 25) / 2);
    expect(modelWaitSeconds(4000, m)).toBe(Math.round((4000 - swept) / 40));
    // far back, the whole stale share goes: the wait tends to 90% of position / rate
    expect(modelWaitSeconds(400_000, m) / (400_000 / 40)).toBeCloseTo(0.9, 2);
  });

  it('counts few stale places as swept near the front, where they are admitted first', () => {
    const m = { rate: 40, staleShare: 0.1, sweepSeconds: 25, stallSeconds: 0 };
    // 10 s of line: each stale place k ahead is swept first with probability (k / 40) / 25.
    const swept = (0.1 * 400 * 10) / 50;
    expect(modelWaitSeconds(400, m)).toBe(Math.round((400 - swept) / 40));
    expect(modelWaitSeconds(1, m)).toBe(1);
  });

  it('is continuous where the line reaches the sweep horizon', () => {
    const m = { rate: 10, staleShare: 0.5, sweepSeconds: 30, stallSeconds: 0 };
    const below = modelWaitSeconds(299.999, m);
    const above = modelWaitSeconds(300.001, m);
    expect(Math.abs(above - below)).toBeLessThanOrEqual(1);
  });

  it('waits out a stall before the line moves again, and lets the sweep work during it', () => {
    expect(modelWaitSeconds(400, { rate: 40, staleShare: 0, sweepSeconds: 25, stallSeconds: 30 })).toBe(40);
    // a 30 s stall outlasts the 25 s sweep horizon: every stale place ahead is gone by its turn
    expect(modelWaitSeconds(400, { rate: 40, staleShare: 0.1, sweepSeconds: 25, stallSeconds: 30 })).toBe(
      Math.round(30 + 360 / 40),
    );
  });

  it('reads the promoter’s field, a bare rate, or falls back to the configured rate', () => {
    expect(parseEstimateModel('42.5;0.1;25')).toEqual({
      rate: 42.5,
      staleShare: 0.1,
      sweepSeconds: 25,
      stallSeconds: 0,
    });
    expect(parseEstimateModel('42.5')).toEqual({
      rate: 42.5,
      staleShare: 0,
      sweepSeconds: 0,
      stallSeconds: 0,
    });
    expect(parseEstimateModel('40;0;25;12.5')?.stallSeconds).toBe(12.5);
    expect(parseEstimateModel('')).toBeNull();
    expect(parseEstimateModel('0;0;25')).toBeNull();
    expect(estimateFromRoom(100, '', 50)).toBe(2);
    expect(estimateFromRoom(100, '25.000000;0.000000;25.000', 50)).toBe(4);
    expect(estimateFromRoom(1_000_000, '0.000001;0;0', 50)).toBe(MAX_ESTIMATE_SECONDS);
  });
});
