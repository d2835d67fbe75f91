import { createPeriodicTask, createThrottledWarn } from '@concert/http';
import { parseQueueEvent, type QueueStatus, type RoomTick, type TokenClaims } from '@concert/queue-core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { Line } from '../services/line.ts';

/**
 * Milliseconds since the epoch, with sub-millisecond resolution. A write and a read sent in the same
 * millisecond must still be told apart: a read sent just before this instance's own write cannot make
 * the replica fresh past that write (with Date.now() they tied, and a poll right after an admission
 * answered WAITING from memory).
 */
const nowMs = () => performance.timeOrigin + performance.now();

declare module 'fastify' {
  interface FastifyInstance {
    replicas: ReplicaSet;
  }
}

export interface ReplicaSet {
  /**
   * A WAITING status from this instance's replica of the token's room, with no Redis round trip; or
   * null when Redis must answer: the replica is not fresh (see maxLagMs), the token is not WAITING in
   * it (ACTIVE and EXPIRED are always read from Redis), or the token may have gone idle.
   */
  answer(claims: TokenClaims): QueueStatus | null;
  /** A status Redis answered for this token: a WAITING one refreshes the replica's idle guard. */
  noteAnswered(claims: TokenClaims, status: QueueStatus): void;
  /**
   * This instance just changed the room in Redis (join, leave, promotion): its replica answers again
   * only once it has read past now, so an instance always reads its own writes.
   */
  noteWrite(concertId: number): void;
  /** Test hooks: hold a room's event reading (a replica that falls behind), and read its state. */
  pause(concertId: number, isPaused: boolean): void;
  inspect(concertId: number): { isFresh: boolean; waiting: number; lagMs: number } | null;
  /**
   * A number that changes whenever the room's replica changes (an event applied, a snapshot), and the
   * room's idle timeout; null while the replica cannot answer (absent, not fresh, no room).
   */
  versionOf(concertId: number): { version: number; idleMs: number } | null;
  /** Flushes liveness and reads every replica's room now (the timer calls it). */
  runTick(): Promise<void>;
}

export interface ReplicaOptions {
  isEnabled: boolean;
  /** The largest lag of an answer: events older than this are always in the replica that answers. */
  maxLagMs: number;
  /** Liveness is written, and the room's estimate inputs read, once per room per this interval. */
  tickMs: number;
}

/** Entries per XREAD; a read that fills it has not caught up, so it does not refresh `freshAt`. */
const READ_COUNT = 10_000;
const BLOCK_MS = 100;
/** Clock skew between this host and Redis, and a round trip, allowed for by the idle guard. */
const IDLE_SLACK_MS = 250;
/** A replica nobody polled for this long is dropped. */
const FORGET_MS = 120_000;

interface Replica {
  concertId: number;
  stream: string;
  conn: Redis;
  line: Line;
  lastId: string;
  /** Send time of the last XREAD that returned everything: every event before it is applied. */
  freshAt: number;
  /** This instance's last write to the room; the replica answers only once freshAt is past it. */
  writeAt: number;
  isCatchingUp: boolean;
  isCatchUpWanted: boolean;
  /** Counts snapshots: a catch-up read sent before one is dropped. */
  generation: number;
  /** Counts changes to the line: entries applied and snapshots. */
  version: number;
  needsSnapshot: boolean;
  isPaused: boolean;
  isStopped: boolean;
  tick: RoomTick | null;
  /** Tokens answered from memory since the last tick: userId -> tokenId. */
  seen: Map<number, number>;
  askedAt: number;
  loop: Promise<void>;
}

/** Stream ids `ms-seq`, compared as numbers. */
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every open room's waiting line, replicated in this instance's memory from the room's event stream
 * (J, A, X, C in order), so that a poll is answered with no Redis round trip.
 *
 * - Snapshot: the newest event id first, then the waiting set in pages by token id, then every event
 *   after that id replayed. Joins and removals are idempotent, so the replay converges on the truth
 *   whatever moved while the pages were read.
 * - Lag: a replica answers only while its last complete read was sent at most `maxLagMs` ago. A
 *   replica that falls behind (or whose Redis is gone) stops answering and Redis answers instead.
 * - Safety: a lagging replica has missed only removals ahead (admissions, expiries), never a join
 *   ahead (ids grow), so its position is never ahead of the truth: nobody overtakes. It never answers
 *   ACTIVE: an admitted token leaves the replica's line and is answered by Redis.
 * - Gaps and restarts: each tick reads the stream's first and last ids; a stream that no longer holds
 *   the replica's last id (trimmed past it), or that went backwards (Redis lost its data), starts a
 *   new snapshot.
 */
async function replicasPlugin(app: FastifyInstance, opts: ReplicaOptions) {
  const replicas = new Map<number, Replica>();
  let isClosing = false;
  // One throttle for every failure of the plugin: while Redis is away, each tick of each room fails.
  const warn = createThrottledWarn(app.log, 'replica failure');
  const logFailure = (err: unknown, concertId: number, what: string) => warn(err, { concertId, what });

  async function snapshot(rep: Replica) {
    rep.generation++;
    rep.freshAt = 0;
    const line = new Line();
    const from = (await app.queue.readLastEventId(rep.concertId)) ?? '0-0';
    let after: number | null = 0;
    while (after !== null) {
      const page = await app.queue.readWaitingPage(rep.concertId, after);
      for (const t of page.tokens) line.add(t.tokenId, t.userId, t.lastSeenMs);
      after = page.next;
    }
    rep.line = line;
    rep.lastId = from;
    rep.generation++;
    rep.version++;
    rep.needsSnapshot = false;
  }

  function apply(rep: Replica, fields: string[]) {
    rep.version++;
    const event = parseQueueEvent(fields);
    if (!event) return;
    const at = event.at.getTime();
    if (event.kind === 'J') {
      for (const t of event.tokens) {
        if (!rep.line.add(t.tokenId, t.userId, at)) rep.needsSnapshot = true;
      }
    } else if (event.kind === 'C') rep.line = new Line();
    else for (const t of event.tokens) rep.line.remove(t.tokenId, t.userId);
  }

  /** Applies entries in order, each once: the follower and a catch-up read may both return them. */
  function applyEntries(rep: Replica, entries: [string, string[]][]) {
    for (const [id, fields] of entries) {
      if (compareIds(id, rep.lastId) <= 0) continue;
      apply(rep, fields);
      rep.lastId = id;
    }
  }

  /**
   * After this instance wrote to the room or Redis answered one of its polls, one non-blocking read
   * on the request connection brings the replica past that moment at once, instead of waiting for
   * the follower's blocked read to come back. One at a time per room; requests meanwhile coalesce.
   */
  function catchUp(rep: Replica) {
    if (rep.isCatchingUp) {
      rep.isCatchUpWanted = true;
      return;
    }
    if (rep.needsSnapshot || rep.isPaused || rep.isStopped) return;
    rep.isCatchingUp = true;
    rep.isCatchUpWanted = false;
    const sentAt = nowMs();
    const generation = rep.generation;
    app.redis
      .xread('COUNT', READ_COUNT, 'STREAMS', rep.stream, rep.lastId)
      .then((reply) => {
        if (rep.needsSnapshot || rep.isPaused || rep.generation !== generation) return;
        const entries = (reply as [string, [string, string[]][]][] | null)?.[0]?.[1] ?? [];
        applyEntries(rep, entries);
        if (entries.length < READ_COUNT && sentAt > rep.freshAt) rep.freshAt = sentAt;
      })
      .catch((err: unknown) => logFailure(err, rep.concertId, 'replica catch-up failed'))
      .finally(() => {
        rep.isCatchingUp = false;
        if (rep.isCatchUpWanted) catchUp(rep);
      });
  }

  async function follow(rep: Replica) {
    while (!rep.isStopped) {
      try {
        if (rep.isPaused) {
          await sleep(20);
          continue;
        }
        if (rep.needsSnapshot) await snapshot(rep);
        const sentAt = nowMs();
        const reply = (await rep.conn.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          rep.stream,
          rep.lastId,
        )) as [string, [string, string[]][]][] | null;
        // A tick found a gap while this read was out, or a test paused the replica: the read is dropped.
        if (rep.needsSnapshot || rep.isPaused) continue;
        const entries = reply?.[0]?.[1] ?? [];
        applyEntries(rep, entries);
        if (entries.length < READ_COUNT && sentAt > rep.freshAt) rep.freshAt = sentAt;
      } catch (err) {
        if (rep.isStopped) return;
        logFailure(err, rep.concertId, 'replica read failed');
        rep.freshAt = 0;
        rep.needsSnapshot = true;
        await sleep(250);
      }
    }
  }

  function start(concertId: number): Replica {
    const conn = app.redis.duplicate();
    conn.on('error', (err) => logFailure(err, concertId, 'replica connection error'));
    const rep: Replica = {
      concertId,
      stream: app.queue.keys.room(concertId).events,
      conn,
      line: new Line(),
      lastId: '0-0',
      freshAt: 0,
      writeAt: 0,
      isCatchingUp: false,
      isCatchUpWanted: false,
      generation: 0,
      version: 0,
      needsSnapshot: true,
      isPaused: false,
      isStopped: false,
      tick: null,
      seen: new Map(),
      askedAt: nowMs(),
      loop: Promise.resolve(),
    };
    rep.loop = follow(rep);
    replicas.set(concertId, rep);
    return rep;
  }

  async function stop(rep: Replica) {
    rep.isStopped = true;
    replicas.delete(rep.concertId);
    rep.conn.disconnect();
    await rep.loop;
  }

  async function tickReplica(rep: Replica) {
    const lastBefore = rep.lastId;
    const seen = rep.seen;
    rep.seen = new Map();
    try {
      rep.tick = await app.queue.tickRoomReplica(rep.concertId, [...seen.values()]);
    } catch (err) {
      // Not written: put them back for the next tick.
      for (const [u, t] of seen) rep.seen.set(u, t);
      logFailure(err, rep.concertId, 'replica tick failed');
      return;
    }
    const tick = rep.tick;
    if (!tick || rep.needsSnapshot || lastBefore === '0-0') return;
    // Against the id read before the tick went out: the reader may have moved on meanwhile.
    const isTrimmedPast = tick.firstEventId !== null && compareIds(tick.firstEventId, lastBefore) > 0;
    const isBehindTruth = tick.lastEventId === null || compareIds(tick.lastEventId, lastBefore) < 0;
    if (isTrimmedPast || isBehindTruth) {
      rep.freshAt = 0;
      rep.needsSnapshot = true;
    }
  }

  async function runTick() {
    const now = nowMs();
    for (const rep of [...replicas.values()]) {
      if (now - rep.askedAt > FORGET_MS) await stop(rep);
    }
    await Promise.all([...replicas.values()].map(tickReplica));
  }

  const loop = createPeriodicTask({
    tick: runTick,
    intervalMs: opts.tickMs,
    onError: (err) => warn(err, { what: 'replica tick failed' }),
  });

  const set: ReplicaSet = {
    answer(claims) {
      if (!opts.isEnabled || isClosing) return null;
      const rep = replicas.get(claims.concertId) ?? start(claims.concertId);
      const now = nowMs();
      rep.askedAt = now;
      const tick = rep.tick;
      if (!tick || rep.needsSnapshot || now - rep.freshAt > opts.maxLagMs || rep.freshAt < rep.writeAt) {
        return null;
      }
      const seenAt = rep.line.seenAtOf(claims.tokenId, claims.userId);
      if (seenAt === null) return null;
      // Idle guard: a token this instance has not known live for nearly the idle timeout may be idle
      // by now (or polling elsewhere); Redis knows exactly. The margin covers the liveness write
      // still waiting for its tick (two ticks) and clock skew between this host and Redis.
      if (now - seenAt >= Number(tick.idleTimeoutSeconds) * 1000 - 2 * opts.tickMs - IDLE_SLACK_MS)
        return null;
      // Never older than what Redis last told this token here: its position never moves back.
      if (rep.freshAt < rep.line.confirmedAtOf(claims.tokenId, claims.userId)) return null;
      const position = rep.line.positionOf(claims.tokenId, claims.userId)!;
      rep.line.markSeen(claims.tokenId, claims.userId, now);
      rep.seen.set(claims.userId, claims.tokenId);
      return app.queue.toWaitingStatus(position, tick);
    },
    noteWrite(concertId) {
      const rep = replicas.get(concertId);
      if (!rep) return;
      rep.writeAt = nowMs();
      catchUp(rep);
    },
    noteAnswered(claims, status) {
      const rep = replicas.get(claims.concertId);
      if (!rep) return;
      if (status.status === 'WAITING') rep.line.markConfirmed(claims.tokenId, claims.userId, nowMs());
      // An EXPIRED answer may be the poll expiring an idle token: a write of its own.
      else rep.writeAt = nowMs();
      catchUp(rep);
    },
    pause(concertId, isPaused) {
      const rep = replicas.get(concertId) ?? start(concertId);
      rep.isPaused = isPaused;
    },
    versionOf(concertId) {
      const rep = replicas.get(concertId);
      if (!rep?.tick || rep.needsSnapshot || nowMs() - rep.freshAt > opts.maxLagMs) return null;
      if (rep.freshAt < rep.writeAt) return null;
      return { version: rep.version, idleMs: Number(rep.tick.idleTimeoutSeconds) * 1000 };
    },
    inspect(concertId) {
      const rep = replicas.get(concertId);
      if (!rep) return null;
      const lagMs = nowMs() - rep.freshAt;
      return {
        isFresh: !rep.needsSnapshot && rep.tick !== null && lagMs <= opts.maxLagMs,
        waiting: rep.line.size,
        lagMs,
      };
    },
    runTick,
  };

  app.decorate('replicas', set);
  if (opts.isEnabled) app.addHook('onReady', async () => loop.start());
  app.addHook('preClose', async () => {
    isClosing = true;
    await loop.stop();
    // Liveness answered from memory is written before the instance goes.
    await Promise.all([...replicas.values()].map(tickReplica));
    await Promise.all([...replicas.values()].map(stop));
  });
}

export default fp(replicasPlugin, { name: 'replicas', dependencies: ['queue'], fastify: '5.x' });
