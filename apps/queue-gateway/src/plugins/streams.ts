import { PassThrough } from 'node:stream';
import { createPeriodicTask, createThrottledWarn } from '@concert/http';
import type { QueueStatus, TokenClaims } from '@concert/queue-core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    streams: StreamHub;
  }
}

export interface StreamHub {
  /**
   * Opens a push stream for a token whose current status is `first`: that status is written at once,
   * and the stream ends at once if it is ACTIVE or EXPIRED. Returns the body to send.
   */
  open(claims: TokenClaims, first: QueueStatus): PassThrough;
  /** Open streams on this instance. */
  count(): number;
  /** One pass over every room's streams now (tests; the timer calls it too). */
  runTick(): Promise<void>;
}

export interface StreamOptions {
  /** How often each room's streams are read: a quarter of the contract's 500 ms spacing. */
  tickMs?: number;
  /** The contract's spacing between two status events of one stream. */
  minGapMs?: number;
  /** A `: ping` after this much silence; the contract asks for at least every 15 s. */
  pingMs?: number;
}

interface Subscriber {
  claims: TokenClaims;
  body: PassThrough;
  /** What the last event said, to send only changes: status, position and soldOut. */
  lastKey: string;
  lastEventAt: number;
  lastWriteAt: number;
}

const isFinal = (s: QueueStatus) => s.status !== 'WAITING';

/** The part of a status whose change is worth an event (an estimate alone moving is not). */
function changeKey(s: QueueStatus): string {
  if (s.status === 'WAITING') return `W:${s.position}:${'soldOut' in s ? s.soldOut : ''}`;
  return s.status;
}

const eventText = (s: QueueStatus) => `event: status\ndata: ${JSON.stringify(s)}\n\n`;

/**
 * The push streams of one gateway instance, grouped by room. Each tick computes the statuses of all of
 * a room's streams in one pass: from the room's line replica for WAITING tokens (no Redis call; their
 * liveness goes out in the replica's batched write), else with one Redis call per thousand streams
 * that also keeps them live. An open stream counts as polling either way.
 */
async function streamsPlugin(app: FastifyInstance, opts: StreamOptions) {
  const tickMs = opts.tickMs ?? 125;
  const minGapMs = opts.minGapMs ?? 500;
  const pingMs = opts.pingMs ?? 10_000;
  const rooms = new Map<number, Set<Subscriber>>();
  const logFailure = createThrottledWarn(app.log, 'stream tick failed');

  function drop(sub: Subscriber) {
    const room = rooms.get(sub.claims.concertId);
    room?.delete(sub);
    if (room?.size === 0) {
      rooms.delete(sub.claims.concertId);
      lastPass.delete(sub.claims.concertId);
    }
  }

  function send(sub: Subscriber, status: QueueStatus, now: number) {
    sub.body.write(eventText(status));
    sub.lastKey = changeKey(status);
    sub.lastEventAt = now;
    sub.lastWriteAt = now;
    if (isFinal(status)) {
      drop(sub);
      sub.body.end();
    }
  }

  /**
   * What a room's last full pass saw. A pass is skipped (pings only) while the room's replica has not
   * changed, soldOut has not, no stream joined, and the last pass needed no Redis read; but a full pass
   * runs at least every quarter of the idle timeout (at most every second), which is what writes the
   * streamed tokens' liveness. At 15,000 idle streams a pass every tick cost 0.26 cores.
   */
  const lastPass = new Map<number, { version: number; isSoldOut: boolean; at: number; size: number }>();

  function pingQuiet(subs: Iterable<Subscriber>, now: number) {
    for (const sub of subs) {
      if (now - sub.lastWriteAt >= pingMs && !sub.body.destroyed && !sub.body.writableEnded) {
        sub.body.write(': ping\n\n');
        sub.lastWriteAt = now;
      }
    }
  }

  async function tickRoom(concertId: number, set: Set<Subscriber>) {
    const replica = app.replicas.versionOf(concertId);
    const isSoldOutNow = await app.soldOut.isSoldOut(concertId);
    const last = lastPass.get(concertId);
    const now = Date.now();
    if (
      replica &&
      last &&
      last.version === replica.version &&
      last.isSoldOut === isSoldOutNow &&
      last.size === set.size &&
      now - last.at < Math.min(1000, replica.idleMs / 4)
    ) {
      pingQuiet(set, now);
      return;
    }
    const subs = [...set];
    // One pass over the room's streams: WAITING ones from this instance's replica of the line (their
    // liveness joins its batched write); the rest, and all of them while the replica is not fresh,
    // from Redis in one call per thousand.
    const statuses: (QueueStatus | null)[] = subs.map((s) => app.replicas.answer(s.claims));
    const missing: number[] = [];
    statuses.forEach((status, i) => {
      if (status === null) missing.push(i);
    });
    if (missing.length > 0) {
      const claims = missing.map((i) => subs[i]!.claims);
      const read = await app.queue.readStatuses(concertId, claims);
      missing.forEach((i, j) => {
        statuses[i] = read[j]!;
        app.replicas.noteAnswered(claims[j]!, read[j]!);
      });
    }
    const isSoldOut = isSoldOutNow;
    lastPass.delete(concertId);
    if (replica && missing.length === 0) {
      lastPass.set(concertId, { version: replica.version, isSoldOut, at: now, size: set.size });
    }
    subs.forEach((sub, i) => {
      if (sub.body.destroyed || sub.body.writableEnded) return;
      const known = statuses[i]!;
      const status = known.status === 'WAITING' ? { ...known, soldOut: isSoldOut } : known;
      if (changeKey(status) !== sub.lastKey && now - sub.lastEventAt >= minGapMs) send(sub, status, now);
      else if (now - sub.lastWriteAt >= pingMs) {
        sub.body.write(': ping\n\n');
        sub.lastWriteAt = now;
      }
    });
  }

  async function runTick() {
    await Promise.all(
      [...rooms].map(async ([concertId, set]) => {
        try {
          await tickRoom(concertId, set);
        } catch (err) {
          // Redis down: the streams stay open and are read again next tick.
          logFailure(err, { concertId });
        }
      }),
    );
  }

  // A tick with no open stream costs nothing: the loop runs from the first stream on, until close.
  const loop = createPeriodicTask({ tick: runTick, intervalMs: tickMs, onError: logFailure });
  let isClosed = false;

  const hub: StreamHub = {
    open(claims, first) {
      const body = new PassThrough();
      const now = Date.now();
      const sub: Subscriber = { claims, body, lastKey: '', lastEventAt: 0, lastWriteAt: now };
      send(sub, first, now);
      if (!isFinal(first)) {
        let room = rooms.get(claims.concertId);
        if (!room) {
          room = new Set();
          rooms.set(claims.concertId, room);
        }
        room.add(sub);
        // Fastify destroys the body when the client goes away.
        body.on('close', () => drop(sub));
        if (!isClosed) loop.start();
      }
      return body;
    },
    count: () => [...rooms.values()].reduce((n, s) => n + s.size, 0),
    runTick,
  };

  app.decorate('streams', hub);
  // Before the server closes: open streams would otherwise hold app.close() until their clients leave.
  app.addHook('preClose', async () => {
    isClosed = true;
    await loop.stop();
    for (const set of rooms.values()) for (const sub of set) sub.body.end();
    rooms.clear();
  });
}

export default fp(streamsPlugin, {
  name: 'streams',
  dependencies: ['queue', 'sold-out', 'replicas'],
  fastify: '5.x',
});
