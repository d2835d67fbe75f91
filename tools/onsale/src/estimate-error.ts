import { percentile, round } from '@concert/testing';

/** What the estimate's error is computed from, per user (see UserRecord in simulate.ts). */
export interface EstimateSample {
  tokenId: number;
  abandonsWaiting: boolean;
  /** Admission on the gateway's clock (expiresAt − activeTtlSeconds), ms. */
  admittedAt?: number | undefined;
  /** When this client first saw ACTIVE, ms. */
  sawActiveAt?: number | undefined;
  estimates: { at: number; seconds: number; position: number }[];
}

/** The bands of the actual remaining wait, in seconds: [lower, upper). */
export const WAIT_BANDS = [
  { name: 'under10s', from: 0, to: 10 },
  { name: '10to60s', from: 10, to: 60 },
  { name: 'over60s', from: 60, to: Number.POSITIVE_INFINITY },
] as const;

/** Actual waits below this are counted as this, so that a wait of 0.2 s does not weigh as 5× a wait of 1 s. */
export const MIN_ACTUAL_SECONDS = 1;

interface Figures {
  estimates: number;
  p50Percent: number | null;
  p90Percent: number | null;
  p50Seconds: number | null;
  p90Seconds: number | null;
  /**
   * The p90 a perfect estimate would reach here, rounded to whole seconds (at least 1) as the contract's
   * integer `estimatedWaitSeconds` must be: the floor under p90Percent. A wait of 2.5 s is 20% off at
   * best; where most waits are a few seconds, this alone can be above 15%.
   */
  wholeSecondsP90Percent: number | null;
  /** What drives the error, over the same estimates (median). */
  drivers: {
    /** Share of the live tokens ahead (the position) that left the line some other way than a seen admission before this user's admission. */
    leftAheadP50: number | null;
    /** Position ÷ actual wait: the rate at which the places ahead really drained, per second. */
    drainPerSecondP50: number | null;
    /** Seen admissions ahead ÷ actual wait, per second. */
    admittedPerSecondP50: number | null;
    /** Signed error (estimate − actual) ÷ actual, median: above 0 means too long. */
    signedP50Percent: number | null;
  };
}

/**
 * The error of every estimate given while WAITING, against the wait that followed it:
 *
 *   actual  = (admittedAt − at) / 1000, at least MIN_ACTUAL_SECONDS, where `at` is when the WAITING
 *             answer (join or poll) arrived and admittedAt the admission on the gateway's clock
 *   error   = |estimatedWaitSeconds − actual| / actual
 *
 * over users who were admitted and never abandoned, every estimate counted once; banded by `actual`.
 */
export function estimateErrors(records: readonly EstimateSample[]) {
  const admitted = records
    .filter((r) => r.admittedAt !== undefined)
    .sort((a, b) => a.admittedAt! - b.admittedAt! || a.tokenId - b.tokenId);
  const admittedTimes = admitted.map((r) => r.admittedAt!);
  const indexOf = new Map(admitted.map((r, i) => [r, i]));
  /** How many seen admissions happened at or before `t`. */
  const admittedBy = (t: number) => {
    let lo = 0;
    let hi = admittedTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (admittedTimes[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  type Row = {
    actual: number;
    err: number;
    errSeconds: number;
    best: number;
    signed: number;
    left: number;
    drain: number;
    adm: number;
  };
  const rows: Row[] = [];
  for (const r of admitted) {
    if (r.abandonsWaiting) continue;
    const mine = indexOf.get(r)!;
    for (const e of r.estimates) {
      const raw = (r.admittedAt! - e.at) / 1000;
      const actual = Math.max(MIN_ACTUAL_SECONDS, raw);
      const seenAhead = Math.max(0, mine - admittedBy(e.at));
      rows.push({
        actual,
        err: (100 * Math.abs(e.seconds - actual)) / actual,
        errSeconds: Math.abs(e.seconds - actual),
        best: (100 * Math.abs(Math.max(1, Math.round(actual)) - actual)) / actual,
        signed: (100 * (e.seconds - actual)) / actual,
        left: e.position > 0 ? 1 - Math.min(seenAhead, e.position) / e.position : 0,
        drain: e.position / actual,
        adm: seenAhead / actual,
      });
    }
  }
  const figures = (rs: Row[]): Figures => {
    const at = (key: keyof Row, q: number, digits?: number) =>
      round(
        percentile(
          rs.map((x) => x[key]),
          q,
        ),
        digits,
      );
    return {
      estimates: rs.length,
      p50Percent: at('err', 50),
      p90Percent: at('err', 90),
      p50Seconds: at('errSeconds', 50),
      p90Seconds: at('errSeconds', 90),
      wholeSecondsP90Percent: at('best', 90),
      drivers: {
        leftAheadP50: at('left', 50, 3),
        drainPerSecondP50: at('drain', 50),
        admittedPerSecondP50: at('adm', 50),
        signedP50Percent: at('signed', 50),
      },
    };
  };
  const gaps = admitted
    .filter((r) => !r.abandonsWaiting && r.sawActiveAt !== undefined)
    .map((r) => (r.sawActiveAt! - r.admittedAt!) / 1000);
  return {
    definition:
      'every estimate given while WAITING to a user admitted without abandoning: |estimate − actual| / actual, actual = admission − the answer’s arrival, at least 1 s; bands by actual',
    overall: figures(rows),
    bands: Object.fromEntries(
      WAIT_BANDS.map((b) => [b.name, figures(rows.filter((x) => x.actual >= b.from && x.actual < b.to))]),
    ) as Record<(typeof WAIT_BANDS)[number]['name'], Figures>,
    /** Admission → the client's first ACTIVE answer: a slot held but unused, seconds. */
    firstActivePollGap: {
      p50Seconds: round(percentile(gaps, 50), 2),
      p90Seconds: round(percentile(gaps, 90), 2),
      maxSeconds: round(gaps.length ? Math.max(...gaps) : Number.NaN, 2),
    },
  };
}
