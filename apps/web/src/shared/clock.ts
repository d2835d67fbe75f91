/**
 * The server's clock as seen from this page: expiresAt comes from the server, and a phone's clock can
 * be minutes off. Each answer's `Date` header (1 s resolution) corrects the offset; the smallest
 * correction seen wins, since a late-delivered answer only makes the server look behind.
 */
let offsetMs = 0;
let isCalibrated = false;

export function calibrateClock(response: Response | undefined, sentAt: number): void {
  const header = response?.headers.get('date');
  if (!header) return;
  const serverAt = Date.parse(header);
  if (Number.isNaN(serverAt)) return;
  // The Date header is truncated to the second: its true time is half a second later on average.
  const estimate = serverAt + 500 - (sentAt + Date.now()) / 2;
  offsetMs = isCalibrated && Math.abs(estimate) > Math.abs(offsetMs) ? offsetMs : estimate;
  isCalibrated = true;
}

/** Milliseconds until a server time. */
export const msUntil = (serverTime: string) => Date.parse(serverTime) - (Date.now() + offsetMs);
