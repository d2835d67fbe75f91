/**
 * Tunables that @concert/config does not parse yet. Each is read from the environment with a
 * documented default, and tests pass them directly. They belong in `loadBookingConfig()`; until then
 * this is the one place that reads them.
 */
export interface BookingTuning {
  /** How long a request waits for a free MySQL connection before it answers 503 (driver `acquireTimeout`). */
  DATABASE_ACQUIRE_TIMEOUT_MS: number;
  /** Hold-expiry jobs one worker process runs at once. */
  HOLD_EXPIRY_CONCURRENCY: number;
  /** How often the journal reads the rooms' event streams when the last read found nothing. */
  JOURNAL_POLL_INTERVAL_MS: number;
  /** Stream entries the journal reads from one room per read. */
  JOURNAL_READ_COUNT: number;
}

const DEFAULTS: BookingTuning = {
  DATABASE_ACQUIRE_TIMEOUT_MS: 3000,
  HOLD_EXPIRY_CONCURRENCY: 8,
  JOURNAL_POLL_INTERVAL_MS: 500,
  JOURNAL_READ_COUNT: 200,
};

const BOUNDS: Record<keyof BookingTuning, [number, number]> = {
  DATABASE_ACQUIRE_TIMEOUT_MS: [100, 600_000],
  HOLD_EXPIRY_CONCURRENCY: [1, 1000],
  JOURNAL_POLL_INTERVAL_MS: [10, 60_000],
  JOURNAL_READ_COUNT: [1, 100_000],
};

export function loadBookingTuning(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<BookingTuning> = {},
): BookingTuning {
  const out = { ...DEFAULTS };
  const problems: string[] = [];
  for (const name of Object.keys(DEFAULTS) as (keyof BookingTuning)[]) {
    const [min, max] = BOUNDS[name];
    const raw = overrides[name] ?? env[name];
    if (raw === undefined || raw === '') continue;
    const value = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}: must be an integer from ${min} to ${max}`);
      continue;
    }
    out[name] = value;
  }
  if (problems.length > 0) throw new Error(`booking-api: invalid configuration: ${problems.join('; ')}`);
  return out;
}

/**
 * The database URL with the driver's pool acquire timeout set, unless the URL already sets one. The
 * driver's default (10 s, and Prisma waits for two attempts) would hold a request for 20 s while
 * MySQL is down instead of answering 503 at once.
 */
export function withAcquireTimeout(databaseUrl: string, timeoutMs: number): string {
  const url = new URL(databaseUrl);
  if (!url.searchParams.has('acquireTimeout')) url.searchParams.set('acquireTimeout', String(timeoutMs));
  return url.toString();
}
