/**
 * The wait estimate and polling advice, from what one Redis round trip returned.
 *
 *   rate                 = the room's measured admission rate (EWMA, tau 60 s, updated by the promoter
 *                          only while users wait), or admitPerSecond before any admission
 *   estimatedWaitSeconds = round(position / rate), capped at a day
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
const MIN_POLL_MS = 500;
const MAX_POLL_MS = 30_000;

export function estimateWaitSeconds(position: number, measuredRate: number, admitPerSecond: number): number {
  const rate = Number.isFinite(measuredRate) && measuredRate > 0 ? measuredRate : admitPerSecond;
  if (!(rate > 0)) return MAX_ESTIMATE_SECONDS;
  return Math.min(MAX_ESTIMATE_SECONDS, Math.round(position / rate));
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
