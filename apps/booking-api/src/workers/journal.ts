import type { PrismaClient } from '@concert/db';
import { createPeriodicTask, createThrottledWarn, scanKeys } from '@concert/http';
import type { KeySpace } from '@concert/queue-core';
import { type Lock, Redlock } from '@sesamecare-oss/redlock';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { concertExists } from '../services/catalog.ts';
import { applyWrites, foldEntries, type StreamEntry } from './journal-fold.ts';

/** The consumer group the journal reads the rooms' event streams with. */
export const JOURNAL_GROUP = 'booking-journal';
/**
 * One consumer name for every process: only the holder of the journal lease reads, and a new holder
 * must find what a crashed one left unacknowledged in this consumer's pending list.
 */
const CONSUMER = 'journal';
const LEASE_MS = 30_000;
/**
 * How often the keyspace is scanned for the rooms' streams (closed rooms keep theirs, with the close
 * event), and how long a concert unknown to MySQL is left alone. Open rooms are read from their set
 * on every pass, so a new room is journaled at once.
 */
const STREAMS_REFRESH_MS = 10_000;

export interface JournalOptions {
  /** A request-style connection (fails fast); the journal never blocks on it. */
  redis: Redis;
  prisma: PrismaClient;
  keys: KeySpace;
  logger: FastifyBaseLogger;
  pollIntervalMs: number;
  readCount: number;
}

export interface Journal {
  start(): void;
  stop(): Promise<void>;
  /** One pass over every room; returns how many stream entries it applied. Tests call it directly. */
  runOnce(): Promise<number>;
}

/**
 * Where a room's next read starts, the journal's state per stream:
 *
 * - `pending` (also every stream not in the map): the consumer's pending list, XREADGROUP id 0. A
 *   stream starts here, and returns here when a new lease holder takes over or a batch read from it
 *   could not be written (it stays pending in Redis and must reach MySQL first);
 * - `new`: the pending list read empty, so new entries ('>').
 */
type ReadFrom = 'pending' | 'new';

/** The ID just after `id`, so that XTRIM MINID drops `id` itself and everything before it. */
function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}

const isNoGroup = (err: unknown) => /NOGROUP/.test((err as Error).message);

/** The journal lease: one process at a time reads, so that a room's events apply in stream order. */
function createLease(redis: Redis, key: string, logger: FastifyBaseLogger) {
  const redlock = new Redlock([redis], { retryCount: 0 });
  let lock: Lock | null = null;
  return {
    /** Holds or renews the lease; false when another process holds it or Redis refused. */
    async hold(onLost: () => void): Promise<boolean> {
      if (lock && lock.expiration - Date.now() > LEASE_MS / 2) return true;
      try {
        lock = lock ? await lock.extend(LEASE_MS) : await redlock.acquire([key], LEASE_MS);
        return true;
      } catch {
        if (lock) logger.warn('journal lease lost');
        lock = null;
        onLost();
        return false;
      }
    },
    async release(): Promise<void> {
      if (lock) await lock.release().catch(() => undefined);
      lock = null;
    },
  };
}

/**
 * The rooms whose streams the journal reads, all from Redis: the open rooms' set on every pass, and
 * every room stream found by a SCAN of every master (a closed room's stream still holds its close
 * event) each STREAMS_REFRESH_MS. A stream of a concert that MySQL does not know is left out (the
 * Queue table's foreign key would refuse its rows), and looked at again after a refresh.
 */
function createRoomList(opts: Pick<JournalOptions, 'redis' | 'prisma' | 'keys' | 'logger'>) {
  const { redis, prisma, keys, logger } = opts;
  let streams = new Set<number>();
  let scannedAt = Number.NEGATIVE_INFINITY;
  const knownConcerts = new Set<number>();
  /** Concerts MySQL did not know, and when that was seen. */
  const unknownSince = new Map<number, number>();

  async function isJournaled(concertId: number, now: number): Promise<boolean> {
    if (knownConcerts.has(concertId)) return true;
    const since = unknownSince.get(concertId);
    if (since !== undefined && now - since < STREAMS_REFRESH_MS) return false;
    if (await concertExists(prisma, concertId)) {
      knownConcerts.add(concertId);
      unknownSince.delete(concertId);
      return true;
    }
    if (since === undefined) {
      logger.warn(
        { concertId },
        'a waiting room is open for a concert that MySQL does not know; not journaled',
      );
    }
    unknownSince.set(concertId, now);
    return false;
  }

  return {
    async list(): Promise<number[]> {
      const now = Date.now();
      const open = (await redis.smembers(keys.rooms())).map(Number);
      if (now - scannedAt >= STREAMS_REFRESH_MS) {
        const found = (await scanKeys(redis, keys.roomEventsPattern())).map((k) =>
          keys.concertOfRoomEvents(k),
        );
        streams = new Set(found.filter((c): c is number => c !== null));
        scannedAt = now;
      }
      for (const c of open) streams.add(c);
      const rooms: number[] = [];
      for (const c of [...streams].sort((a, b) => a - b)) if (await isJournaled(c, now)) rooms.push(c);
      return rooms;
    },
    /** A stream that is gone (and no room is open): not read again until a scan finds it. */
    forget(concertId: number): void {
      streams.delete(concertId);
    },
  };
}

/**
 * The durable journal of the waiting rooms: reads each room's lifecycle stream (written by the
 * gateway's Lua scripts) through a consumer group, writes the Queue table (journal-fold.ts),
 * acknowledges, and trims what it acknowledged so the stream does not grow in Redis without bound.
 *
 * One process at a time reads, under a Redlock lease, so that a room's events apply in stream order:
 * a close ('C') must land after the joins before it. A process that loses the lease mid-pass may
 * apply one batch twice, which the upsert tolerates.
 */
export function createJournal(opts: JournalOptions): Journal {
  const { redis, prisma, keys, logger } = opts;
  const lease = createLease(redis, keys.journalLock(), logger);
  const rooms = createRoomList(opts);
  const readFrom = new Map<number, ReadFrom>();

  async function readBatch(stream: string, from: '0' | '>'): Promise<StreamEntry[]> {
    const reply = (await redis.xreadgroup(
      'GROUP',
      JOURNAL_GROUP,
      CONSUMER,
      'COUNT',
      opts.readCount,
      'STREAMS',
      stream,
      from,
    )) as [string, StreamEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  /** The consumer group, made on first need; false when the stream does not exist (yet). */
  async function createGroup(stream: string): Promise<boolean> {
    try {
      // No MKSTREAM: a room without a stream has nothing to journal, and an empty stream made here
      // would outlive its room.
      await redis.xgroup('CREATE', stream, JOURNAL_GROUP, '0');
    } catch (err) {
      const message = (err as Error).message;
      if (/requires the key to exist/i.test(message)) return false;
      if (!/BUSYGROUP/.test(message)) throw err;
    }
    return true;
  }

  /** The pending entries first, then new ones; the group is created when the read says NOGROUP. */
  async function readRoom(concertId: number, stream: string): Promise<StreamEntry[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (readFrom.get(concertId) !== 'new') {
          const pending = await readBatch(stream, '0');
          if (pending.length > 0) return pending;
          readFrom.set(concertId, 'new');
        }
        return await readBatch(stream, '>');
      } catch (err) {
        if (!isNoGroup(err) || attempt > 0) throw err;
        // The group (or the stream) is gone or never was: a new group reads the stream from its start.
        readFrom.delete(concertId);
        if (!(await createGroup(stream))) {
          rooms.forget(concertId);
          return [];
        }
      }
    }
  }

  /** Reads, applies and acknowledges one batch of a room; returns the entries it applied. */
  async function journalRoom(concertId: number): Promise<number> {
    const stream = keys.room(concertId).events;
    const entries = await readRoom(concertId, stream);
    if (entries.length === 0) return 0;
    try {
      await applyWrites(prisma, concertId, foldEntries(concertId, entries));
    } catch (err) {
      // Read but not recorded (MySQL went away): they stay in the pending list, and the next pass must
      // read them from there again, first, or they would never reach MySQL.
      readFrom.set(concertId, 'pending');
      throw err;
    }
    const ids = entries.map(([id]) => id);
    await redis.xack(stream, JOURNAL_GROUP, ...ids);
    // Everything up to the last acknowledged entry is in MySQL; Redis need not keep it.
    await redis.xtrim(stream, 'MINID', nextStreamId(ids[ids.length - 1]!));
    return entries.length;
  }

  async function runOnce(): Promise<number> {
    // A new holder starts from the pending lists, which the previous holder may have left.
    if (!(await lease.hold(() => readFrom.clear()))) return 0;
    let applied = 0;
    for (const concertId of await rooms.list()) applied += await journalRoom(concertId);
    return applied;
  }

  const loop = createPeriodicTask({
    intervalMs: opts.pollIntervalMs,
    firstDelayMs: 0,
    // A full batch means more is waiting: read again at once.
    tick: async () => ((await runOnce()) >= opts.readCount ? 0 : undefined),
    onError: createThrottledWarn(logger, 'journal pass failed'),
  });

  return {
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      await lease.release();
    },
    runOnce,
  };
}
