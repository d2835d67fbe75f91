import type { Redis } from 'ioredis';
import { createKeySpace } from './keys.ts';
import { requireQueueScripts } from './scripts.ts';

/**
 * A concert's count of AVAILABLE seats, kept by the booking API in Redis so that the gateway can tell
 * waiting fans `soldOut` without a database. One key per concert, in the room's hash slot
 * (`q:{c<id>}:seats-left`); it outlives a room's close. The booking API sets it from the database
 * (`setSeatsLeft`) and moves it with one cheap write per change (`adjustSeatsLeft`); the gateway
 * reads it once per room per tick, never per poll. Absent means not sold out.
 */
export function seatsLeftKey(concertId: number, prefix = ''): string {
  return createKeySpace(prefix).room(concertId).seatsLeft;
}

/** Sets the count outright, e.g. from `COUNT(*) … WHERE status = 'AVAILABLE'` when seats are created. */
export async function setSeatsLeft(
  redis: Redis,
  concertId: number,
  seats: number,
  prefix = '',
): Promise<void> {
  await redis.set(seatsLeftKey(concertId, prefix), Math.trunc(seats));
}

/**
 * Moves the count by `delta` (−1 when a seat is held, +1 when a hold is released, 0 for a sale of a
 * held seat) and returns the new count, or null when it was never set (then it stays unset).
 */
export async function adjustSeatsLeft(
  redis: Redis,
  concertId: number,
  delta: number,
  prefix = '',
): Promise<number | null> {
  requireQueueScripts(redis);
  const r = await redis.queueAdjustSeatsLeft(seatsLeftKey(concertId, prefix), Math.trunc(delta));
  return r === null ? null : Number(r);
}

/** Whether a count read from the key says sold out: set and at most zero. */
export const isSoldOutCount = (raw: string | null): boolean => raw !== null && Number(raw) <= 0;
