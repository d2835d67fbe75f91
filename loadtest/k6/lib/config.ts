// Every URL, size, rate and limit of the scenarios comes from here, read from `-e NAME=value` with a
// default. README.md lists them all; its test fails when a variable read here is missing from it.
import { createEnvReader, type EnvReader } from './env.ts';
import { readTokenSubject, type User } from './identity.ts';

const MAX_ID = 2_147_483_647;

/** Room settings sent with PUT /v1/admin/queues/{concertId}; an unset one keeps the server's value. */
export interface RoomSettings {
  maxActive?: number;
  admitPerSecond?: number;
  activeTtlSeconds?: number;
  idleTimeoutSeconds?: number;
  maxWaiting?: number;
}

export interface CommonConfig {
  gatewayUrl: string;
  bookingUrl: string;
  concertId: number;
  userOffset: number;
  adminApiKey: string | undefined;
  /**
   * The one user of a run given `-e USER_TOKEN=…` (its id read from the token's `sub`). Unset: every
   * simulated user logs in through the booking API's development login.
   */
  user: User | undefined;
  room: RoomSettings;
  requestTimeout: string;
  errorRateMax: number;
  checksRateMin: number;
  /** Client-side bounds of one join-and-poll: polls made and seconds spent before giving up. */
  maxPolls: number;
  maxWaitSeconds: number;
}

export interface P99 {
  join: number;
  poll: number;
  leave: number;
}

export interface QueueConfig extends CommonConfig {
  users: number;
  iterations: number;
  duration: string;
  admittedRateMin: number;
  activeHoldSeconds: number;
  p99: P99;
}

export interface BookingConfig extends CommonConfig {
  users: number;
  iterations: number;
  duration: string;
  admittedRateMin: number;
  bookingOkRateMin: number;
  usersMax: number;
  holdAttempts: number;
  p99: P99 & {
    schedules: number;
    seats: number;
    hold: number;
    charge: number;
    pay: number;
    reservation: number;
  };
}

export interface SpikeConfig extends CommonConfig {
  startRate: number;
  baseRate: number;
  spikeRate: number;
  timeUnit: string;
  warmup: string;
  rampUp: string;
  spikeDuration: string;
  rampDown: string;
  cooldown: string;
  preAllocatedVUs: number;
  maxVUs: number;
  leave: boolean;
  droppedIterationsMax: number;
  p99: P99;
}

interface CommonDefaults {
  userOffset: number;
  maxPolls: number;
  maxWaitSeconds: number;
}

function readCommon(r: EnvReader, defaults: CommonDefaults): CommonConfig {
  const positive = { min: 1 };
  const room: RoomSettings = {};
  const setRoom = (key: keyof RoomSettings, value: number | undefined): void => {
    if (value !== undefined) room[key] = value;
  };
  setRoom('maxActive', r.optionalInt('ROOM_MAX_ACTIVE', positive));
  setRoom('admitPerSecond', r.optionalInt('ROOM_ADMIT_PER_SECOND', positive));
  setRoom('activeTtlSeconds', r.optionalInt('ROOM_ACTIVE_TTL_SECONDS', positive));
  setRoom('idleTimeoutSeconds', r.optionalInt('ROOM_IDLE_TIMEOUT_SECONDS', positive));
  setRoom('maxWaiting', r.optionalInt('ROOM_MAX_WAITING', positive));

  return {
    gatewayUrl: r.url('GATEWAY_URL', 'http://localhost:3000'),
    bookingUrl: r.url('BOOKING_URL', 'http://localhost:3001'),
    concertId: r.int('CONCERT_ID', 1, positive),
    userOffset: r.int('USER_OFFSET', defaults.userOffset, { min: 0, max: MAX_ID - 1 }),
    adminApiKey: r.optionalString('ADMIN_API_KEY'),
    user: readUser(r),
    room,
    requestTimeout: r.duration('REQUEST_TIMEOUT', '10s'),
    errorRateMax: r.number('ERROR_RATE_MAX', 0.01, { min: 0, max: 1 }),
    checksRateMin: r.number('CHECKS_RATE_MIN', 0.99, { min: 0, max: 1 }),
    maxPolls: r.int('MAX_POLLS', defaults.maxPolls, positive),
    maxWaitSeconds: r.int('MAX_WAIT_SECONDS', defaults.maxWaitSeconds, positive),
  };
}

function readUser(r: EnvReader): User | undefined {
  const userToken = r.optionalString('USER_TOKEN');
  if (userToken === undefined) return undefined;
  const userId = readTokenSubject(userToken);
  if (userId === undefined) {
    r.problem('USER_TOKEN must be a JWT whose sub is a user id from 1 to 2147483647');
    return undefined;
  }
  return { userId, userToken };
}

/** One user cannot be several VUs at once: they would share one queue token, and one's leave or payment would expire the others'. */
function checkOneUser(r: EnvReader, config: { user: User | undefined; users: number }): void {
  if (config.user !== undefined && config.users > 1) {
    r.problem(`USER_TOKEN is one user: run it with USERS=1 (got USERS=${config.users})`);
  }
}

function readP99(r: EnvReader): P99 {
  return {
    join: r.int('P99_JOIN_MS', 500, { min: 1 }),
    poll: r.int('P99_POLL_MS', 300, { min: 1 }),
    leave: r.int('P99_LEAVE_MS', 300, { min: 1 }),
  };
}

export function readQueueConfig(env: Record<string, string | undefined> = __ENV): QueueConfig {
  const r = createEnvReader(env);
  const common = readCommon(r, { userOffset: 1_000_000, maxPolls: 600, maxWaitSeconds: 300 });
  const config: QueueConfig = {
    ...common,
    users: r.int('USERS', 50, { min: 1 }),
    iterations: r.int('ITERATIONS', 4, { min: 1 }),
    duration: r.duration('DURATION', '10m'),
    admittedRateMin: r.number('ADMITTED_RATE_MIN', 0.99, { min: 0, max: 1 }),
    activeHoldSeconds: r.number('ACTIVE_HOLD_SECONDS', 0, { min: 0 }),
    p99: readP99(r),
  };
  if (config.userOffset + config.users * config.iterations > MAX_ID) {
    r.problem(`USER_OFFSET + USERS * ITERATIONS must not exceed ${MAX_ID}`);
  }
  checkOneUser(r, config);
  r.finish();
  return config;
}

export function readBookingConfig(env: Record<string, string | undefined> = __ENV): BookingConfig {
  const r = createEnvReader(env);
  const common = readCommon(r, { userOffset: 0, maxPolls: 600, maxWaitSeconds: 300 });
  const config: BookingConfig = {
    ...common,
    users: r.int('USERS', 20, { min: 1 }),
    iterations: r.int('ITERATIONS', 2, { min: 1 }),
    duration: r.duration('DURATION', '10m'),
    admittedRateMin: r.number('ADMITTED_RATE_MIN', 0.99, { min: 0, max: 1 }),
    bookingOkRateMin: r.number('BOOKING_OK_RATE_MIN', 0.99, { min: 0, max: 1 }),
    usersMax: r.int('USERS_MAX', 1000, { min: 1 }),
    holdAttempts: r.int('HOLD_ATTEMPTS', 5, { min: 1, max: 100 }),
    p99: {
      ...readP99(r),
      schedules: r.int('P99_SCHEDULES_MS', 500, { min: 1 }),
      seats: r.int('P99_SEATS_MS', 500, { min: 1 }),
      hold: r.int('P99_HOLD_MS', 1000, { min: 1 }),
      charge: r.int('P99_CHARGE_MS', 1000, { min: 1 }),
      pay: r.int('P99_PAY_MS', 1500, { min: 1 }),
      reservation: r.int('P99_RESERVATION_MS', 500, { min: 1 }),
    },
  };
  // Two VUs acting as one user would share one queue token, and one's payment would expire the other's
  // token: every iteration of a run gets its own user of 1..USERS_MAX, so the run may not need more.
  if (config.users * config.iterations > config.usersMax) {
    r.problem(
      `USERS * ITERATIONS (${config.users * config.iterations}) must not exceed USERS_MAX (${config.usersMax})`,
    );
  }
  checkOneUser(r, config);
  r.finish();
  return config;
}

export function readSpikeConfig(env: Record<string, string | undefined> = __ENV): SpikeConfig {
  const r = createEnvReader(env);
  const common = readCommon(r, { userOffset: 2_000_000, maxPolls: 3, maxWaitSeconds: 15 });
  const config: SpikeConfig = {
    ...common,
    startRate: r.int('START_RATE', 5, { min: 0 }),
    baseRate: r.int('BASE_RATE', 10, { min: 0 }),
    spikeRate: r.int('SPIKE_RATE', 100, { min: 1 }),
    timeUnit: r.duration('TIME_UNIT', '1s'),
    warmup: r.duration('WARMUP', '30s'),
    rampUp: r.duration('RAMP_UP', '10s'),
    spikeDuration: r.duration('SPIKE_DURATION', '1m'),
    rampDown: r.duration('RAMP_DOWN', '10s'),
    cooldown: r.duration('COOLDOWN', '30s'),
    preAllocatedVUs: r.int('PRE_ALLOCATED_VUS', 100, { min: 1 }),
    maxVUs: r.int('MAX_VUS', 2000, { min: 1 }),
    leave: r.bool('LEAVE', true),
    droppedIterationsMax: r.int('DROPPED_ITERATIONS_MAX', 0, { min: 0 }),
    p99: readP99(r),
  };
  if (config.maxVUs < config.preAllocatedVUs) r.problem('MAX_VUS must be at least PRE_ALLOCATED_VUS');
  // Arrivals overlap: as one user they would share one queue token, and one's leave would expire it
  // under the others' polls.
  if (config.user !== undefined) r.problem('USER_TOKEN is one user: spike.ts needs a user per arrival');
  r.finish();
  return config;
}
