// The whole purchase, under a closed model: USERS VUs each run ITERATIONS times
// log in -> join -> poll until ACTIVE -> schedules -> seats -> hold a random AVAILABLE seat -> charge the
// price -> pay -> read the paid reservation. Each iteration is its own user, through development login,
// or the one USER_TOKEN user. Losing a seat race (409 SEAT_UNAVAILABLE) and a sold-out concert are
// outcomes a real sale has, so they count as expected, not as errors.
import type { Options } from 'k6/options';
import {
  chargeBalance,
  type Hold,
  holdSeat,
  listSchedules,
  listSeats,
  pay,
  readPaidReservation,
} from './lib/booking.ts';
import { readBookingConfig } from './lib/config.ts';
import { actAs, assertCanLogIn, type User } from './lib/identity.ts';
import { admitted, bookingDuration, bookingOk, bookings, seatConflicts } from './lib/metrics.ts';
import { joinAndWait, leave } from './lib/queue.ts';
import { assertConcertExists, assertReady, newRunId, openRoomIfAdmin } from './lib/setup.ts';
import { foldedUserId } from './lib/users.ts';

const config = readBookingConfig();

export const options: Options = {
  scenarios: {
    booking: {
      executor: 'per-vu-iterations',
      vus: config.users,
      iterations: config.iterations,
      maxDuration: config.duration,
    },
  },
  thresholds: {
    http_req_failed: [`rate<=${config.errorRateMax}`],
    errors: [`rate<=${config.errorRateMax}`],
    checks: [`rate>=${config.checksRateMin}`],
    server_errors_5xx: ['count==0'],
    queue_expired: ['count==0'],
    admitted: [`rate>=${config.admittedRateMin}`],
    booking_ok: [`rate>=${config.bookingOkRateMin}`],
    'http_req_duration{name:join}': [`p(99)<${config.p99.join}`],
    'http_req_duration{name:poll}': [`p(99)<${config.p99.poll}`],
    'http_req_duration{name:leave}': [`p(99)<${config.p99.leave}`],
    'http_req_duration{name:schedules}': [`p(99)<${config.p99.schedules}`],
    'http_req_duration{name:seats}': [`p(99)<${config.p99.seats}`],
    'http_req_duration{name:hold}': [`p(99)<${config.p99.hold}`],
    'http_req_duration{name:charge}': [`p(99)<${config.p99.charge}`],
    'http_req_duration{name:pay}': [`p(99)<${config.p99.pay}`],
    'http_req_duration{name:reservation}': [`p(99)<${config.p99.reservation}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
};

interface SetupData {
  runId: string;
}

export function setup(): SetupData {
  assertReady('queue-gateway', config.gatewayUrl, config);
  assertReady('booking-api', config.bookingUrl, config);
  assertCanLogIn(config, config.userOffset + 1);
  openRoomIfAdmin(config);
  assertConcertExists(config);
  return { runId: newRunId() };
}

/** Expected endings first; the rest name the step that failed. */
type Outcome =
  | 'completed'
  | 'sold_out'
  | 'seats_taken'
  | 'login_failed'
  | 'not_admitted'
  | 'schedules_failed'
  | 'seats_failed'
  | 'hold_failed'
  | 'charge_failed'
  | 'pay_failed'
  | 'read_failed';

const EXPECTED_OUTCOMES: ReadonlySet<Outcome> = new Set<Outcome>(['completed', 'sold_out', 'seats_taken']);

export default function (data: SetupData): void {
  const user = actAs(config, foldedUserId(config.userOffset, config.iterations, config.usersMax));
  // booking_duration measures the purchase, from the join on: logging in is the identity provider's.
  const startedAt = Date.now();
  const outcome = user === undefined ? 'login_failed' : bookOneSeat(data.runId, user);

  bookings.add(1, { outcome });
  bookingOk.add(EXPECTED_OUTCOMES.has(outcome), { outcome });
  if (outcome === 'completed') bookingDuration.add(Date.now() - startedAt);
}

function bookOneSeat(runId: string, user: User): Outcome {
  const admission = joinAndWait(config, user.userToken, config);
  admitted.add(admission.outcome === 'ACTIVE');
  if (admission.outcome !== 'ACTIVE') {
    if (admission.token !== undefined && admission.outcome !== 'EXPIRED') leave(config, admission.token);
    return 'not_admitted';
  }

  const { token } = admission;
  const outcome = buySeat(runId, user, token);
  // A payment expires the token and frees its slot; any other ending frees it by leaving.
  if (outcome !== 'completed' && outcome !== 'read_failed') leave(config, token);
  return outcome;
}

function buySeat(runId: string, user: User, token: string): Outcome {
  const held = holdRandomSeat(token);
  if (typeof held === 'string') return held;

  // The key names the reservation, so a retry after a lost answer is recognised as the same charge.
  if (
    held.price > 0 &&
    !chargeBalance(config, user, held.price, `k6-${runId}-charge-${held.reservationId}`)
  ) {
    return 'charge_failed';
  }
  if (!pay(config, token, held, `k6-${runId}-pay-${held.reservationId}`)) return 'pay_failed';
  return readPaidReservation(config, token, held) ? 'completed' : 'read_failed';
}

/**
 * Holds a random AVAILABLE seat, trying schedules with seats left in random order. A seat lost to another
 * user (409 SEAT_UNAVAILABLE) is followed by another seat, up to HOLD_ATTEMPTS holds in all.
 */
function holdRandomSeat(token: string): Hold | Outcome {
  const schedules = listSchedules(config, token);
  if (schedules === undefined) return 'schedules_failed';

  let attempts = 0;
  for (const schedule of shuffle(schedules.filter((s) => s.availableSeats > 0))) {
    const seats = listSeats(config, token, schedule.scheduleId);
    if (seats === undefined) return 'seats_failed';
    const candidates = shuffle(seats.filter((seat) => seat.status === 'AVAILABLE'));

    for (const seat of candidates) {
      if (attempts >= config.holdAttempts) return 'seats_taken';
      attempts += 1;
      const answer = holdSeat(config, token, schedule.scheduleId, seat.seatId);
      if (answer.kind === 'held') return answer.hold;
      if (answer.kind === 'failed') return 'hold_failed';
      seatConflicts.add(1);
    }
  }
  return attempts > 0 ? 'seats_taken' : 'sold_out';
}

function shuffle<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    const a = copy[i] as T;
    copy[i] = copy[j] as T;
    copy[j] = a;
  }
  return copy;
}
