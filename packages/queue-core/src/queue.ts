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

/** Tokens per read-statuses call: its ARGV and its one ZADD stay far below Lua's 8000-slot stack. */
const READ_STATUSES_CHUNK = 1000;

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
 * The waiting rooms, shared by the gateway (join, poll, leave, promote, admin) and the booking API
 * (token state, expiry after payment). Every operation is one Lua call: one round trip, atomic.
 */
export function createQueueCore(options: QueueCoreOptions) {
  const { redis } = options;
  const keys: KeySpace = createKeySpace(options.prefix ?? '');
  const maxLen = options.eventsMaxLen ?? 2_000_000;
  registerQueueScripts(redis);

  const tokenKeys = (c: number) => {
    const k = keys.room(c);
    return [k.waiting, k.seen, k.active, k.activeTokens, k.events] as const;
  };

  return {
    keys,

    async openRoom(concertId: number, patch: Partial<RoomConfig>, defaults: RoomConfig) {
      const k = keys.room(concertId);
      const values = ROOM_FIELDS.map((f) => (patch[f] === undefined ? '' : patch[f]));
      const fallback = ROOM_FIELDS.map((f) => defaults[f]);
      const [created, ...numbers] = await redis.queueOpenRoom(k.room, k.seq, ...values, ...fallback);
      await redis.sadd(keys.rooms(), concertId);
      const config = Object.fromEntries(ROOM_FIELDS.map((f, i) => [f, numbers[i]])) as unknown as RoomConfig;
      return { created: created === 1, config };
    },

    async closeRoom(concertId: number): Promise<boolean> {
      const k = keys.room(concertId);
      // Out of the promoter's set first, then closed: an open racing this close runs its SADD after
      // its own script, so a room can end closed-but-listed (harmless: promote skips it), never
      // open-but-unlisted (nobody would ever be admitted).
      await redis.srem(keys.rooms(), concertId);
      const closed = await redis.queueCloseRoom(
        k.room,
        k.waiting,
        k.seen,
        k.active,
        k.activeTokens,
        k.unclaimed,
        k.events,
        maxLen,
      );
      return closed === 1;
    },

    /** The seats-left counts of several concerts, as raw strings (null = never set): one GET each. */
    async readSeatsLeft(concertIds: readonly number[]): Promise<(string | null)[]> {
      return Promise.all(concertIds.map((c) => redis.get(keys.room(c).seatsLeft)));
    },

    /**
     * One line replica's tick for one room: writes the liveness of `userIds` (answered from memory)
     * and reads the estimate's inputs and the event stream's bounds. Null when the room is closed.
     */
    async tickRoomReplica(concertId: number, userIds: readonly number[]): Promise<RoomTick | null> {
      const k = keys.room(concertId);
      let r: string[] = [];
      for (let start = 0; start === 0 || start < userIds.length; start += READ_STATUSES_CHUNK) {
        r = await redis.queueRoomTick(
          k.room,
          k.seen,
          k.events,
          ...userIds.slice(start, start + READ_STATUSES_CHUNK),
        );
        if (r.length === 0) return null;
      }
      return {
        estimate: r[0]!,
        admitPerSecond: r[1]!,
        idleTimeoutSeconds: r[2]!,
        firstEventId: r[3] || null,
        lastEventId: r[4] || null,
      };
    },

    /** The newest event id of a room's stream (null when empty): where a replica's snapshot starts. */
    async readLastEventId(concertId: number): Promise<string | null> {
      const [last] = await redis.xrevrange(keys.room(concertId).events, '+', '-', 'COUNT', 1);
      return last ? last[0] : null;
    },

    /**
     * WAITING tokens with ids above `afterTokenId`, in line order, at most `count`, each with its last
     * poll (Redis clock, ms): a replica's snapshot page. Two reads; a last poll only ever grows.
     */
    async readWaitingPage(concertId: number, afterTokenId: number, count: number) {
      const k = keys.room(concertId);
      const flat = await redis.zrangebyscore(
        k.waiting,
        `(${afterTokenId}`,
        '+inf',
        'WITHSCORES',
        'LIMIT',
        0,
        count,
      );
      const out: { userId: number; tokenId: number; lastSeenMs: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        out.push({ userId: Number(flat[i]), tokenId: Number(flat[i + 1]), lastSeenMs: 0 });
      }
      if (out.length > 0) {
        const seen = await redis.zmscore(k.seen, ...out.map((t) => t.userId));
        seen.forEach((s, i) => {
          out[i]!.lastSeenMs = s === null ? 0 : Number(s);
        });
      }
      return out;
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
      const k = keys.room(concertId);
      const r = await redis.queueRoomStats(k.room, k.waiting, k.active, k.admissions);
      if (r.length === 0) return null;
      const [waiting, active, admitted, ...rest] = r.map((v) => String(v));
      const config = Object.fromEntries(
        ROOM_FIELDS.map((f, i) => [f, Number(rest[i])]),
      ) as unknown as RoomConfig;
      const rate = rest[5] ? Number(rest[5]) : null;
      return {
        concertId,
        waiting: Number(waiting),
        active: Number(active),
        admittedLastMinute: Number(admitted),
        measuredAdmitPerSecond: rate === null ? null : Math.round(rate * 100) / 100,
        config,
      };
    },

    async joinRoom(concertId: number, userId: number): Promise<JoinResult> {
      const k = keys.room(concertId);
      const r = await redis.queueJoin(
        k.room,
        k.seq,
        k.waiting,
        k.seen,
        k.active,
        k.activeTokens,
        k.events,
        k.unclaimed,
        userId,
        maxLen,
      );
      if (r[0] === -1) return { outcome: 'NO_ROOM' };
      if (r[0] === -2) return { outcome: 'FULL' };
      const outcome = r[0] === 1 ? 'JOINED' : 'REJOINED';
      const tokenId = Number(r[2]);
      if (r[1] === 'ACTIVE') return { outcome, tokenId, status: toActive(r[3]!) };
      return { outcome, tokenId, status: toWaiting(Number(r[3]), String(r[4]), String(r[5]), String(r[6])) };
    },

    async pollToken(claims: TokenClaims): Promise<QueueStatus> {
      const k = keys.room(claims.concertId);
      const r = await redis.queuePoll(
        k.room,
        k.waiting,
        k.seen,
        k.active,
        k.activeTokens,
        k.events,
        k.unclaimed,
        claims.userId,
        claims.tokenId,
        maxLen,
      );
      if (r[0] === 'WAITING') return toWaiting(Number(r[1]), String(r[2]), String(r[3]), String(r[4]));
      if (r[0] === 'ACTIVE') return toActive(r[1]!);
      return { status: 'EXPIRED' };
    },

    /**
     * The statuses of many tokens of one room, in the order given, in one round trip per
     * READ_STATUSES_CHUNK tokens; each WAITING one is refreshed as live, as a poll refreshes it.
     * The push streams of a gateway instance call it once per room per tick.
     */
    async readStatuses(concertId: number, tokens: readonly TokenClaims[]): Promise<QueueStatus[]> {
      const k = keys.room(concertId);
      const out: QueueStatus[] = [];
      for (let start = 0; start < tokens.length; start += READ_STATUSES_CHUNK) {
        const chunk = tokens.slice(start, start + READ_STATUSES_CHUNK);
        const args: (string | number)[] = [];
        for (const t of chunk) args.push(t.userId, t.tokenId);
        const r = await redis.queueReadStatuses(
          k.room,
          k.waiting,
          k.seen,
          k.active,
          k.activeTokens,
          k.events,
          k.unclaimed,
          maxLen,
          ...args,
        );
        if (r.length === 0) {
          for (const _ of chunk) out.push({ status: 'EXPIRED' });
          continue;
        }
        const [rate, perSecond, idle] = [String(r[0]), String(r[1]), String(r[2])];
        for (let i = 3; i < r.length; i += 2) {
          const kind = r[i];
          if (kind === 'W') out.push(toWaiting(Number(r[i + 1]), rate, perSecond, idle));
          else if (kind === 'A') out.push(toActive(r[i + 1]!));
          else out.push({ status: 'EXPIRED' });
        }
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
        ...tokenKeys(claims.concertId),
        paidKey,
        keys.room(claims.concertId).unclaimed,
        claims.userId,
        claims.tokenId,
        maxLen,
        reason === 'paid' ? PAID_MARKER_SECONDS : 0,
      );
      return freed > 0;
    },

    /** One read-only round trip: is this exact token ACTIVE, or expired by its owner's payment? */
    async readTokenState(claims: TokenClaims): Promise<{ state: TokenState; expiresAt?: string }> {
      const k = keys.room(claims.concertId);
      const paidKey = keys.paidToken(claims.concertId, claims.userId, claims.tokenId);
      const r = await redis.queueTokenState(k.active, k.activeTokens, paidKey, claims.userId, claims.tokenId);
      if (r[0] === 'ACTIVE') return { state: 'ACTIVE', expiresAt: new Date(Number(r[1])).toISOString() };
      return { state: r[0] as TokenState };
    },

    async promoteRoom(concertId: number, batchMax: number): Promise<PromoteResult> {
      const k = keys.room(concertId);
      const [admitted = 0, idleExpired = 0, activeExpired = 0, waiting = 0, active = 0] =
        await redis.queuePromote(
          k.room,
          k.waiting,
          k.seen,
          k.active,
          k.activeTokens,
          k.admissions,
          k.events,
          k.unclaimed,
          batchMax,
          maxLen,
        );
      return { admitted, idleExpired, activeExpired, waiting, active };
    },
  };
}

export type QueueCore = ReturnType<typeof createQueueCore>;
