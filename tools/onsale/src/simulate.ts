import { bearer } from '@concert/client';
import { DEFAULT_DATABASE_URL } from '@concert/config';
import { createPrismaClient } from '@concert/db';
import { signUserToken } from '@concert/identity';
import { mulberry32, percentile, round } from '@concert/testing';
import { estimateErrors } from './estimate-error.ts';
import { auditSale, prepareSale, type SaleShape } from './fixtures.ts';
import { Client, type TypedAnswer } from './http.ts';
import type { Progress } from './progress.ts';

export interface RoomSettings {
  maxActive: number;
  admitPerSecond: number;
  activeTtlSeconds: number;
  idleTimeoutSeconds: number;
}

export interface OnSaleOptions {
  gatewayUrl: string;
  bookingUrl: string;
  adminKey: string;
  /** MySQL, read only for the audit at the end (sold seats, double bookings). */
  databaseUrl: string;
  /**
   * The identity provider's HS256 secret (the services' AUTH_JWT_SECRET): the simulation signs each
   * user's token as that provider would, before the sale starts.
   */
  authJwtSecret: string;
  /** `iss` and `aud` of the user tokens, when the services check them (AUTH_ISSUER, AUTH_AUDIENCE). */
  authIssuer?: string | undefined;
  authAudience?: string | undefined;
  /** An existing concert; when absent, a fresh one of `concert` is created through the catalog API. */
  concertId?: number | undefined;
  /** The fresh concert's dates and seats per date. */
  concert: SaleShape;
  users: number;
  /** First user id; the booking API provisions each user on the first sight of their user token. */
  userOffset: number;
  /** Arrivals are spread uniformly at random over this many seconds. */
  joinSeconds: number;
  /** Share of users who stop polling while they wait. */
  abandonWaiting: number;
  /** Share of users who hold a seat and never pay. */
  abandonHold: number;
  room: RoomSettings;
  /** How long to keep watching abandoned holds for their release. */
  holdWatchSeconds: number;
  /** Hard bound on the whole run. */
  maxSeconds: number;
  connections: number;
  seed: number;
  log?: (line: string) => void;
  /** Called after every read of the room's admin stats (every ~100 ms) while the users run. */
  progress?: (p: Progress) => void;
}

export const DEFAULT_OPTIONS: OnSaleOptions = {
  gatewayUrl: 'http://127.0.0.1:3000',
  bookingUrl: 'http://127.0.0.1:3001',
  adminKey: process.env.ADMIN_API_KEY ?? 'dev-admin-key',
  databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
  // scripts/start.sh's development secret, used when no identity provider is configured.
  authJwtSecret: process.env.AUTH_JWT_SECRET || 'development-only-user-token-secret-0123456789',
  authIssuer: process.env.AUTH_ISSUER || undefined,
  authAudience: process.env.AUTH_AUDIENCE || undefined,
  concert: { dates: 2, seatsPerDate: 50 },
  users: 2000,
  userOffset: 1,
  joinSeconds: 10,
  abandonWaiting: 0.1,
  abandonHold: 0.1,
  room: { maxActive: 100, admitPerSecond: 50, activeTtlSeconds: 600, idleTimeoutSeconds: 60 },
  holdWatchSeconds: 360,
  maxSeconds: 900,
  connections: 256,
  seed: 42,
};

/** One read of the room's admin stats: seconds since the users started, and its counts then. */
export interface TimelineSample {
  t: number;
  waiting: number;
  active: number;
}

/** A join's or a poll's answer, as the simulation reads it (any of the QueueStatus shapes). */
interface QueueAnswer {
  status: string;
  estimatedWaitSeconds?: number;
  position?: number;
  pollAfterMs?: number;
  expiresAt?: string;
  soldOut?: boolean;
}

type Outcome =
  | 'bought'
  | 'sold-out'
  /** Left the line at once when a WAITING status said soldOut, instead of waiting for a turn. */
  | 'left-on-sold-out'
  | 'abandoned-waiting'
  | 'abandoned-hold'
  | 'hold-lost'
  | 'expired-while-waiting'
  | 'error'
  | 'unfinished';

interface UserRecord {
  userId: number;
  tokenId: number;
  joinedAt: number;
  estimateSeconds: number;
  abandonsWaiting: boolean;
  abandonsHold: boolean;
  /** Admission time on the gateway's clock: expiresAt - activeTtlSeconds. */
  admittedAt?: number;
  positions: number[];
  /**
   * Every estimate this user was given while WAITING (the join's and each WAITING poll's), with the
   * moment its answer arrived (ms, this process's clock) and the position it came with.
   */
  estimates: { at: number; seconds: number; position: number }[];
  /** When this client first saw ACTIVE (the answer's arrival, this process's clock). */
  sawActiveAt?: number;
  /** A lower bound of when the gateway could expire this token as idle: its last WAITING poll's send time + idle timeout. */
  liveUntil: number;
  outcome: Outcome;
  /** For outcome 'error': the endpoint and code that failed. */
  error?: string;
  holdExpiresAt?: number;
  releasedAt?: number;
}

const MAX_POLLS = 10_000;
/** The room's timeline keeps one admin stats read per this many ms. */
const TIMELINE_EVERY_MS = 500;
/** At most this many users' (estimate, real wait) points go into the report's series. */
const MAX_WAIT_POINTS = 5000;
const MAX_HOLD_ATTEMPTS = 30;

function tokenIdOf(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    tid?: number;
  };
  return Number(payload.tid);
}

/**
 * Every user's token, signed before the sale as the identity provider would have issued them at login,
 * so that the load generator spends none of the run signing (jose signed 3,000 to 6,000 a second here,
 * one at a time).
 * Valid for the whole run and a margin.
 */
async function signUserTokens(opts: OnSaleOptions): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < opts.users; i++) {
    const { token } = await signUserToken(
      opts.authJwtSecret,
      { userId: opts.userOffset + i, name: `onsale-${opts.userOffset + i}` },
      { issuer: opts.authIssuer, audience: opts.authAudience, ttlSeconds: opts.maxSeconds + 3600 },
    );
    tokens.push(token);
  }
  return tokens;
}

export async function runOnSale(opts: OnSaleOptions) {
  const log = opts.log ?? (() => {});
  const random = mulberry32(opts.seed);
  const runId = `${Date.now().toString(36)}${Math.floor(random() * 1e6).toString(36)}`;
  const abort = new AbortController();
  const client = new Client(opts.connections, opts);
  abort.signal.addEventListener('abort', () => void client.destroy());
  const prisma = createPrismaClient(opts.databaseUrl, { poolSize: 2 });
  // Every wait ends early when the run is aborted. The pending waits live in a Set, not as listeners on
  // the signal: removing one of 20,000 signal listeners is a linear search, which made the load
  // generator itself the bottleneck.
  const pending = new Set<() => void>();
  abort.signal.addEventListener('abort', () => {
    for (const wake of pending) wake();
  });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (abort.signal.aborted) return resolve();
      const wake = () => {
        clearTimeout(timer);
        pending.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      pending.add(wake);
    });

  const signStarted = performance.now();
  const userTokens = await signUserTokens(opts);
  log(
    `onsale: ${opts.users} user tokens signed in ${((performance.now() - signStarted) / 1000).toFixed(1)}s`,
  );
  const fixture = await prepareSale(client, {
    bookingUrl: opts.bookingUrl,
    adminKey: opts.adminKey,
    concertId: opts.concertId,
    shape: opts.concert,
  });
  const { concertId } = fixture;
  const admin = { 'x-admin-key': opts.adminKey };
  const opened = await client.call('admin.open', () =>
    client.gateway.PUT('/v1/admin/queues/{concertId}', {
      headers: admin,
      params: { path: { concertId: String(concertId) } },
      body: opts.room,
    }),
  );
  if (opened.status !== 200)
    throw new Error(`could not open the room: ${opened.status} ${JSON.stringify(opened.body)}`);
  log(
    `onsale: concert ${concertId}, ${fixture.seatCount} seats, ${opts.users} users over ${opts.joinSeconds}s`,
  );

  const started = Date.now();
  const cpuStart = process.cpuUsage();
  const hardStop = setTimeout(() => abort.abort(), opts.maxSeconds * 1000);

  const records: UserRecord[] = [];
  // Running counts for the progress line, kept as they happen rather than counted from `records`.
  const counts = { admitted: 0, sold: 0, errors: 0 };

  // The operator's view: the room read every 100 ms; ACTIVE never allowed above maxActive. One read
  // every TIMELINE_EVERY_MS is kept for the report's charts.
  let maxActiveSeen = 0;
  let sampling = true;
  const timeline: TimelineSample[] = [];
  const sampler = (async () => {
    let room: { waiting: number; active: number } | undefined;
    while (sampling && !abort.signal.aborted) {
      const r = await client.call('admin.stats', () =>
        client.gateway.GET('/v1/admin/queues/{concertId}', {
          headers: admin,
          params: { path: { concertId: String(concertId) } },
        }),
      );
      const elapsedMs = Date.now() - started;
      if (r.status === 200) {
        room = r.body;
        maxActiveSeen = Math.max(maxActiveSeen, r.body.active);
        const last = timeline.at(-1);
        if (!last || elapsedMs - last.t * 1000 >= TIMELINE_EVERY_MS)
          timeline.push({
            t: Math.round(elapsedMs / 10) / 100,
            waiting: r.body.waiting,
            active: r.body.active,
          });
      }
      opts.progress?.({
        elapsedSeconds: elapsedMs / 1000,
        users: opts.users,
        joined: records.length,
        waiting: room?.waiting,
        active: room?.active,
        ...counts,
        serverErrors: [...client.stats.values()].reduce((sum, e) => sum + e.serverErrors, 0),
      });
      await sleep(100);
    }
  })();

  const arrivals = Array.from({ length: opts.users }, () => random() * opts.joinSeconds * 1000).sort(
    (a, b) => a - b,
  );

  function fail(user: UserRecord, step: string, res: { status: number; code?: string }): Outcome {
    user.error = `${step} ${res.status} ${res.code ?? ''}`.trim();
    return 'error';
  }

  async function buySeat(user: UserRecord, token: string): Promise<Outcome> {
    const auth = bearer(token);
    const schedules = await client.call('schedules', () =>
      client.booking.GET('/v1/concerts/{concertId}/schedules', {
        headers: auth,
        params: { path: { concertId: String(concertId) } },
      }),
    );
    if (schedules.status !== 200) return fail(user, 'schedules', schedules);
    let open = schedules.body.filter((s) => s.availableSeats > 0).map((s) => s.scheduleId);
    for (let attempt = 0; attempt < MAX_HOLD_ATTEMPTS && open.length > 0 && !abort.signal.aborted; ) {
      const scheduleId = open[Math.floor(random() * open.length)]!;
      const seats = await client.call('seats', () =>
        client.booking.GET('/v1/schedules/{scheduleId}/seats', {
          headers: auth,
          params: { path: { scheduleId: String(scheduleId) } },
        }),
      );
      if (seats.status !== 200) return fail(user, 'seats', seats);
      const available = seats.body.filter((s) => s.status === 'AVAILABLE');
      if (available.length === 0) {
        open = open.filter((id) => id !== scheduleId);
        continue;
      }
      // Retry other seats of this listing on SEAT_UNAVAILABLE, then list again.
      while (available.length > 0 && attempt < MAX_HOLD_ATTEMPTS) {
        attempt++;
        const [seat] = available.splice(Math.floor(random() * available.length), 1);
        const hold = await client.call('hold', () =>
          client.booking.POST('/v1/reservations', {
            headers: auth,
            body: { scheduleId, seatId: seat!.seatId },
          }),
        );
        if (hold.status === 409 && hold.code === 'SEAT_UNAVAILABLE') continue;
        if (hold.status !== 201) return fail(user, 'hold', hold);
        user.holdExpiresAt = Date.parse(hold.body.expiresAt);
        if (user.abandonsHold) {
          await watchRelease(user, token, hold.body.reservationId);
          return 'abandoned-hold';
        }
        return pay(user, token, hold.body.reservationId, hold.body.price);
      }
    }
    if (open.length === 0) return 'sold-out';
    // Seats were listed, but each of MAX_HOLD_ATTEMPTS holds found its seat taken first.
    user.error = `hold ${MAX_HOLD_ATTEMPTS} × SEAT_UNAVAILABLE`;
    return 'error';
  }

  async function pay(
    user: UserRecord,
    token: string,
    reservationId: number,
    price: number,
  ): Promise<Outcome> {
    const charge = await client.call('charge', () =>
      client.booking.POST('/v1/users/{userId}/balance/charges', {
        params: { path: { userId: String(user.userId) } },
        headers: {
          ...bearer(userTokens[user.userId - opts.userOffset]!),
          'idempotency-key': `charge-${runId}-${user.userId}`,
        },
        body: { amount: price },
      }),
    );
    if (charge.status !== 200) return fail(user, 'charge', charge);
    const paid = await client.call('pay', () =>
      client.booking.POST('/v1/payments', {
        headers: { ...bearer(token), 'idempotency-key': `pay-${runId}-${user.userId}` },
        body: { reservationIds: [reservationId] },
      }),
    );
    if (paid.status === 201) return 'bought';
    return paid.code === 'RESERVATION_NOT_PAYABLE' ? 'hold-lost' : fail(user, 'pay', paid);
  }

  /** An abandoned hold is read every 100 ms after its expiry until the API reports it EXPIRED. */
  async function watchRelease(user: UserRecord, token: string, reservationId: number) {
    const until = (user.holdExpiresAt ?? Date.now()) + opts.holdWatchSeconds * 1000;
    await sleep(Math.max(0, (user.holdExpiresAt ?? 0) - Date.now()));
    while (Date.now() < until && !abort.signal.aborted) {
      const r = await client.call('reservation', () =>
        client.booking.GET('/v1/reservations/{reservationId}', {
          headers: bearer(token),
          params: { path: { reservationId: String(reservationId) } },
        }),
      );
      if (r.status === 200 && r.body.status === 'EXPIRED') {
        user.releasedAt = Date.now();
        return;
      }
      await sleep(100);
    }
  }

  // How late each join was sent against its scheduled arrival: above a few ms, the load generator's
  // own event loop, not the gateway, is what the join latency measures.
  const joinLagMs: number[] = [];

  async function runUser(index: number): Promise<void> {
    await sleep(arrivals[index]! - (Date.now() - started));
    if (abort.signal.aborted) return;
    joinLagMs.push(Date.now() - started - arrivals[index]!);
    const userId = opts.userOffset + index;
    const joined = await client.call(
      'join',
      (): Promise<TypedAnswer<QueueAnswer & { token: string }>> =>
        client.gateway.POST('/v1/queue/tokens', { headers: bearer(userTokens[index]!), body: { concertId } }),
    );
    if (joined.status !== 201 && joined.status !== 200) {
      counts.errors++;
      return;
    }
    const user: UserRecord = {
      userId,
      tokenId: tokenIdOf(joined.body.token),
      joinedAt: Date.now(),
      estimateSeconds: joined.body.estimatedWaitSeconds ?? 0,
      abandonsWaiting: random() < opts.abandonWaiting,
      abandonsHold: random() < opts.abandonHold,
      positions: joined.body.position ? [joined.body.position] : [],
      estimates:
        joined.body.status === 'WAITING'
          ? [
              {
                at: Date.now(),
                seconds: joined.body.estimatedWaitSeconds ?? 0,
                position: joined.body.position ?? 0,
              },
            ]
          : [],
      liveUntil: Date.now() + opts.room.idleTimeoutSeconds * 1000,
      outcome: 'unfinished',
    };
    records.push(user);
    const token = joined.body.token;
    let state: QueueAnswer = joined.body;
    const abandonAfter = user.abandonsWaiting ? Math.floor(random() * 3) : Number.POSITIVE_INFINITY;
    for (let polls = 0; state.status === 'WAITING' && polls < MAX_POLLS && !abort.signal.aborted; polls++) {
      if (state.soldOut) {
        user.outcome = 'left-on-sold-out';
        // Out of the line from the moment it asks: nobody behind who is admitted after overtakes it.
        user.liveUntil = Date.now();
        await client.call('leave', () =>
          client.gateway.DELETE('/v1/queue/tokens/current', { headers: bearer(token) }),
        );
        return;
      }
      if (polls >= abandonAfter) {
        user.outcome = 'abandoned-waiting';
        return;
      }
      await sleep(state.pollAfterMs ?? 1000);
      const sentAt = Date.now();
      const r = await client.call(
        'poll',
        (): Promise<TypedAnswer<QueueAnswer>> =>
          client.gateway.GET('/v1/queue/status', { headers: bearer(token) }),
      );
      if (r.status !== 200) continue;
      state = r.body;
      if (state.status === 'WAITING') {
        user.liveUntil = sentAt + opts.room.idleTimeoutSeconds * 1000;
        if (state.position) user.positions.push(state.position);
        user.estimates.push({
          at: Date.now(),
          seconds: state.estimatedWaitSeconds ?? 0,
          position: state.position ?? 0,
        });
      }
    }
    if (state.status === 'EXPIRED') {
      user.outcome = 'expired-while-waiting';
      return;
    }
    if (state.status !== 'ACTIVE') return;
    user.sawActiveAt = Date.now();
    counts.admitted++;
    user.admittedAt = Date.parse(state.expiresAt!) - opts.room.activeTtlSeconds * 1000;
    user.outcome = await buySeat(user, token);
    // Anyone done without a purchase gives the slot back, as a real client closing the flow would.
    if (user.outcome === 'bought') counts.sold++;
    if (user.outcome === 'error') counts.errors++;
    if (user.outcome === 'sold-out' || user.outcome === 'error' || user.outcome === 'hold-lost') {
      await client.call('leave', () =>
        client.gateway.DELETE('/v1/queue/tokens/current', { headers: bearer(token) }),
      );
    }
  }

  await Promise.all(arrivals.map((_, i) => runUser(i).catch(() => undefined)));
  sampling = false;
  await sampler;
  clearTimeout(hardStop);
  const wallMs = Date.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const audit = await auditSale(prisma, fixture);
  await prisma.$disconnect();
  await client.close();

  return buildReport({
    opts,
    fixture,
    records,
    audit,
    maxActiveSeen,
    timeline,
    started,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    client,
    joinLagMs,
    timedOut: abort.signal.aborted,
  });
}

function buildReport(input: {
  opts: OnSaleOptions;
  fixture: { concertId: number; seatCount: number };
  records: UserRecord[];
  audit: { sold: number; doubleBookings: number; liveHolds: number };
  maxActiveSeen: number;
  timeline: TimelineSample[];
  started: number;
  wallMs: number;
  cpuMs: number;
  client: Client;
  joinLagMs: number[];
  timedOut: boolean;
}) {
  const { opts, records } = input;

  // Fairness: in join order (token id), anyone admitted while an earlier joiner was still in line
  // overtook them. An earlier joiner stays in line until its own admission; one the gateway expired as
  // idle, until the earliest moment the gateway could have done so (its last WAITING poll's send time
  // plus the idle timeout), so a slow poll is never counted as an overtake; one still waiting when the
  // run ended, for ever.
  // Fans who walked away (abandoned, or left on soldOut) are not in line to be overtaken: a soldOut
  // answer may come from an instance's replica up to REPLICA_MAX_LAG_MS after the fan was admitted.
  const loyal = [...records]
    .filter((r) => !r.abandonsWaiting && r.outcome !== 'left-on-sold-out')
    .sort((a, b) => a.tokenId - b.tokenId);
  let latestAhead = Number.NEGATIVE_INFINITY;
  let overtakes = 0;
  for (const r of loyal) {
    const at = r.admittedAt;
    if (at !== undefined && latestAhead > at) overtakes++;
    const inLineUntil =
      at ?? (r.outcome === 'expired-while-waiting' ? r.liveUntil : Number.POSITIVE_INFINITY);
    latestAhead = Math.max(latestAhead, inLineUntil);
  }
  let maxForwardJump = 0;
  let maxBackwardMove = 0;
  for (const r of records) {
    for (let i = 1; i < r.positions.length; i++) {
      const d = r.positions[i - 1]! - r.positions[i]!;
      maxForwardJump = Math.max(maxForwardJump, d);
      maxBackwardMove = Math.max(maxBackwardMove, -d);
    }
  }

  // Honesty of the estimate given at join, against the wait to the real admission time.
  const admitted = records.filter((r) => r.admittedAt !== undefined && !r.abandonsWaiting);
  const errSeconds = admitted.map((r) => Math.abs(r.estimateSeconds - (r.admittedAt! - r.joinedAt) / 1000));
  const errPercent = admitted.map((r) => {
    const real = Math.max(1, (r.admittedAt! - r.joinedAt) / 1000);
    return (100 * Math.abs(r.estimateSeconds - (r.admittedAt! - r.joinedAt) / 1000)) / real;
  });

  const admittedTimes = records
    .map((r) => r.admittedAt)
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b);
  let maxInAnySecond = 0;
  for (let i = 0, j = 0; i < admittedTimes.length; i++) {
    while (admittedTimes[i]! - admittedTimes[j]! >= 1000) j++;
    maxInAnySecond = Math.max(maxInAnySecond, i - j + 1);
  }
  const span = admittedTimes.length > 1 ? (admittedTimes.at(-1)! - admittedTimes[0]!) / 1000 : Number.NaN;

  // What the HTML report draws: admissions bucketed by second since the start (gateway clock), and each
  // admitted user's estimate at join against the real wait (every k-th user beyond MAX_WAIT_POINTS).
  const admissionsPerSecond: number[] = [];
  for (const t of admittedTimes) {
    const second = Math.max(0, Math.floor((t - input.started) / 1000));
    while (admissionsPerSecond.length <= second) admissionsPerSecond.push(0);
    admissionsPerSecond[second]!++;
  }
  const stride = Math.max(1, Math.ceil(admitted.length / MAX_WAIT_POINTS));
  const waitPoints = admitted
    .filter((_, i) => i % stride === 0)
    .map((r) => ({ estimate: r.estimateSeconds, real: Math.round((r.admittedAt! - r.joinedAt) / 100) / 10 }));

  const lateness = records
    .filter((r) => r.abandonsHold && r.holdExpiresAt !== undefined && r.releasedAt !== undefined)
    .map((r) => (r.releasedAt! - r.holdExpiresAt!) / 1000);
  const abandonedHolds = records.filter((r) => r.outcome === 'abandoned-hold').length;

  const latency = Object.fromEntries(
    [...input.client.stats.entries()].map(([name, s]) => [
      name,
      {
        requests: s.requests,
        p50Ms: round(percentile(s.durations, 50)),
        p99Ms: round(percentile(s.durations, 99)),
        errorsByCode: s.errorsByCode,
        serverErrors: s.serverErrors,
      },
    ]),
  );
  const serverErrors = Object.values(latency).reduce((n, e) => n + e.serverErrors, 0);
  const outcomes: Record<string, number> = {};
  for (const r of records) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const errors: Record<string, number> = {};
  for (const r of records) if (r.error) errors[r.error] = (errors[r.error] ?? 0) + 1;

  return {
    options: {
      ...opts,
      adminKey: undefined,
      databaseUrl: undefined,
      authJwtSecret: undefined,
      log: undefined,
    },
    concertId: input.fixture.concertId,
    timedOut: input.timedOut,
    wallSeconds: round(input.wallMs / 1000),
    sales: {
      seatsSold: input.audit.sold,
      seatsAvailable: input.fixture.seatCount,
      unpaidHoldsLeft: input.audit.liveHolds,
      doubleBookings: input.audit.doubleBookings,
    },
    outcomes,
    errors,
    fairness: { overtakes, maxPositionJump: maxForwardJump, maxBackwardMove },
    estimate: {
      admittedUsers: admitted.length,
      medianAbsErrorSeconds: round(percentile(errSeconds, 50)),
      p90AbsErrorSeconds: round(percentile(errSeconds, 90)),
      medianAbsErrorPercent: round(percentile(errPercent, 50)),
      p90AbsErrorPercent: round(percentile(errPercent, 90)),
      /** Every estimate given while WAITING, overall and by band of the actual wait (estimate-error.ts). */
      whileWaiting: estimateErrors(records),
    },
    admissions: {
      configuredPerSecond: opts.room.admitPerSecond,
      observedPerSecond: round(admittedTimes.length > 1 ? (admittedTimes.length - 1) / span : Number.NaN),
      maxInAnyOneSecond: maxInAnySecond,
      maxActiveConfigured: opts.room.maxActive,
      maxActiveSeen: input.maxActiveSeen,
    },
    holds: {
      abandoned: abandonedHolds,
      released: lateness.length,
      lateSecondsP50: round(percentile(lateness, 50), 2),
      lateSecondsP99: round(percentile(lateness, 99), 2),
      lateSecondsMax: round(lateness.length ? Math.max(...lateness) : Number.NaN, 2),
      resolutionSeconds: 0.1,
    },
    latency,
    serverErrors,
    /** The time series the HTML report charts (html-report.ts). */
    series: {
      timelineEverySeconds: TIMELINE_EVERY_MS / 1000,
      timeline: input.timeline,
      admissionsPerSecond,
      /** Estimate at join against the real wait, in seconds: one point per admitted user (or every `stride`-th). */
      waitPoints,
      waitPointsStride: stride,
    },
    loadGenerator: {
      cpuSeconds: round(input.cpuMs / 1000),
      cpuPercentOfOneCore: round((100 * input.cpuMs) / input.wallMs),
      /** How late the joins were sent against their scheduled arrival (this process's timers). */
      joinStartLagMsP50: round(percentile(input.joinLagMs, 50)),
      joinStartLagMsP99: round(percentile(input.joinLagMs, 99)),
      joinStartLagMsMax: round(input.joinLagMs.reduce((m, x) => Math.max(m, x), 0)),
    },
  };
}

export type OnSaleReport = Awaited<ReturnType<typeof runOnSale>>;
