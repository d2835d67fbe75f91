import type { AddressInfo } from 'node:net';
import { loadGatewayConfig } from '@concert/config';
import { buildGatewayApp } from '@concert/queue-gateway';
import { createTestPrefix, TEST_AUTH_SECRET, TEST_REDIS_ENV } from '@concert/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  adminKey,
  bearer,
  createBookingClient,
  createGatewayClient,
  type QueueStatus,
  type RetryInfo,
  type StatusSource,
  unwrap,
  watchQueue,
} from '../src/index.ts';
import { type PlatformStack, STACK_ADMIN_KEY, STACK_QUEUE_SECRET, startPlatformStack } from './stack.ts';

let stack: PlatformStack;
beforeAll(async () => {
  stack = await startPlatformStack('client');
});
afterAll(() => stack?.close());

/** A fetch that records what it sent, in order. */
function recordingFetch() {
  const calls: { method: string; path: string; at: number }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    calls.push({ method: request.method, path: new URL(request.url).pathname, at: Date.now() });
    return globalThis.fetch(input, init);
  };
  return { calls, fetch: fetchImpl };
}

describe('the typed client against both services', () => {
  it('takes a fan from development login to a paid seat, following the gateway stream', async () => {
    const sale = await stack.createSale({ seats: 10, price: 70_000 });
    const recorded = recordingFetch();
    const gateway = createGatewayClient({ baseUrl: stack.gatewayUrl, fetch: recorded.fetch });
    const booking = createBookingClient({ baseUrl: stack.bookingUrl });

    const { userToken } = unwrap(await booking.POST('/v1/dev/login', { body: { userId: 41 } }));
    const joined = unwrap(
      await gateway.POST('/v1/queue/tokens', {
        headers: bearer(userToken),
        body: { concertId: sale.concertId },
      }),
    );
    expect(joined.userId).toBe(41);
    const seen: [QueueStatus['status'], StatusSource][] = [];
    const final = await watchQueue({
      gateway,
      streamUrl: `${stack.gatewayUrl}/v1/queue/stream`,
      token: joined.token,
      fetch: recorded.fetch,
      onStatus: (s, source) => seen.push([s.status, source]),
    });
    expect(final.status).toBe('ACTIVE');
    // The gateway serves the stream: the watch ends on it, with no poll.
    expect(seen.at(-1)).toEqual(['ACTIVE', 'stream']);
    expect(recorded.calls.filter((c) => c.path === '/v1/queue/status')).toHaveLength(0);

    const token = bearer(joined.token);
    const [schedule] = unwrap(
      await booking.GET('/v1/concerts/{concertId}/schedules', {
        headers: token,
        params: { path: { concertId: String(sale.concertId) } },
      }),
    );
    const seats = unwrap(
      await booking.GET('/v1/schedules/{scheduleId}/seats', {
        headers: token,
        params: { path: { scheduleId: String(schedule!.scheduleId) } },
      }),
    );
    expect(seats).toHaveLength(10);
    const seat = seats[3]!;
    const hold = unwrap(
      await booking.POST('/v1/reservations', {
        headers: token,
        body: { scheduleId: schedule!.scheduleId, seatId: seat.seatId },
      }),
    );
    expect(hold.status).toBe('PROGRESS');

    // Short of money: the refusal arrives as an ApiError with the contract's code.
    const short = await booking
      .POST('/v1/payments', { headers: token, body: { reservationIds: [hold.reservationId] } })
      .then(unwrap)
      .catch((err: unknown) => err);
    expect(short).toBeInstanceOf(ApiError);
    expect((short as ApiError).code).toBe('INSUFFICIENT_BALANCE');

    unwrap(
      await booking.POST('/v1/users/{userId}/balance/charges', {
        headers: { ...bearer(userToken), 'idempotency-key': 'client-test-charge' },
        params: { path: { userId: '41' } },
        body: { amount: 70_000 },
      }),
    );
    const paid = unwrap(
      await booking.POST('/v1/payments', {
        headers: { ...token, 'idempotency-key': 'client-test-pay' },
        body: { reservationIds: [hold.reservationId] },
      }),
    );
    expect(paid).toMatchObject({ amount: 70_000, balance: 0, reservationIds: [hold.reservationId] });
    const rows = await stack.db.prisma.$queryRaw<{ status: string }[]>`
      SELECT status FROM Reservation WHERE seat_id = ${seat.seatId}`;
    expect(rows).toEqual([{ status: 'COMPLETED' }]);
  });

  it('never polls sooner than pollAfterMs advised, and ends when the token is admitted', async () => {
    // One slot, taken: the watcher waits until the holder leaves.
    const sale = await stack.createSale({ room: { maxActive: 1, admitPerSecond: 1 } });
    const booking = createBookingClient({ baseUrl: stack.bookingUrl });
    const recorded = recordingFetch();
    const gateway = createGatewayClient({ baseUrl: stack.gatewayUrl, fetch: recorded.fetch });
    const login = async (userId: number) =>
      unwrap(await booking.POST('/v1/dev/login', { body: { userId } })).userToken;
    const join = async (userId: number) =>
      unwrap(
        await gateway.POST('/v1/queue/tokens', {
          headers: bearer(await login(userId)),
          body: { concertId: sale.concertId },
        }),
      );
    const holder = await join(51);
    await watchQueue({ gateway, streamUrl: null, token: holder.token });
    const waiter = await join(52);
    expect(waiter).toMatchObject({ status: 'WAITING', position: 1 });

    const advice: { at: number; pollAfterMs: number }[] = [];
    const watching = watchQueue({
      gateway,
      streamUrl: null,
      token: waiter.token,
      fetch: recorded.fetch,
      onStatus: (s) => {
        if (s.status === 'WAITING') advice.push({ at: Date.now(), pollAfterMs: s.pollAfterMs });
      },
    });
    while (advice.length < 3) await new Promise((r) => setTimeout(r, 50));
    unwrap(await gateway.DELETE('/v1/queue/tokens/current', { headers: bearer(holder.token) }));
    const final = await watching;
    expect(final.status).toBe('ACTIVE');

    const polls = recorded.calls.filter((c) => c.path === '/v1/queue/status' && c.at >= advice[0]!.at);
    for (let i = 1; i < advice.length; i++) {
      const sentAt = polls[i]!.at;
      expect(sentAt - advice[i - 1]!.at).toBeGreaterThanOrEqual(advice[i - 1]!.pollAfterMs);
    }
  });

  it('answers a join into a full room with QUEUE_FULL and its Retry-After, not waiting beyond its limit', async () => {
    const sale = await stack.createSale({ room: { maxActive: 1, admitPerSecond: 1, maxWaiting: 1 } });
    const booking = createBookingClient({ baseUrl: stack.bookingUrl });
    const retries: RetryInfo[] = [];
    const gateway = createGatewayClient({
      baseUrl: stack.gatewayUrl,
      retry: { maxDelayMs: 5000, onRetry: (r) => retries.push(r) },
    });
    const join = async (userId: number) => {
      const { userToken } = unwrap(await booking.POST('/v1/dev/login', { body: { userId } }));
      return gateway.POST('/v1/queue/tokens', {
        headers: bearer(userToken),
        body: { concertId: sale.concertId },
      });
    };
    const first = unwrap(await join(61));
    await watchQueue({ gateway, streamUrl: null, token: first.token }); // ACTIVE: the one slot
    unwrap(await join(62)); // WAITING: the one place in line
    const full = await join(63)
      .then(unwrap)
      .catch((err: unknown) => err);
    expect(full).toBeInstanceOf(ApiError);
    expect(full).toMatchObject({ status: 503, code: 'QUEUE_FULL' });
    expect((full as ApiError).retryAfterSeconds).toBeGreaterThan(5);
    expect(retries).toEqual([]);
  });
});

describe('retries after Retry-After', () => {
  let gatewayUrl: string;
  let close: () => Promise<unknown>;
  beforeAll(async () => {
    // A gateway of its own with a tiny rate limit: 2 requests a second per address.
    const app = await buildGatewayApp(
      loadGatewayConfig({
        ...TEST_REDIS_ENV,
        REDIS_KEY_PREFIX: createTestPrefix('client-retry'),
        QUEUE_TOKEN_SECRET: STACK_QUEUE_SECRET,
        AUTH_JWT_SECRET: TEST_AUTH_SECRET,
        ADMIN_API_KEY: STACK_ADMIN_KEY,
        PROMOTER_ENABLED: 'false',
        RATE_LIMIT_MAX: '2',
        RATE_LIMIT_WINDOW_SECONDS: '1',
        LOG_LEVEL: 'silent',
      }),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    gatewayUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    close = () => app.close();
  });
  afterAll(() => close?.());

  it('waits out a 429 and then succeeds, telling onRetry why it waited', async () => {
    const retries: RetryInfo[] = [];
    const gateway = createGatewayClient({ baseUrl: gatewayUrl, retry: { onRetry: (r) => retries.push(r) } });
    const bare = createGatewayClient({ baseUrl: gatewayUrl, retry: false });
    const list = (client: typeof gateway) =>
      client.GET('/v1/admin/queues', { headers: adminKey(STACK_ADMIN_KEY) });
    // Spend the window without retries, and see the 429 the retrying client will meet.
    await list(bare);
    await list(bare);
    const refused = await list(bare);
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('retry-after')).toMatch(/^\d+$/);

    const answered = await list(gateway);
    expect(answered.response.status).toBe(200);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toMatchObject({ status: 429, method: 'GET', attempt: 1 });
    expect(retries[0]!.delayMs).toBeGreaterThan(0);
  });
});
