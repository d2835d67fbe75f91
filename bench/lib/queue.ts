import type { QueueCore, RoomConfig } from '@concert/queue-core';

export interface WaitingUser {
  userId: number;
  tokenId: number;
  /** Position when it joined (1 = front). */
  position: number;
}

export interface FillOptions {
  concertId: number;
  firstUserId: number;
  count: number;
  /** Joins in flight at once on the one connection; ioredis writes them back to back (pipelined). */
  inFlight?: number;
  /** Indexes (0 = first joined) whose token ids to keep, e.g. from `pickEvenly`. */
  keep?: ReadonlySet<number>;
  timeoutMs?: number;
}

/**
 * Fills a waiting room through the real `joinRoom` (the join Lua script), so the keys hold exactly
 * what production would: waiting and liveness ZSET entries, the join sequence, and one stream event
 * per join. Every join must be new (JOINED). Bounded by `count` and by `timeoutMs`.
 */
export async function fillWaitingRoom(
  queue: QueueCore,
  opts: FillOptions,
): Promise<{ joined: number; seconds: number; kept: WaitingUser[] }> {
  const inFlight = Math.max(1, Math.min(opts.inFlight ?? 1000, opts.count));
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  const kept: WaitingUser[] = [];
  let next = 0;
  const started = performance.now();

  async function lane() {
    while (next < opts.count) {
      const index = next++;
      const userId = opts.firstUserId + index;
      const r = await queue.joinRoom(opts.concertId, userId);
      if (r.outcome !== 'JOINED' || r.status.status !== 'WAITING') {
        throw new Error(
          `fill concert ${opts.concertId}: user ${userId} got ${r.outcome}, not a new WAITING token`,
        );
      }
      if (opts.keep?.has(index)) kept.push({ userId, tokenId: r.tokenId, position: r.status.position });
      if ((index & 0x3ff) === 0 && Date.now() > deadline) {
        throw new Error(
          `fill concert ${opts.concertId}: ${index} of ${opts.count} joins after the time limit`,
        );
      }
    }
  }

  await Promise.all(Array.from({ length: inFlight }, lane));
  kept.sort((a, b) => a.position - b.position);
  return { joined: opts.count, seconds: (performance.now() - started) / 1000, kept };
}

/** `picks` indexes spread evenly over `0..count-1` (the middle of each of `picks` equal slices). */
export function pickEvenly(count: number, picks: number): Set<number> {
  const n = Math.min(count, picks);
  const out = new Set<number>();
  for (let k = 0; k < n; k++) out.add(Math.floor(((k + 0.5) * count) / n));
  return out;
}

/** Opens or reconfigures a room through the gateway's admin API, as an operator would. */
export async function openRoomOverHttp(
  baseUrl: string,
  adminKey: string,
  concertId: number,
  config: Partial<RoomConfig>,
): Promise<void> {
  const res = await fetch(`${baseUrl}/v1/admin/queues/${concertId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-admin-key': adminKey },
    body: JSON.stringify(config),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`open room ${concertId}: ${res.status} ${await res.text()}`);
}

/**
 * ACTIVE queue tokens for `count` users from `firstUserId` on, through the real scripts: each joins
 * (fillWaitingRoom), the room is promoted in batches of `batchMax` until nobody waits, and each token
 * is signed as the gateway signs it. The room must admit them all (`maxActive`, `admitPerSecond`).
 * Returns the tokens in user order. Bounded by `count` and by `timeoutMs`.
 */
export async function activateUsers(
  queue: QueueCore,
  sign: (claims: { concertId: number; userId: number; tokenId: number }) => string,
  opts: { concertId: number; firstUserId: number; count: number; batchMax?: number; timeoutMs?: number },
): Promise<{ userId: number; token: string }[]> {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const started = Date.now();
  const all = new Set(Array.from({ length: opts.count }, (_, i) => i));
  const { kept } = await fillWaitingRoom(queue, {
    concertId: opts.concertId,
    firstUserId: opts.firstUserId,
    count: opts.count,
    keep: all,
    timeoutMs,
  });
  const batchMax = opts.batchMax ?? 10_000;
  let admitted = 0;
  for (let i = 0; i < Math.ceil(opts.count / batchMax) * 2 + 10 && admitted < opts.count; i++) {
    const r = await queue.promoteRoom(opts.concertId, batchMax);
    admitted += r.admitted;
    if (r.admitted === 0) break;
    if (Date.now() - started > timeoutMs)
      throw new Error(`activate concert ${opts.concertId}: over ${timeoutMs} ms`);
  }
  if (admitted !== opts.count) {
    throw new Error(`activate concert ${opts.concertId}: admitted ${admitted} of ${opts.count}`);
  }
  return kept
    .sort((a, b) => a.userId - b.userId)
    .map((u) => ({
      userId: u.userId,
      token: sign({ concertId: opts.concertId, userId: u.userId, tokenId: u.tokenId }),
    }));
}
