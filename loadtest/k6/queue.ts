// Waiting room under a closed model: USERS VUs each run ITERATIONS times join -> poll as advised until
// ACTIVE -> leave. Each iteration is a new user, logged in through development login (or the one
// USER_TOKEN user), so the room sees USERS * ITERATIONS distinct joins.
import { sleep } from 'k6';
import type { Options } from 'k6/options';
import { readQueueConfig } from './lib/config.ts';
import { actAs, assertCanLogIn } from './lib/identity.ts';
import { admitted } from './lib/metrics.ts';
import { joinAndWait, leave } from './lib/queue.ts';
import { assertReady, openRoomIfAdmin } from './lib/setup.ts';
import { iterationUserId } from './lib/users.ts';

const config = readQueueConfig();

export const options: Options = {
  scenarios: {
    queue: {
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
    'http_req_duration{name:join}': [`p(99)<${config.p99.join}`],
    'http_req_duration{name:poll}': [`p(99)<${config.p99.poll}`],
    'http_req_duration{name:leave}': [`p(99)<${config.p99.leave}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
};

export function setup(): void {
  assertReady('queue-gateway', config.gatewayUrl, config);
  if (config.user === undefined) assertReady('booking-api', config.bookingUrl, config);
  assertCanLogIn(config, config.userOffset + 1);
  openRoomIfAdmin(config);
}

export default function (): void {
  const user = actAs(config, iterationUserId(config.userOffset, config.iterations));
  if (user === undefined) {
    admitted.add(false);
    return;
  }
  const admission = joinAndWait(config, user.userToken, config);
  admitted.add(admission.outcome === 'ACTIVE');

  if (admission.outcome === 'ACTIVE' && config.activeHoldSeconds > 0) sleep(config.activeHoldSeconds);
  // Leaving frees the place at once; an abandoned token would hold it until idle expiry.
  if (admission.token !== undefined && admission.outcome !== 'EXPIRED') leave(config, admission.token);
}
