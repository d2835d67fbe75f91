import type { PrismaClient } from '@concert/db';
import { type KeySpace, parseQueueEvent, type QueueEvent } from '@concert/queue-core';
import { type Lock, Redlock } from '@sesamecare-oss/redlock';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/** The consumer group the journal reads the rooms' event streams with. */
export const JOURNAL_GROUP = 'booking-journal';
/**
 * One consumer name for every process: only the holder of the journal lease reads, and a new holder
 * must find what a crashed one left unacknowledged in this consumer's pending list.
 */
const CONSUMER = 'journal';
/** Rows per INSERT statement: batches of hundreds keep a 10 000-token admission tick to a few statements. */
const ROWS_PER_STATEMENT = 500;
const LEASE_MS = 30_000;
/** How often the set of concerts in MySQL is read again. */
const CONCERTS_REFRESH_MS = 10_000;

type Status = 'WAITING' | 'ACTIVE' | 'EXPIRED';
const RANK: Record<Status, number> = { WAITING: 1, ACTIVE: 2, EXPIRED: 3 };

interface JournalRow {
  concertId: number;
  userId: number;
  tokenSeq: number;
  status: Status;
  createdAt: Date;
  admittedAt: Date | null;
  expiredAt: Date | null;
}

type StreamEntry = [id: string, fields: string[] | null];

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

const earliest = (a: Date | null, b: Date | null): Date | null => (!a ? b : !b ? a : a <= b ? a : b);

/** The ID just after `id`, so that XTRIM MINID drops `id` itself and everything before it. */
function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}

/** Folds one event into the pending rows of its room, keeping each token's furthest state. */
function foldEvent(rows: Map<number, JournalRow>, concertId: number, event: QueueEvent): void {
  const status: Status = event.kind === 'J' ? 'WAITING' : event.kind === 'A' ? 'ACTIVE' : 'EXPIRED';
  for (const { userId, tokenId } of event.tokens) {
    if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(tokenId) || userId < 1 || tokenId < 1)
      continue;
    const row = rows.get(tokenId) ?? {
      concertId,
      userId,
      tokenSeq: tokenId,
      status,
      createdAt: event.at,
      admittedAt: null,
      expiredAt: null,
    };
    if (RANK[status] > RANK[row.status]) row.status = status;
    row.createdAt = earliest(row.createdAt, event.at)!;
    if (event.kind === 'A') row.admittedAt = earliest(row.admittedAt, event.at);
    if (event.kind === 'X') row.expiredAt = earliest(row.expiredAt, event.at);
    rows.set(tokenId, row);
  }
}

/**
 * Writes rows in multi-row statements. A repeat of an event (a redelivery after a crash) changes
 * nothing, and a status never moves back (WAITING < ACTIVE < EXPIRED), so the order in which
 * batches land does not matter.
 */
async function upsertRows(prisma: PrismaClient, rows: JournalRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const values = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
    const params = chunk.flatMap((r) => [
      r.concertId,
      r.userId,
      r.tokenSeq,
      r.status,
      r.createdAt,
      r.admittedAt,
      r.expiredAt,
    ]);
    await prisma.$executeRawUnsafe(
      `INSERT INTO Queue (concert_id, user_id, token_uuid, status, created_at, admitted_at, expired_at)
       VALUES ${values}
       ON DUPLICATE KEY UPDATE
         created_at = LEAST(created_at, VALUES(created_at)),
         admitted_at = COALESCE(admitted_at, VALUES(admitted_at)),
         expired_at = COALESCE(expired_at, VALUES(expired_at)),
         status = IF(FIELD(VALUES(status), 'WAITING', 'ACTIVE', 'EXPIRED') > FIELD(status, 'WAITING', 'ACTIVE', 'EXPIRED'),
                     VALUES(status), status)`,
      ...params,
    );
  }
}

/** A closed room: every token of it that was live when it closed is EXPIRED. */
async function closeRoomRows(prisma: PrismaClient, concertId: number, at: Date): Promise<void> {
  await prisma.$executeRaw`
    UPDATE Queue SET status = 'EXPIRED', expired_at = COALESCE(expired_at, ${at})
     WHERE concert_id = ${concertId} AND status IN ('WAITING', 'ACTIVE') AND created_at <= ${at}`;
}

/**
 * The durable journal of the waiting rooms: reads each room's lifecycle stream (written by the
 * gateway's Lua scripts) through a consumer group, writes the Queue table, acknowledges, and trims
 * what it acknowledged so the stream does not grow in Redis without bound.
 *
 * One process at a time reads, under a Redlock lease, so that a room's events apply in stream order:
 * a close ('C') must land after the joins before it. A process that loses the lease mid-pass may
 * apply one batch twice, which the upsert tolerates.
 */
export function createJournal(opts: JournalOptions): Journal {
  const { redis, prisma, keys, logger } = opts;
  const redlock = new Redlock([redis], { retryCount: 0 });
  let lease: Lock | null = null;
  let isStopped = true;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | undefined;
  let lastErrorLog = 0;
  /** Streams whose group exists, and streams whose pending list this holder has not re-read yet. */
  const hasGroup = new Set<string>();
  const needsPending = new Set<string>();
  let concerts = new Set<number>();
  let concertsReadAt = 0;
  const warnedUnknown = new Set<number>();
  /** Concerts whose stream did not exist when last looked at, and when that was. */
  const noStreamSince = new Map<number, number>();

  async function holdLease(): Promise<boolean> {
    const now = Date.now();
    if (lease && lease.expiration - now > LEASE_MS / 2) return true;
    try {
      lease = lease ? await lease.extend(LEASE_MS) : await redlock.acquire([keys.journalLock()], LEASE_MS);
      return true;
    } catch {
      if (lease) logger.warn('journal lease lost');
      lease = null;
      // A new holder starts from its pending list, which the previous holder may have left.
      hasGroup.clear();
      return false;
    }
  }

  async function listRooms(): Promise<number[]> {
    const now = Date.now();
    const open = (await redis.smembers(keys.rooms())).map(Number);
    if (
      now - concertsReadAt > CONCERTS_REFRESH_MS ||
      open.some((c) => !concerts.has(c) && !warnedUnknown.has(c))
    ) {
      const rows = await prisma.concert.findMany({ select: { id: true } });
      concerts = new Set(rows.map((r) => r.id));
      concertsReadAt = now;
    }
    for (const c of open) {
      if (!concerts.has(c) && !warnedUnknown.has(c)) {
        warnedUnknown.add(c);
        logger.warn(
          { concertId: c },
          'a waiting room is open for a concert that MySQL does not know; not journaled',
        );
      }
    }
    // Closed rooms keep their stream (with the close event), so every known concert is read, open or
    // not; one that never had a stream is looked at again only once per refresh, unless its room opens.
    const openRooms = new Set(open);
    return [...concerts]
      .filter((c) => openRooms.has(c) || now - (noStreamSince.get(c) ?? 0) > CONCERTS_REFRESH_MS)
      .sort((a, b) => a - b);
  }

  async function ensureGroup(concertId: number, stream: string): Promise<boolean> {
    if (hasGroup.has(stream)) return true;
    try {
      await redis.xgroup('CREATE', stream, JOURNAL_GROUP, '0');
    } catch (err) {
      const message = (err as Error).message;
      // No stream yet: nobody ever joined this concert's room.
      if (/requires the key to exist/i.test(message)) {
        noStreamSince.set(concertId, Date.now());
        return false;
      }
      if (!/BUSYGROUP/.test(message)) throw err;
    }
    noStreamSince.delete(concertId);
    hasGroup.add(stream);
    needsPending.add(stream);
    return true;
  }

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

  async function applyEntries(concertId: number, entries: StreamEntry[]): Promise<void> {
    let rows = new Map<number, JournalRow>();
    for (const [, fields] of entries) {
      // An entry trimmed away while pending comes back without fields: nothing left to record.
      const event = fields ? parseQueueEvent(fields) : null;
      if (!event) continue;
      if (event.kind === 'C') {
        await upsertRows(prisma, [...rows.values()]);
        rows = new Map();
        await closeRoomRows(prisma, concertId, event.at);
      } else {
        foldEvent(rows, concertId, event);
      }
    }
    await upsertRows(prisma, [...rows.values()]);
  }

  /** Reads, applies and acknowledges one batch of a room; returns the entries it applied. */
  async function journalRoom(concertId: number): Promise<number> {
    const stream = keys.room(concertId).events;
    if (!(await ensureGroup(concertId, stream))) return 0;
    let entries: StreamEntry[];
    try {
      if (needsPending.has(stream)) {
        entries = await readBatch(stream, '0');
        if (entries.length === 0) {
          needsPending.delete(stream);
          entries = await readBatch(stream, '>');
        }
      } else {
        entries = await readBatch(stream, '>');
      }
    } catch (err) {
      // The stream or its group vanished (deleted by hand, Redis restarted): create it again next pass.
      if (/NOGROUP/.test((err as Error).message)) {
        hasGroup.delete(stream);
        return 0;
      }
      throw err;
    }
    if (entries.length === 0) return 0;
    try {
      await applyEntries(concertId, entries);
    } catch (err) {
      // Read but not recorded (MySQL went away): they stay in the pending list, and the next pass must
      // read them from there again, first, or they would never reach MySQL.
      needsPending.add(stream);
      throw err;
    }
    const ids = entries.map(([id]) => id);
    await redis.xack(stream, JOURNAL_GROUP, ...ids);
    // Everything up to the last acknowledged entry is in MySQL; Redis need not keep it.
    await redis.xtrim(stream, 'MINID', nextStreamId(ids[ids.length - 1]!));
    return entries.length;
  }

  async function runOnce(): Promise<number> {
    if (!(await holdLease())) return 0;
    let applied = 0;
    for (const concertId of await listRooms()) {
      applied += await journalRoom(concertId);
    }
    return applied;
  }

  function schedule(delayMs: number) {
    if (isStopped) return;
    timer = setTimeout(() => {
      let next = opts.pollIntervalMs;
      inFlight = runOnce()
        .then((applied) => {
          // A full batch means more is waiting: read again at once.
          if (applied >= opts.readCount) next = 0;
        })
        .catch((err: unknown) => {
          if (Date.now() - lastErrorLog > 5000) {
            lastErrorLog = Date.now();
            logger.warn({ err }, 'journal pass failed');
          }
        })
        .finally(() => {
          inFlight = undefined;
          schedule(next);
        });
    }, delayMs);
  }

  return {
    start() {
      if (!isStopped) return;
      isStopped = false;
      schedule(0);
    },
    async stop() {
      isStopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      if (lease) await lease.release().catch(() => undefined);
      lease = null;
    },
    runOnce,
  };
}
