import { signUserToken } from '@concert/identity';
import type { QueueCore, RoomConfig } from '@concert/queue-core';

/** `lanes` async loops taking indexes 0…count-1 in turn. */
async function inLanes(count: number, lanes: number, each: (i: number) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < count; i = next++) await each(i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, count)) }, lane));
}

/**
 * Fills a waiting room through the real `joinRoom` (the join Lua script), so the keys hold exactly what
 * production would; `inFlight` joins at once on the one connection (pipelined by ioredis). Every join
 * must be new. Keeps the token ids of the indexes in `keep` (0 = first joined), in queue order. Bounded
 * in time (5 minutes).
 */
export async function fillWaitingRoom(
  queue: QueueCore,
  o: { concertId: number; firstUserId: number; count: number; inFlight?: number; keep?: ReadonlySet<number> },
) {
  const deadline = Date.now() + 300_000;
  const kept: { userId: number; tokenId: number; position: number }[] = [];
  const started = performance.now();
  await inLanes(o.count, o.inFlight ?? 1000, async (index) => {
    const userId = o.firstUserId + index;
    const r = await queue.joinRoom(o.concertId, userId);
    if (r.outcome !== 'JOINED' || r.status.status !== 'WAITING')
      throw new Error(
        `fill concert ${o.concertId}: user ${userId} got ${r.outcome}, not a new WAITING token`,
      );
    if (o.keep?.has(index)) kept.push({ userId, tokenId: r.tokenId, position: r.status.position });
    if ((index & 0x3ff) === 0 && Date.now() > deadline)
      throw new Error(`fill concert ${o.concertId}: ${index} of ${o.count} joins after the time limit`);
  });
  return {
    seconds: (performance.now() - started) / 1000,
    kept: kept.sort((a, b) => a.position - b.position),
  };
}

/** `picks` indexes spread evenly over `0..count-1` (the middle of each of `picks` equal slices). */
export function pickEvenly(count: number, picks: number): Set<number> {
  const n = Math.min(count, picks);
  return new Set(Array.from({ length: n }, (_, k) => Math.floor(((k + 0.5) * count) / n)));
}

/** Opens or reconfigures a room through the gateway's admin API, as an operator would. */
export async function openRoomOverHttp(
  url: string,
  adminKey: string,
  concertId: number,
  config: Partial<RoomConfig>,
) {
  const res = await fetch(`${url}/v1/admin/queues/${concertId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-admin-key': adminKey },
    body: JSON.stringify(config),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`open room ${concertId}: ${res.status} ${await res.text()}`);
}

/**
 * ACTIVE queue tokens for `count` users from `firstUserId` on, through the real scripts: each joins, the
 * room is promoted in batches of 10,000 until nobody waits, and each token is signed as the gateway
 * signs it. The room must admit them all. Returns them in user order.
 */
export async function activateUsers(
  queue: QueueCore,
  sign: (claims: { concertId: number; userId: number; tokenId: number }) => string,
  o: { concertId: number; firstUserId: number; count: number },
) {
  const keep = new Set(Array.from({ length: o.count }, (_, i) => i));
  const { kept } = await fillWaitingRoom(queue, { ...o, keep });
  let admitted = 0;
  for (let i = 0; i < Math.ceil(o.count / 10_000) * 2 + 10 && admitted < o.count; i++) {
    const r = await queue.promoteRoom(o.concertId, 10_000);
    admitted += r.admitted;
    if (r.admitted === 0) break;
  }
  if (admitted !== o.count)
    throw new Error(`activate concert ${o.concertId}: admitted ${admitted} of ${o.count}`);
  return kept
    .sort((a, b) => a.userId - b.userId)
    .map((u) => ({
      userId: u.userId,
      token: sign({ concertId: o.concertId, userId: u.userId, tokenId: u.tokenId }),
    }));
}

/**
 * User tokens for users `firstUserId…`, signed with AUTH_JWT_SECRET as an identity provider would have
 * issued them at login, before the load: signing is never part of a measured run. jose signs about
 * 5,000 a second here with 256 in flight, 3,000 one at a time.
 */
export async function signUserTokens(secret: string, firstUserId: number, count: number, ttlSeconds: number) {
  const tokens = new Array<string>(count);
  await inLanes(count, 256, async (i) => {
    tokens[i] = (await signUserToken(secret, { userId: firstUserId + i }, { ttlSeconds })).token;
  });
  return tokens;
}
