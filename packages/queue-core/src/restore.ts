import type { Redis } from 'ioredis';
import { createKeySpace } from './keys.ts';
import { ROOM_FIELDS, type RoomConfig } from './queue.ts';

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

/** Entries per ZADD/HSET: bounded commands, so that 100,000 tokens never make one huge call. */
const CHUNK = 1000;

/**
 * Writes a room back into a Redis that lost it, in the layout the room's scripts use: the line
 * (`waiting`, and `seen` at now, so that every restored token has its full idle timeout to poll
 * again), the ACTIVE set with its expiries and token ids, the sequence, and last the room's config
 * hash: until that exists the room answers QUEUE_NOT_FOUND, so nobody can join a half-restored line.
 * All keys share the room's hash slot; the open-rooms set is written after.
 */
export async function restoreRoom(
  redis: Redis,
  concertId: number,
  restore: RoomRestore,
  prefix = '',
  nowMs = Date.now(),
): Promise<void> {
  const keys = createKeySpace(prefix);
  const k = keys.room(concertId);
  const pipeline = redis.pipeline();
  for (let i = 0; i < restore.waiting.length; i += CHUNK) {
    const chunk = restore.waiting.slice(i, i + CHUNK);
    pipeline.zadd(k.waiting, ...chunk.flatMap((t) => [t.tokenId, String(t.userId)]));
    pipeline.zadd(k.seen, ...chunk.flatMap((t) => [nowMs, String(t.userId)]));
  }
  for (let i = 0; i < restore.active.length; i += CHUNK) {
    const chunk = restore.active.slice(i, i + CHUNK);
    pipeline.zadd(k.active, ...chunk.flatMap((t) => [t.expiresAtMs, String(t.userId)]));
    pipeline.hset(k.activeTokens, ...chunk.flatMap((t) => [String(t.userId), String(t.tokenId)]));
  }
  pipeline.set(k.seq, restore.seq);
  pipeline.hset(k.room, ...ROOM_FIELDS.flatMap((f) => [f, String(restore.config[f])]), 'openedAt', nowMs);
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
  await redis.sadd(keys.rooms(), concertId);
}
