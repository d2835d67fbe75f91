import { signUserToken } from '@concert/identity';
import type { QueueCore, RoomConfig } from '@concert/queue-core';

export interface WaitingUser {
  userId: number;
  tokenId: number;
  /** Position when it joined (1 = front). */
  position: number;
}

/**
 * Fills a waiting room through the real `joinRoom` (the join Lua script), so the keys hold exactly what
 * production would; `inFlight` joins at once on the one connection (pipelined by ioredis). Every join
 * must be new. Keeps the token ids of the indexes in `keep` (0 = first joined). Bounded in time.
 */
export async function fillWaitingRoom(
  queue: QueueCore,
  opts: {
    concertId: number;
    firstUserId: number;
    count: number;
    inFlight?: number;
    keep?: ReadonlySet<number>;
  },
  timeoutMs = 300_000,
) {
  const deadline = Date.now() + timeoutMs;
  const kept: WaitingUser[] = [];
  let next = 0;
  const started = performance.now();
  async function lane() {
    while (next < opts.count) {
      const index = next++;
      const userId = opts.firstUserId + index;
      const r = await queue.joinRoom(opts.concertId, userId);
      if (r.outcome !== 'JOINED' || r.status.status !== 'WAITING')
        throw new Error(
          `fill concert ${opts.concertId}: user ${userId} got ${r.outcome}, not a new WAITING token`,
        );
      if (opts.keep?.has(index)) kept.push({ userId, tokenId: r.tokenId, position: r.status.position });
      if ((index & 0x3ff) === 0 && Date.now() > deadline)
        throw new Error(
          `fill concert ${opts.concertId}: ${index} of ${opts.count} joins after the time limit`,
        );
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.inFlight ?? 1000, opts.count)) }, lane));
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
  baseUrl: string,
  adminKey: string,
  concertId: number,
  config: Partial<RoomConfig>,
) {
  const res = await fetch(`${baseUrl}/v1/admin/queues/${concertId}`, {
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
  opts: { concertId: number; firstUserId: number; count: number },
  timeoutMs = 300_000,
) {
  const started = Date.now();
  const keep = new Set(Array.from({ length: opts.count }, (_, i) => i));
  const { kept } = await fillWaitingRoom(queue, { ...opts, keep }, timeoutMs);
  let admitted = 0;
  for (let i = 0; i < Math.ceil(opts.count / 10_000) * 2 + 10 && admitted < opts.count; i++) {
    const r = await queue.promoteRoom(opts.concertId, 10_000);
    admitted += r.admitted;
    if (r.admitted === 0) break;
    if (Date.now() - started > timeoutMs)
      throw new Error(`activate concert ${opts.concertId}: over ${timeoutMs} ms`);
  }
  if (admitted !== opts.count)
    throw new Error(`activate concert ${opts.concertId}: admitted ${admitted} of ${opts.count}`);
  return kept
    .sort((a, b) => a.userId - b.userId)
    .map((u) => ({
      userId: u.userId,
      token: sign({ concertId: opts.concertId, userId: u.userId, tokenId: u.tokenId }),
    }));
}

/**
 * User tokens for users `firstUserId…`, signed with AUTH_JWT_SECRET as an identity provider would have
 * issued them at login, before the load: signing is never part of a measured run. jose signs about
 * 5,000 a second here with 256 in flight, 3,000 one at a time.
 */
export async function signUserTokens(secret: string, firstUserId: number, count: number, ttlSeconds: number) {
  const tokens = new Array<string>(count);
  let next = 0;
  async function lane() {
    for (let i = next++; i < count; i = next++)
      tokens[i] = (await signUserToken(secret, { userId: firstUserId + i }, { ttlSeconds })).token;
  }
  await Promise.all(Array.from({ length: Math.min(256, count) }, lane));
  return tokens;
}
