import type { Redis } from 'ioredis';
import { createKeySpace } from './keys.ts';
import { ROOM_FIELDS, type RoomConfig } from './queue.ts';
import { requireQueueScripts } from './scripts.ts';

/** What a room is given back after Redis lost it: from the booking API's MySQL journal. */
export interface RoomRestore {
  config: RoomConfig;
  /** WAITING tokens, in their original order (ascending token id). */
  waiting: { userId: number; tokenId: number }[];
  /** ACTIVE tokens, each until its original expiry (ms, epoch). */
  active: { userId: number; tokenId: number; expiresAtMs: number }[];
  /** The room's next token sequence: above every id ever issued, so that no id is reused. */
  seq: number;
}

/** Entries per call: bounded commands, so that 100,000 tokens never make one huge call. */
const CHUNK = 1000;

/** A room's epoch length (common.lua epochMsOf): an eighth of its idle timeout. */
const epochMsOf = (config: RoomConfig) => (config.idleTimeoutSeconds * 1000) / 8;

/**
 * Writes a room back into a Redis that lost it, in the layout the room's scripts use: the line
 * (restore-line.lua: every restored token live now, so that each has its full idle timeout to poll
 * again), the ACTIVE set with its expiries and token ids, the sequence, and last the room's config
 * hash with the line's base and count: until that exists the room answers QUEUE_NOT_FOUND, so nobody
 * can join a half-restored line. All keys share the room's hash slot; the open-rooms set is written after.
 */
export async function restoreRoom(
  redis: Redis,
  concertId: number,
  restore: RoomRestore,
  prefix = '',
  nowMs = Date.now(),
): Promise<void> {
  requireQueueScripts(redis);
  const keys = createKeySpace(prefix);
  const k = keys.room(concertId);
  const scriptKeys = keys.scriptKeys(concertId);
  const waiting = [...restore.waiting].sort((a, b) => a.tokenId - b.tokenId);
  const base = waiting[0]?.tokenId;
  const epochMs = epochMsOf(restore.config);
  const pipeline = redis.pipeline();
  for (let i = 0; i === 0 || i < waiting.length; i += CHUNK) {
    const pairs = waiting.slice(i, i + CHUNK).flatMap((t) => [t.userId, t.tokenId]);
    pipeline.queueRestoreLine(...scriptKeys, base ?? 0, epochMs, i === 0 ? 1 : 0, ...pairs);
  }
  for (let i = 0; i < restore.active.length; i += CHUNK) {
    const chunk = restore.active.slice(i, i + CHUNK);
    pipeline.zadd(k.active, ...chunk.flatMap((t) => [t.expiresAtMs, String(t.userId)]));
    pipeline.hset(k.activeTokens, ...chunk.flatMap((t) => [String(t.userId), String(t.tokenId)]));
  }
  pipeline.set(k.seq, restore.seq);
  const line = base === undefined ? [] : ['base', String(base)];
  pipeline.hset(
    k.room,
    ...ROOM_FIELDS.flatMap((f) => [f, String(restore.config[f])]),
    ...line,
    'live',
    waiting.length,
    'epochMs',
    epochMs,
    'openedAt',
    nowMs,
  );
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
  await redis.sadd(keys.rooms(), concertId);
}
