/**
 * Every Redis key of the waiting rooms is built here and nowhere else.
 *
 * A room's keys share the hash tag `{c<concertId>}`, so that each room's Lua scripts touch a single
 * Redis Cluster slot. The optional prefix lets tests and several deployments share one Redis.
 */
export interface RoomKeys {
  /** HASH: the room's config and its promoter state (rate EWMA, token bucket). Exists iff the room is open. */
  room: string;
  /** STRING: the room's server-side join sequence; survives a close so that a token id is never reused. */
  seq: string;
  /** ZSET: WAITING users, member userId, score = join sequence (the token id). */
  waiting: string;
  /** ZSET: WAITING users, member userId, score = last poll (ms, Redis clock): the liveness index. */
  seen: string;
  /** ZSET: ACTIVE users, member userId, score = expiry (ms, Redis clock). */
  active: string;
  /** HASH: ACTIVE users, userId -> token id, so that an older token of the same user is not ACTIVE. */
  activeTokens: string;
  /**
   * HASH: ACTIVE users whose client has not seen the admission yet, userId -> admission time (ms). Until
   * its first poll sees ACTIVE, such a token keeps the idle deadline it had while WAITING; the poll
   * then claims the full activeTtlSeconds from admission.
   */
  unclaimed: string;
  /** ZSET: admission log, one member per promotion batch, score = time (ms); guards the rate. */
  admissions: string;
  /** STREAM: token lifecycle events, consumed by the booking API's journal worker. */
  events: string;
  /**
   * STRING: the concert's AVAILABLE seats, kept by the booking API (seats-left.ts); absent = unknown,
   * never sold out. Not a room key: it survives a room's close.
   */
  seatsLeft: string;
}

export interface KeySpace {
  readonly prefix: string;
  room(concertId: number): RoomKeys;
  /** STRING with a TTL: marks a token that was expired by its owner's payment. */
  paidToken(concertId: number, userId: number, tokenId: number): string;
  /** SET of open concert ids; read by the promoter and the journal worker, never on a request path. */
  rooms(): string;
  /** Prefix of the Redlock seat locks, kept apart from every data key. */
  seatLock(seatId: number): string;
  /** Redlock lease of the booking API's journal: one process at a time reads the rooms' event streams. */
  journalLock(): string;
  /** Prefix for BullMQ queues of this deployment. */
  bullPrefix(): string;
  /**
   * STRING: set by the booking API's workers once Redis holds the deployment's state. A Redis that
   * restarted empty lacks it, which is how the loss is noticed with one EXISTS.
   */
  epoch(): string;
  /** Rate-limit counters. */
  rateLimit(): string;
}

export function createKeySpace(prefix = ''): KeySpace {
  return {
    prefix,
    room(concertId) {
      const base = `${prefix}q:{c${concertId}}`;
      return {
        room: `${base}:room`,
        seq: `${base}:seq`,
        waiting: `${base}:waiting`,
        seen: `${base}:seen`,
        active: `${base}:active`,
        activeTokens: `${base}:active-tokens`,
        unclaimed: `${base}:unclaimed`,
        admissions: `${base}:admissions`,
        events: `${base}:events`,
        seatsLeft: `${base}:seats-left`,
      };
    },
    paidToken(concertId, userId, tokenId) {
      return `${prefix}q:{c${concertId}}:paid:${userId}:${tokenId}`;
    },
    rooms: () => `${prefix}q:rooms`,
    seatLock: (seatId) => `${prefix}lock:seat:${seatId}`,
    journalLock: () => `${prefix}lock:journal`,
    // Hash-tagged: on a cluster, BullMQ needs every key of a queue in one slot.
    bullPrefix: () => `{${prefix}bull}`,
    epoch: () => `${prefix}q:epoch`,
    rateLimit: () => `${prefix}rl:`,
  };
}
