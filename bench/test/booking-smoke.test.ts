import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPositiveFinite, runTinyBench, type TinyRun } from './run-tiny.ts';

// Its own database, so that a bench a developer runs meanwhile is not dropped under it (~25 s alone).
const run = () => runTinyBench('booking.ts', ['--database-name', 'bench_booking_smoke'], 80_000);
let outDir: string | undefined;

describe('bench:booking --tiny', () => {
  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('completes, reports every figure as a positive finite number, and sells each contended seat once', async () => {
    const result: TinyRun = await run();
    outDir = result.outDir;
    expect(result.code, result.stderr).toBe(0);

    const files = readdirSync(result.outDir).filter((f) => /^booking-.*\.json$/.test(f));
    expect(files).toHaveLength(1);
    const report = JSON.parse(readFileSync(path.join(result.outDir, files[0]!), 'utf8'));

    const byId = new Map<string, { value: number; isMet?: boolean }>(
      report.figures.map((f: { id: string; value: number; isMet?: boolean }) => [f.id, f]),
    );
    expect([...byId.keys()]).toEqual(
      expect.arrayContaining([
        'bare.rps',
        'bare.p50',
        'bare.p99',
        'select1.rps',
        'select1.p50',
        'select1.p99',
        'holds.rps',
        'holds.p50',
        'holds.p99',
        'contention.rps',
        'contention.p50',
        'contention.p99',
        'contention.successes',
        'contention.seatsWithOneLiveReservation',
        'payments.rps',
        'payments.p50',
        'payments.p99',
        'rawSelect1.rps',
        'floorHolds.rps',
        'floorPayments.rps',
        'seatsCached.rps',
        'seatsUncached.rps',
      ]),
    );
    for (const f of report.figures) {
      expect(isPositiveFinite(f.value), `${f.id} = ${f.value}`).toBe(true);
      if (f.baseline) {
        expect(isPositiveFinite(f.baseline.value), `${f.id} baseline`).toBe(true);
        expect(isPositiveFinite(f.ratio), `${f.id} ratio`).toBe(true);
      }
      for (const b of f.moreBaselines ?? []) {
        expect(isPositiveFinite(b.value) && isPositiveFinite(b.ratio), `${f.id} vs ${b.label}`).toBe(true);
      }
      if (f.target) expect(typeof f.isMet, `${f.id} met/missed`).toBe('boolean');
    }

    // An invariant, not a timing: however many ask, each of the 50 seats is held exactly once.
    expect(byId.get('contention.successes')).toMatchObject({ value: 50, isMet: true });
    expect(byId.get('contention.seatsWithOneLiveReservation')).toMatchObject({ value: 50, isMet: true });
    for (const c of report.contention) {
      expect(c).toMatchObject({ successes: 50, seatsWithOneLiveReservation: 50, liveReservations: 50 });
    }

    // The table is printed for people; the run's database and keys are gone.
    expect(result.stdout).toContain('| figure | value |');
    expect(result.stderr).toMatch(/dropped database concert_test_bench_booking_smoke/);
    expect(result.stderr).toMatch(/cleaned up \d+ keys under bench:booking:/);
  }, 90_000);
});
