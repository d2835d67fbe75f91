// Waiting room under an open model: joins arrive at a rate that ramps from START_RATE to BASE_RATE, jumps
// to SPIKE_RATE, holds, and falls back. Each arrival is a new user, logged in through development login,
// who joins, polls a few times as the gateway advises (MAX_POLLS within MAX_WAIT_SECONDS) and leaves.
// Arrivals do not wait for responses, so a slow gateway shows up as latency and dropped iterations
// rather than as a gentler load.
import type { Options } from 'k6/options';
import { readSpikeConfig } from './lib/config.ts';
import { actAs, assertCanLogIn } from './lib/identity.ts';
import { joinAndWait, leave } from './lib/queue.ts';
import { assertReady, openRoomIfAdmin } from './lib/setup.ts';
import { arrivalUserId } from './lib/users.ts';

const config = readSpikeConfig();

export const options: Options = {
  scenarios: {
    spike: {
      executor: 'ramping-arrival-rate',
      startRate: config.startRate,
      timeUnit: config.timeUnit,
      preAllocatedVUs: config.preAllocatedVUs,
      maxVUs: config.maxVUs,
      stages: [
        { duration: config.warmup, target: config.baseRate },
        { duration: config.rampUp, target: config.spikeRate },
        { duration: config.spikeDuration, target: config.spikeRate },
        { duration: config.rampDown, target: config.baseRate },
        { duration: config.cooldown, target: config.baseRate },
      ],
    },
  },
  thresholds: {
    http_req_failed: [`rate<=${config.errorRateMax}`],
    errors: [`rate<=${config.errorRateMax}`],
    checks: [`rate>=${config.checksRateMin}`],
    server_errors_5xx: ['count==0'],
    queue_expired: ['count==0'],
    // Iterations k6 could not start because all MAX_VUS were busy: the intended load was not applied.
    dropped_iterations: [`count<=${config.droppedIterationsMax}`],
    'http_req_duration{name:join}': [`p(99)<${config.p99.join}`],
    'http_req_duration{name:poll}': [`p(99)<${config.p99.poll}`],
    'http_req_duration{name:leave}': [`p(99)<${config.p99.leave}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
};

export function setup(): void {
  assertReady('queue-gateway', config.gatewayUrl, config);
  assertReady('booking-api', config.bookingUrl, config);
  assertCanLogIn(config, config.userOffset + 1);
  openRoomIfAdmin(config);
}

export default function (): void {
  const user = actAs(config, arrivalUserId(config.userOffset));
  if (user === undefined) return;
  const admission = joinAndWait(config, user.userToken, config);
  if (config.leave && admission.token !== undefined && admission.outcome !== 'EXPIRED') {
    leave(config, admission.token);
  }
}
