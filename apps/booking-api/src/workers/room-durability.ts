import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@concert/db';
import {
  type KeySpace,
  ROOM_FIELDS,
  type RoomConfig,
  registerQueueScripts,
  restoreRoom,
} from '@concert/queue-core';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/**
 * Token ids the restored sequence skips past the journal's highest: ids issued in the journal's lag
 * (at most 2 s of joins) before the loss are never issued again.
 */
export const SEQ_GAP = 1_000_000;

export interface RoomDurability {
  /** Copies every open room's config from Redis into Queue_Room; rooms closed since are marked so. */
  snapshot(): Promise<void>;
  /**
   * One EXISTS of the epoch key. Missing: Redis lost its data (or this is its first use); this
   * process claims the repair with SET NX, reopens every room open in Queue_Room with its journal's
   * WAITING and ACTIVE tokens, and returns how many rooms it reopened. Otherwise null.
   */
  repairIfLost(): Promise<number | null>;
}

/**
 * The waiting rooms' durability, from the side that has MySQL. The gateway never touches MySQL; the
 * journal already copies every token's lifecycle into Queue within its lag, so the rooms' configs are
 * copied beside it (Queue_Room), and both come back together when Redis comes back empty.
 */
export function createRoomDurability(opts: {
  redis: Redis;
  prisma: PrismaClient;
  keys: KeySpace;
  logger: FastifyBaseLogger;
}): RoomDurability {
  const { redis, prisma, keys, logger } = opts;
  // Now, not on the first restore (see registerQueueScripts).
  registerQueueScripts(redis);

  async function readConfig(concertId: number): Promise<RoomConfig | null> {
    const values = await redis.hmget(keys.room(concertId).room, ...ROOM_FIELDS);
    if (values.some((v) => v === null)) return null;
    return Object.fromEntries(ROOM_FIELDS.map((f, i) => [f, Number(values[i])])) as unknown as RoomConfig;
  }

  async function restoreOne(concertId: number, config: RoomConfig, now: number): Promise<void> {
    const [waiting, active, [top]] = await Promise.all([
      prisma.queue.findMany({
        where: { concertId, status: 'WAITING' },
        select: { userId: true, tokenSeq: true },
        orderBy: { tokenSeq: 'asc' },
      }),
      prisma.queue.findMany({
        where: {
          concertId,
          status: 'ACTIVE',
          admittedAt: { gt: new Date(now - config.activeTtlSeconds * 1000) },
        },
        select: { userId: true, tokenSeq: true, admittedAt: true },
      }),
      prisma.$queryRaw<{ top: bigint | null }[]>`
        SELECT MAX(token_uuid) AS top FROM Queue WHERE concert_id = ${concertId}`,
    ]);
    await restoreRoom(
      redis,
      concertId,
      {
        config,
        waiting: waiting.map((t) => ({ userId: t.userId, tokenId: Number(t.tokenSeq) })),
        active: active.map((t) => ({
          userId: t.userId,
          tokenId: Number(t.tokenSeq),
          expiresAtMs: t.admittedAt!.getTime() + config.activeTtlSeconds * 1000,
        })),
        seq: Number(top?.top ?? 0) + SEQ_GAP,
      },
      keys.prefix,
      now,
    );
  }

  return {
    async snapshot() {
      // Never from a Redis that lost its data: its empty room set would mark every room closed.
      if ((await redis.exists(keys.epoch())) === 0) return;
      const open = (await redis.smembers(keys.rooms())).map(Number);
      const configs = await Promise.all(open.map(async (id) => [id, await readConfig(id)] as const));
      for (const [concertId, config] of configs) {
        if (!config) continue;
        await prisma.queueRoom.upsert({
          where: { concertId },
          create: { concertId, ...config, isOpen: true },
          update: { ...config, isOpen: true, updatedAt: new Date() },
        });
      }
      await prisma.queueRoom.updateMany({
        where: { isOpen: true, concertId: { notIn: open.length > 0 ? open : [0] } },
        data: { isOpen: false, updatedAt: new Date() },
      });
    },

    async repairIfLost() {
      if ((await redis.exists(keys.epoch())) === 1) return null;
      // One process repairs: the first whose SET NX lands.
      if ((await redis.set(keys.epoch(), randomUUID(), 'NX')) !== 'OK') return null;
      const rooms = await prisma.queueRoom.findMany({ where: { isOpen: true } });
      const now = Date.now();
      let reopened = 0;
      for (const r of rooms) {
        // A room the gateway opened again meanwhile is left as it is.
        if ((await redis.exists(keys.room(r.concertId).room)) === 1) continue;
        const config: RoomConfig = {
          maxActive: r.maxActive,
          admitPerSecond: r.admitPerSecond,
          activeTtlSeconds: r.activeTtlSeconds,
          idleTimeoutSeconds: r.idleTimeoutSeconds,
          maxWaiting: r.maxWaiting,
        };
        await restoreOne(r.concertId, config, now);
        reopened++;
      }
      if (reopened > 0)
        logger.warn({ rooms: reopened }, 'Redis had lost its data: rooms reopened from MySQL');
      return reopened;
    },
  };
}
