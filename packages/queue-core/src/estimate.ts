/**
 * The wait estimate and polling advice, from what one Redis round trip returned.
 *
 *   rate                 = the room's measured admission rate (EWMA, tau 10 s, updated by the promoter
 *                          only while users wait), or admitPerSecond before any admission
 *   estimatedWaitSeconds = round(position / rate), capped at a day
 *   pollAfterMs          = clamp(estimatedWaitSeconds * 1000 / 5, 500, min(30 000, idleTimeout / 2))
 *
 * Polling every fifth of the remaining wait keeps a client's view of its admission late by at most
 * a fifth of that wait, and the cap at half the idle timeout means a client that follows the advice is
 * never expired as idle.
 */
export const MAX_ESTIMATE_SECONDS = 86_400;
const MIN_POLL_MS = 500;
const MAX_POLL_MS = 30_000;

export function estimateWaitSeconds(position: number, measuredRate: number, admitPerSecond: number): number {
  const rate = Number.isFinite(measuredRate) && measuredRate > 0 ? measuredRate : admitPerSecond;
  if (!(rate > 0)) return MAX_ESTIMATE_SECONDS;
  return Math.min(MAX_ESTIMATE_SECONDS, Math.round(position / rate));
}

export function advisePollAfterMs(estimatedWaitSeconds: number, idleTimeoutSeconds: number): number {
  const ceiling = Math.min(MAX_POLL_MS, Math.floor((idleTimeoutSeconds * 1000) / 2));
  return Math.min(ceiling, Math.max(MIN_POLL_MS, Math.round((estimatedWaitSeconds * 1000) / 5)));
}
