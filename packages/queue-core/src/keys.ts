/**
 * Every Redis key of the waiting rooms is built here and nowhere else.
 *
 * A room's keys share the hash tag `{c<concertId>}`, so that each room's Lua scripts touch a single
 * Redis Cluster slot. The optional prefix lets tests and several deployments share one Redis.
 *
 * The line is a range of token ids: a token's *place* is its id minus the room's `base` (the first id
 * of the line, kept in the room hash), and every per-place structure is indexed by it:
 *
 * | key                      | type   | per place                                            |
 * | ------------------------ | ------ | ---------------------------------------------------- |
 * | `line`                   | bitmap | 1 bit: the place is WAITING                          |
 * | `users`                  | string | 4 bytes: its user id, big-endian                     |
 * | `seen:<epochMs>:<epoch>` | bitmap | 1 bit per epoch: the token was live in that epoch    |
 * | `u:<userId >> 7>`        | hash   | field userId & 127 → place, listpack-encoded (≤ 128) |
 *
 * An epoch is an eighth of the room's idle timeout (`epochMs` in the room hash); the last nine epochs
 * are kept (see common.lua). The `u:` hashes are the per-user dedupe of WAITING users.
 */
export interface RoomKeys {
  /** HASH: the room's config and its promoter state (rate EWMA, token bucket, line base). Exists iff the room is open. */
  room: string;
  /** STRING: the room's server-side join sequence; survives a close so that a token id is never reused. */
  seq: string;
  /** BITMAP: one bit per place, set while that token is WAITING. */
  line: string;
  /** STRING: four bytes per place, the place's user id. */
  users: string;
  /** SET: the numbers of the `u:` dedupe hashes in use, so that a close can delete them. */
  buckets: string;
  /** BITMAP: scratch of the idle sweep: WAITING places with no liveness bit in the idle window. */
  dead: string;
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
  /** STREAM: token lifecycle events, consumed by the booking API's journal worker and the replicas. */
  events: string;
  /**
   * STRING: the concert's AVAILABLE seats, kept by the booking API (seats-left.ts); absent = unknown,
   * never sold out. Not a room key: it survives a room's close.
   */
  seatsLeft: string;
  /** BITMAP: the liveness bits of one epoch (derived in Lua from `room` the same way). */
  seenEpoch(epochMs: number, epoch: number): string;
  /** HASH: the dedupe hash of a WAITING user (derived in Lua from `room` the same way). */
  userBucket(userId: number): string;
}

/**
 * The order of the room keys that every room script receives as KEYS[1..11] (common.lua names them
 * in the same order); a script's own extra keys follow.
 */
export const SCRIPT_KEY_ORDER = [
  'room',
  'seq',
  'line',
  'users',
  'buckets',
  'dead',
  'active',
  'activeTokens',
  'unclaimed',
  'admissions',
  'events',
] as const satisfies readonly (keyof RoomKeys)[];

export interface KeySpace {
  readonly prefix: string;
  room(concertId: number): RoomKeys;
  /** The room keys in SCRIPT_KEY_ORDER: the first KEYS of every room script. */
  scriptKeys(concertId: number): string[];
  /** STRING with a TTL: marks a token that was expired by its owner's payment. */
  paidToken(concertId: number, userId: number, tokenId: number): string;
  /** SET of open concert ids; read by the promoter and the journal worker, never on a request path. */
  rooms(): string;
  /** Glob of every room's `events` stream, open or closed: the journal's SCAN (never on a request path). */
  roomEventsPattern(): string;
  /** The concert of a room's `events` key, or null for any other key. */
  concertOfRoomEvents(key: string): number | null;
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

/** Users per dedupe hash: Redis keeps a hash of up to 128 entries as a listpack (hash-max-listpack-entries). */
export const USER_BUCKET_SIZE = 128;

export function createKeySpace(prefix = ''): KeySpace {
  const room = (concertId: number): RoomKeys => {
    const base = `${prefix}q:{c${concertId}}`;
    return {
      room: `${base}:room`,
      seq: `${base}:seq`,
      line: `${base}:line`,
      users: `${base}:users`,
      buckets: `${base}:buckets`,
      dead: `${base}:dead`,
      active: `${base}:active`,
      activeTokens: `${base}:active-tokens`,
      unclaimed: `${base}:unclaimed`,
      admissions: `${base}:admissions`,
      events: `${base}:events`,
      seatsLeft: `${base}:seats-left`,
      seenEpoch: (epochMs, epoch) => `${base}:seen:${epochMs}:${epoch}`,
      userBucket: (userId) => `${base}:u:${Math.floor(userId / USER_BUCKET_SIZE)}`,
    };
  };
  return {
    prefix,
    room,
    scriptKeys(concertId) {
      const k = room(concertId);
      return SCRIPT_KEY_ORDER.map((name) => k[name]);
    },
    paidToken(concertId, userId, tokenId) {
      return `${prefix}q:{c${concertId}}:paid:${userId}:${tokenId}`;
    },
    rooms: () => `${prefix}q:rooms`,
    // Glob characters in the prefix are escaped, so that the pattern matches only this prefix's keys.
    roomEventsPattern: () => `${prefix.replace(/[*?[\]\\]/g, '\\$&')}q:{c*}:events`,
    concertOfRoomEvents(key) {
      if (!key.startsWith(prefix)) return null;
      const match = /^q:\{c(\d+)\}:events$/.exec(key.slice(prefix.length));
      return match ? Number(match[1]) : null;
    },
    seatLock: (seatId) => `${prefix}lock:seat:${seatId}`,
    journalLock: () => `${prefix}lock:journal`,
    // Hash-tagged: on a cluster, BullMQ needs every key of a queue in one slot.
    bullPrefix: () => `{${prefix}bull}`,
    epoch: () => `${prefix}q:epoch`,
    rateLimit: () => `${prefix}rl:`,
  };
}
