/**
 * The wait estimate and polling advice, from what one Redis round trip returned.
 *
 *   rate                 = the room's measured admission rate (EWMA, tau 60 s, updated by the promoter
 *                          only while users wait), or admitPerSecond before any admission
 *   estimatedWaitSeconds = round(position / rate), at least 1 s and at most a day
 *   earliestAdmissionMs  = position / admitPerSecond × 1000: no one is admitted sooner, whatever the rate
 *   pollAfterMs          = clamp(earliestAdmissionMs / 5, 500, min(30 000, idleTimeout / 2))
 *
 * The advice follows the earliest possible admission, not the estimate: an admitted client that has
 * not polled yet holds an ACTIVE slot it does not use. Advice taken from a falling measured rate once
 * fed itself: slow admissions meant rare polls, rare polls meant slots held unused, and admissions
 * slowed further (seen in the 20,000-user on-sale run). The cap at half the idle timeout means a client
 * that follows the advice is never expired as idle.
 */
export const MAX_ESTIMATE_SECONDS = 86_400;
/**
 * A WAITING fan is told at least 1 s. Its admission comes at a promoter tick and it learns of it at its
 * next poll (pollAfterMs ≥ 500 ms), so "0 s" is never what it sees; the on-sale simulation found 90
 * of 519 estimates at 0 for waits of 1 s and more (positions up to 20 at 50 admissions a second).
 */
export const MIN_ESTIMATE_SECONDS = 1;
const bounded = (seconds: number) =>
  Math.min(MAX_ESTIMATE_SECONDS, Math.max(MIN_ESTIMATE_SECONDS, Math.round(seconds)));
const MIN_POLL_MS = 500;
const MAX_POLL_MS = 30_000;

export function estimateWaitSeconds(position: number, measuredRate: number, admitPerSecond: number): number {
  const rate = Number.isFinite(measuredRate) && measuredRate > 0 ? measuredRate : admitPerSecond;
  if (!(rate > 0)) return MAX_ESTIMATE_SECONDS;
  return bounded(position / rate);
}

/**
 * The room-level inputs of the estimate, computed by the promoter once per tick (promote.lua) and kept
 * in the room hash's `estimate` field as "rate;staleShare;sweepSeconds":
 *
 *   rate          the achieved admission rate (the EWMA above), which already holds the capacity bound:
 *                 while maxActive binds, admissions run only as fast as ACTIVE tokens finish
 *   staleShare    the share of WAITING tokens not seen for staleMs = min(poll ceiling + 5 s, ¾ idleTimeout),
 *                 where the poll ceiling min(30 s, idleTimeout / 2) is the longest advice a client gets:
 *                 abandoned places, which the idle sweep removes within sweepSeconds =
 *                 idleTimeout − staleMs, unless admitted first
 *   sweepSeconds  as above
 *   stallSeconds  see below
 */
export interface EstimateModel {
  rate: number;
  staleShare: number;
  sweepSeconds: number;
  /**
   * Seconds until admissions resume when every slot is taken and the first to free (the lowest ACTIVE
   * expiry) belongs to a client that was admitted and has not polled since, 3 s past the poll its last
   * advice asked for: its idle deadline (promote.lua, step 6a).
   * The rate is not updated over such a stall, so that it says how fast the line moves once it resumes.
   */
  stallSeconds: number;
}

/** Parses the `estimate` field ("rate;staleShare;sweepSeconds"), or a bare rate, or nothing. */
export function parseEstimateModel(raw: string | null | undefined): EstimateModel | null {
  if (!raw) return null;
  const [rate, stale, sweep, stall] = raw.split(';').map(Number);
  if (!(Number.isFinite(rate) && rate! > 0)) return null;
  const staleShare = Number.isFinite(stale) ? Math.min(1, Math.max(0, stale!)) : 0;
  const sweepSeconds = Number.isFinite(sweep) ? Math.max(0, sweep!) : 0;
  const stallSeconds = Number.isFinite(stall) ? Math.max(0, stall!) : 0;
  return { rate: rate!, staleShare, sweepSeconds, stallSeconds };
}

/**
 * The wait from a position and the room's model. Admissions resume after the stall S and then run at
 * `rate`, so the place k ahead would be admitted at S + k / rate. Abandoned places are spread along the
 * line like any other (share s), and each is swept at a time uniform over the next L seconds, so the one
 * k ahead leaves unadmitted with probability min(1, (S + k / rate) / L). Summed over k = 1..position,
 * with k* = clamp((L − S) × rate, 0, position) the place whose turn comes at L:
 *
 *   swept = s × ((S × k* + k*² / (2 rate)) / L + position − k*)
 *
 * and the wait is S + (position − swept) / rate, rounded, at least 1 s and at most a day.
 */
export function modelWaitSeconds(position: number, model: EstimateModel): number {
  const { rate, staleShare: s, sweepSeconds: L, stallSeconds: stall } = model;
  if (!(rate > 0)) return MAX_ESTIMATE_SECONDS;
  let swept = 0;
  if (s > 0) {
    const kStar = Math.min(position, Math.max(0, (L - stall) * rate));
    const inHorizon = L > 0 ? (stall * kStar + (kStar * kStar) / (2 * rate)) / L : 0;
    swept = s * (inHorizon + position - kStar);
  }
  return bounded(stall + Math.max(0, position - swept) / rate);
}

let lastRaw: string | undefined;
let lastModel: EstimateModel | null = null;

/**
 * parseEstimateModel of the last field seen again: a replica answers every poll of a room from the
 * same field until its next tick, so the split and parse run once per tick, not once per poll.
 */
function parseEstimateModelOnce(raw: string): EstimateModel | null {
  if (raw !== lastRaw) {
    lastModel = parseEstimateModel(raw);
    lastRaw = raw;
  }
  return lastModel;
}

/** The estimate from the room hash's `estimate` field when the promoter wrote one, else from the rate alone. */
export function estimateFromRoom(position: number, estimate: string, admitPerSecond: number): number {
  const model = parseEstimateModelOnce(estimate);
  return model
    ? modelWaitSeconds(position, model)
    : estimateWaitSeconds(position, Number.NaN, admitPerSecond);
}

export function advisePollAfterMs(
  position: number,
  admitPerSecond: number,
  idleTimeoutSeconds: number,
): number {
  const ceiling = Math.min(MAX_POLL_MS, Math.floor((idleTimeoutSeconds * 1000) / 2));
  const earliestAdmissionMs = (position * 1000) / Math.max(admitPerSecond, 1e-3);
  return Math.min(ceiling, Math.max(MIN_POLL_MS, Math.round(earliestAdmissionMs / 5)));
}
