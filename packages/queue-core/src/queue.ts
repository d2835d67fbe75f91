import type { Redis } from 'ioredis';
import { advisePollAfterMs, estimateFromRoom } from './estimate.ts';
import { createKeySpace, type KeySpace } from './keys.ts';
import { registerQueueScripts } from './scripts.ts';
import type { TokenClaims } from './token.ts';

export interface RoomConfig {
  maxActive: number;
  admitPerSecond: number;
  activeTtlSeconds: number;
  idleTimeoutSeconds: number;
  maxWaiting: number;
}

export const ROOM_FIELDS = [
  'maxActive',
  'admitPerSecond',
  'activeTtlSeconds',
  'idleTimeoutSeconds',
  'maxWaiting',
] as const satisfies readonly (keyof RoomConfig)[];

export type QueueStatus =
  | {
      status: 'WAITING';
      position: number;
      estimatedWaitSeconds: number;
      pollAfterMs: number;
      /** Set by the gateway from its per-room cache of the concert's seats left. */
      soldOut?: boolean;
    }
  | { status: 'ACTIVE'; expiresAt: string }
  | { status: 'EXPIRED' };

export type JoinResult =
  | { outcome: 'NO_ROOM' }
  | { outcome: 'FULL' }
  | { outcome: 'JOINED' | 'REJOINED'; tokenId: number; status: QueueStatus };

export interface RoomStats {
  concertId: number;
  waiting: number;
  active: number;
  admittedLastMinute: number;
  measuredAdmitPerSecond: number | null;
  config: RoomConfig;
}

export interface PromoteResult {
  admitted: number;
  idleExpired: number;
  activeExpired: number;
  waiting: number;
  active: number;
}

/** What a line replica reads from Redis each tick (room-tick.lua); ids are stream entry ids. */
export interface RoomTick {
  /** The room's estimate model, "rate;staleShare;sweepSeconds" (estimate.ts), '' before the promoter's first tick. */
  estimate: string;
  admitPerSecond: string;
  idleTimeoutSeconds: string;
  firstEventId: string | null;
  lastEventId: string | null;
}

/** Token states as the booking API's gate sees them. */
export type TokenState = 'ACTIVE' | 'PAID' | 'INACTIVE';

export interface QueueCoreOptions {
  redis: Redis;
  /** Key prefix shared by every service of one deployment. */
  prefix?: string;
  /** Approximate cap on each room's event stream. */
  eventsMaxLen?: number;
}

/** Tokens per read-statuses, room-tick or restore-line call: far below Lua's 8000-slot stack. */
const CHUNK = 1000;

/** Places per snapshot page: 8 KB of line bits, 256 KB of user ids. */
const LINE_PAGE_SPAN = 65_536;

/** How long a payment-expired token may still read what it paid for. */
const PAID_MARKER_SECONDS = 86_400;

function toWaiting(position: number, estimate: string, admitPerSecond: string, idle: string): QueueStatus {
  const perSecond = Number(admitPerSecond);
  return {
    status: 'WAITING',
    position,
    estimatedWaitSeconds: estimateFromRoom(position, estimate, perSecond),
    pollAfterMs: advisePollAfterMs(position, perSecond, Number(idle)),
  };
}

const toActive = (expiresAtMs: string | number): QueueStatus => ({
  status: 'ACTIVE',
  expiresAt: new Date(Number(expiresAtMs)).toISOString(),
});

/**
 * Each script's reply, decoded into named fields: the one place that knows a reply's layout, which
 * the script's header documents.
 */
const decode = {
  /** join.lua: {-1} | {-2} | {isNew, 'WAITING', tokenId, position, estimate, admitPerSecond, idle} | {0, 'ACTIVE', tokenId, expiresAtMs} */
  join(r: (string | number)[]): JoinResult {
    const [code, state, tokenId, a, estimate, admitPerSecond, idle] = r;
    if (code === -1) return { outcome: 'NO_ROOM' };
    if (code === -2) return { outcome: 'FULL' };
    const outcome = code === 1 ? 'JOINED' : 'REJOINED';
    const status =
      state === 'ACTIVE'
        ? toActive(a!)
        : toWaiting(Number(a), String(estimate), String(admitPerSecond), String(idle));
    return { outcome, tokenId: Number(tokenId), status };
  },
  /** poll.lua: {'WAITING', position, estimate, admitPerSecond, idle} | {'ACTIVE', expiresAtMs} | {'EXPIRED'} */
  poll(r: (string | number)[]): QueueStatus {
    const [state, a, estimate, admitPerSecond, idle] = r;
    if (state === 'WAITING')
      return toWaiting(Number(a), String(estimate), String(admitPerSecond), String(idle));
    if (state === 'ACTIVE') return toActive(a!);
    return { status: 'EXPIRED' };
  },
  /** read-statuses.lua: {} | {estimate, admitPerSecond, idle, kind1, value1, …} */
  statuses(r: (string | number)[], count: number): QueueStatus[] {
    if (r.length === 0) return Array.from({ length: count }, () => ({ status: 'EXPIRED' }) as const);
    const [estimate, admitPerSecond, idle] = [String(r[0]), String(r[1]), String(r[2])];
    const out: QueueStatus[] = [];
    for (let i = 3; i < r.length; i += 2) {
      const [kind, value] = [r[i], r[i + 1]!];
      if (kind === 'W') out.push(toWaiting(Number(value), estimate, admitPerSecond, idle));
      else if (kind === 'A') out.push(toActive(value));
      else out.push({ status: 'EXPIRED' });
    }
    return out;
  },
  /** room-tick.lua: {} | {estimate, admitPerSecond, idle, firstEventId, lastEventId} */
  tick(r: string[]): RoomTick | null {
    if (r.length === 0) return null;
    const [estimate, admitPerSecond, idleTimeoutSeconds, first, last] = r;
    return {
      estimate: estimate!,
      admitPerSecond: admitPerSecond!,
      idleTimeoutSeconds: idleTimeoutSeconds!,
      firstEventId: first || null,
      lastEventId: last || null,
    };
  },
  /** room-stats.lua: {} | {waiting, active, admittedLastMinute, …ROOM_FIELDS, rate} */
  stats(concertId: number, r: (string | number)[]): RoomStats | null {
    if (r.length === 0) return null;
    const [waiting, active, admitted, ...rest] = r.map((v) => String(v));
    const config = Object.fromEntries(
      ROOM_FIELDS.map((f, i) => [f, Number(rest[i])]),
    ) as unknown as RoomConfig;
    const rate = rest[ROOM_FIELDS.length] ? Number(rest[ROOM_FIELDS.length]) : null;
    return {
      concertId,
      waiting: Number(waiting),
      active: Number(active),
      admittedLastMinute: Number(admitted),
      measuredAdmitPerSecond: rate === null ? null : Math.round(rate * 100) / 100,
      config,
    };
  },
  /** promote.lua: {admitted, idleExpired, activeExpired, waiting, active} */
  promote(r: number[]): PromoteResult {
    const [admitted = 0, idleExpired = 0, activeExpired = 0, waiting = 0, active = 0] = r;
    return { admitted, idleExpired, activeExpired, waiting, active };
  },
  /** open-room.lua: {created, …the room as room-stats.lua reads it}, both from the same atomic call. */
  openRoom(concertId: number, r: (string | number)[]) {
    const [created, ...stats] = r;
    const room = decode.stats(concertId, stats)!;
    return { created: Number(created) === 1, config: room.config, room };
  },
  /**
   * read-line.lua: {base, firstPlace, nowMs, epochMs, epoch, more, line, users, seen(epoch), …}, the
   * bit strings raw: bit i of a bitmap is bit 7 − i % 8 of byte i / 8 (Redis numbers bits from the
   * most significant). Tokens above `afterTokenId` only; `next` is where the following stretch starts.
   */
  line(r: (Buffer | number)[], afterTokenId: number, span: number) {
    const tokens: { userId: number; tokenId: number; lastSeenMs: number }[] = [];
    if (r.length === 0) return { tokens, next: null };
    const [base, firstPlace, now, epochMs, epoch, more] = r.slice(0, 6).map((v) => Number(v.toString()));
    const [line, users, ...seen] = r.slice(6) as Buffer[];
    for (let byte = 0; byte < line!.length; byte++) {
      const bits = line![byte]!;
      if (bits === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        const mask = 0x80 >> bit;
        if ((bits & mask) === 0) continue;
        const i = byte * 8 + bit;
        const tokenId = base! + firstPlace! + i;
        if (tokenId <= afterTokenId) continue;
        const userId = users!.length >= (i + 1) * 4 ? users!.readUInt32BE(i * 4) : 0;
        // The newest epoch with the place's bit: seen[k] is epoch − k.
        const k = seen.findIndex((s) => byte < s.length && (s[byte]! & mask) !== 0);
        const lastSeenMs = k < 0 ? 0 : Math.min(now!, (epoch! - k + 1) * epochMs!);
        tokens.push({ userId, tokenId, lastSeenMs });
      }
    }
    return { tokens, next: more === 1 ? base! + firstPlace! + span - 1 : null };
  },
  /** token-state.lua: {'ACTIVE', expiresAtMs} | {'PAID'} | {'INACTIVE'} */
  tokenState(r: (string | number)[]): { state: TokenState; expiresAt?: string } {
    const [state, expiresAtMs] = r;
    if (state === 'ACTIVE') return { state, expiresAt: new Date(Number(expiresAtMs)).toISOString() };
    return { state: state as TokenState };
  },
};

/**
 * The waiting rooms, shared by the gateway (join, poll, leave, promote, admin) and the booking API
 * (token state, expiry after payment). Every operation is one Lua call: one round trip, atomic.
 */
export function createQueueCore(options: QueueCoreOptions) {
  const { redis } = options;
  const keys: KeySpace = createKeySpace(options.prefix ?? '');
  const maxLen = options.eventsMaxLen ?? 2_000_000;
  registerQueueScripts(redis);
  const roomKeys = (concertId: number) => keys.scriptKeys(concertId);

  return {
    keys,

    async openRoom(concertId: number, patch: Partial<RoomConfig>, defaults: RoomConfig) {
      const values = ROOM_FIELDS.map((f) => (patch[f] === undefined ? '' : patch[f]));
      const fallback = ROOM_FIELDS.map((f) => defaults[f]);
      const opened = decode.openRoom(
        concertId,
        await redis.queueOpenRoom(...roomKeys(concertId), ...values, ...fallback),
      );
      await redis.sadd(keys.rooms(), concertId);
      return opened;
    },

    async closeRoom(concertId: number): Promise<boolean> {
      // Out of the promoter's set first, then closed: an open racing this close runs its SADD after
      // its own script, so a room can end closed-but-listed (harmless: promote skips it), never
      // open-but-unlisted (nobody would ever be admitted).
      await redis.srem(keys.rooms(), concertId);
      return (await redis.queueCloseRoom(...roomKeys(concertId), maxLen)) === 1;
    },

    /** The seats-left counts of several concerts, as raw strings (null = never set): one GET each. */
    async readSeatsLeft(concertIds: readonly number[]): Promise<(string | null)[]> {
      return Promise.all(concertIds.map((c) => redis.get(keys.room(c).seatsLeft)));
    },

    /**
     * One line replica's tick for one room: writes the liveness of `tokenIds` (answered from memory)
     * and reads the estimate's inputs and the event stream's bounds. Null when the room is closed.
     */
    async tickRoomReplica(concertId: number, tokenIds: readonly number[]): Promise<RoomTick | null> {
      let r: string[] = [];
      for (let start = 0; start === 0 || start < tokenIds.length; start += CHUNK) {
        r = await redis.queueRoomTick(...roomKeys(concertId), ...tokenIds.slice(start, start + CHUNK));
        if (r.length === 0) return null;
      }
      return decode.tick(r);
    },

    /** The newest event id of a room's stream (null when empty): where a replica's snapshot starts. */
    async readLastEventId(concertId: number): Promise<string | null> {
      const [last] = await redis.xrevrange(keys.room(concertId).events, '+', '-', 'COUNT', 1);
      return last ? last[0] : null;
    },

    /**
     * WAITING tokens with ids above `afterTokenId`, in line order, over the next `span` places (a
     * multiple of 8), each with the latest time it may have been seen (Redis clock, ms; 0 when idle):
     * a replica's snapshot page. `next` is the `afterTokenId` of the following page, null at the end.
     */
    async readWaitingPage(concertId: number, afterTokenId: number, span = LINE_PAGE_SPAN) {
      const r = await redis.queueReadLineBuffer(...roomKeys(concertId), afterTokenId, span);
      return decode.line(r, afterTokenId, span);
    },

    /** Derives a WAITING status from a replica's position and the room's inputs. */
    toWaitingStatus(
      position: number,
      tick: Pick<RoomTick, 'estimate' | 'admitPerSecond' | 'idleTimeoutSeconds'>,
    ) {
      return toWaiting(position, tick.estimate, tick.admitPerSecond, tick.idleTimeoutSeconds);
    },

    async listOpenRooms(): Promise<number[]> {
      return (await redis.smembers(keys.rooms())).map(Number).sort((a, b) => a - b);
    },

    async readRoomStats(concertId: number): Promise<RoomStats | null> {
      return decode.stats(concertId, await redis.queueRoomStats(...roomKeys(concertId)));
    },

    async joinRoom(concertId: number, userId: number): Promise<JoinResult> {
      return decode.join(await redis.queueJoin(...roomKeys(concertId), userId, maxLen));
    },

    async pollToken(claims: TokenClaims): Promise<QueueStatus> {
      return decode.poll(
        await redis.queuePoll(...roomKeys(claims.concertId), claims.userId, claims.tokenId, maxLen),
      );
    },

    /**
     * The statuses of many tokens of one room, in the order given, in one round trip per CHUNK
     * tokens; each WAITING one is refreshed as live, as a poll refreshes it.
     * The push streams of a gateway instance call it once per room per tick.
     */
    async readStatuses(concertId: number, tokens: readonly TokenClaims[]): Promise<QueueStatus[]> {
      const out: QueueStatus[] = [];
      for (let start = 0; start < tokens.length; start += CHUNK) {
        const chunk = tokens.slice(start, start + CHUNK);
        const pairs = chunk.flatMap((t) => [t.userId, t.tokenId]);
        const r = await redis.queueReadStatuses(...roomKeys(concertId), maxLen, ...pairs);
        out.push(...decode.statuses(r, chunk.length));
      }
      return out;
    },

    /**
     * Expires one token and frees its place at once: on leave, and, with `reason: 'paid'`, after the
     * booking API took a payment (the token may then still read what it paid for).
     * Returns whether a live place was freed.
     */
    async expireToken(claims: TokenClaims, reason: 'leave' | 'paid'): Promise<boolean> {
      const paidKey = keys.paidToken(claims.concertId, claims.userId, claims.tokenId);
      const freed = await redis.queueExpireToken(
        ...roomKeys(claims.concertId),
        paidKey,
        claims.userId,
        claims.tokenId,
        maxLen,
        reason === 'paid' ? PAID_MARKER_SECONDS : 0,
      );
      return freed > 0;
    },

    /** One read-only round trip: is this exact token ACTIVE, or expired by its owner's payment? */
    async readTokenState(claims: TokenClaims): Promise<{ state: TokenState; expiresAt?: string }> {
      const paidKey = keys.paidToken(claims.concertId, claims.userId, claims.tokenId);
      return decode.tokenState(
        await redis.queueTokenState(...roomKeys(claims.concertId), paidKey, claims.userId, claims.tokenId),
      );
    },

    async promoteRoom(concertId: number, batchMax: number): Promise<PromoteResult> {
      return decode.promote(await redis.queuePromote(...roomKeys(concertId), batchMax, maxLen));
    },

    /**
     * A WAITING token's exact position straight from Redis, read-only (no liveness write), or null when
     * it is not WAITING: what tests and operators compare a replica's answer with. O(N) over the line.
     */
    async readPosition(concertId: number, userId: number, tokenId: number): Promise<number | null> {
      const k = keys.room(concertId);
      const base = await redis.hget(k.room, 'base');
      if (base === null) return null;
      const place = tokenId - Number(base);
      if (place < 0) return null;
      // The base never changes while the room is open: one MULTI reads the rest atomically.
      const [[, bit], [, raw], [, position]] = (await redis
        .multi()
        .getbit(k.line, place)
        .getrangeBuffer(k.users, place * 4, place * 4 + 3)
        .bitcount(k.line, 0, place, 'BIT')
        .exec()) as [unknown, unknown][] as [[null, number], [null, Buffer], [null, number]];
      if (bit === 0 || raw.length < 4 || raw.readUInt32BE(0) !== userId) return null;
      return position;
    },
  };
}

export type QueueCore = ReturnType<typeof createQueueCore>;
