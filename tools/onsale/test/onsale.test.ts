import type { AddressInfo } from 'node:net';
import { buildBookingApp } from '@concert/booking-api';
import { loadBookingConfig, loadGatewayConfig } from '@concert/config';
import { buildGatewayApp } from '@concert/queue-gateway';
import { createTestDatabase, createTestRedis, TEST_AUTH_SECRET, TEST_REDIS_ENV } from '@concert/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, type OnSaleReport, runOnSale } from '../src/index.ts';

const SECRET = 'onsale-test-secret-0123456789abcdef0123';
const ADMIN_KEY = 'onsale-admin';
// Both services check iss and aud, so that a simulation that signed its user tokens without them
// would sell nothing.
const IDENTITY = { AUTH_JWT_SECRET: TEST_AUTH_SECRET, AUTH_ISSUER: 'onsale-idp', AUTH_AUDIENCE: 'concert' };

const urlOf = (app: { server: { address(): unknown } }) =>
  `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

/**
 * A short on-sale through the real HTTP stack of both services: a few hundred users racing for 100
 * seats. It asserts the invariants only, never a timing.
 */
describe('on-sale simulation (short run)', () => {
  let report: OnSaleReport;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase('onsale', { poolSize: 2 });
    const redis = await createTestRedis('onsale');
    closers.push(
      () => redis.close(),
      () => db.drop(),
    );
    const gateway = await buildGatewayApp(
      loadGatewayConfig({
        ...TEST_REDIS_ENV,
        REDIS_KEY_PREFIX: redis.prefix,
        QUEUE_TOKEN_SECRET: SECRET,
        ...IDENTITY,
        ADMIN_API_KEY: ADMIN_KEY,
        RATE_LIMIT_MAX: '0',
        PROMOTER_INTERVAL_MS: '50',
        LOG_LEVEL: 'silent',
      }),
    );
    const booking = await buildBookingApp(
      loadBookingConfig({
        DATABASE_URL: db.url,
        ...TEST_REDIS_ENV,
        REDIS_KEY_PREFIX: redis.prefix,
        QUEUE_TOKEN_SECRET: SECRET,
        ...IDENTITY,
        // The simulation creates its concert through the catalog API.
        ADMIN_API_KEY: ADMIN_KEY,
        HOLD_TTL_SECONDS: '2',
        HOLD_SWEEP_INTERVAL_MS: '1000',
        RATE_LIMIT_MAX: '0',
        // A 5xx fails this test; its error in the output says why.
        LOG_LEVEL: 'error',
      }),
    );
    closers.unshift(
      () => gateway.close(),
      () => booking.close(),
    );
    await gateway.listen({ port: 0, host: '127.0.0.1' });
    await booking.listen({ port: 0, host: '127.0.0.1' });

    report = await runOnSale({
      gatewayUrl: urlOf(gateway),
      bookingUrl: urlOf(booking),
      adminKey: ADMIN_KEY,
      databaseUrl: db.url,
      authJwtSecret: TEST_AUTH_SECRET,
      authIssuer: IDENTITY.AUTH_ISSUER,
      authAudience: IDENTITY.AUTH_AUDIENCE,
      concert: { dates: 2, seatsPerDate: 50 },
      users: 300,
      userOffset: 1,
      joinSeconds: 2,
      abandonWaiting: 0.1,
      abandonHold: 0.2,
      room: { maxActive: 40, admitPerSecond: 100, activeTtlSeconds: 30, idleTimeoutSeconds: 3 },
      holdWatchSeconds: 10,
      maxSeconds: 100,
      connections: 64,
      seed: 7,
    });
  }, 150_000);

  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('ran to its end and sold seats', () => {
    console.log(formatReport(report));
    expect(report.timedOut, formatReport(report)).toBe(false);
    expect(report.sales.seatsSold).toBeGreaterThan(0);
    expect(report.sales.seatsSold).toBeLessThanOrEqual(report.sales.seatsAvailable);
  });

  it('sold no seat twice (checked in MySQL)', () => {
    expect(report.sales.doubleBookings).toBe(0);
  });

  it('let nobody overtake, and moved nobody back', () => {
    expect(report.fairness.overtakes, formatReport(report)).toBe(0);
    expect(report.fairness.maxBackwardMove).toBe(0);
  });

  it('never exceeded maxActive or admitPerSecond', () => {
    // The sampler must have read the room and seen it busy, or ≤ 40 would hold at 0.
    expect(report.latency['admin.stats']?.requests ?? 0).toBeGreaterThanOrEqual(10);
    expect(report.admissions.maxActiveSeen).toBeGreaterThan(0);
    expect(report.admissions.maxActiveSeen).toBeLessThanOrEqual(40);
    expect(report.admissions.maxInAnyOneSecond).toBeLessThanOrEqual(100);
  });

  it('answered no request with a 5xx', () => {
    expect(report.serverErrors, JSON.stringify(report.latency)).toBe(0);
  });

  it('released every abandoned hold', () => {
    // At least one hold was abandoned, or this would pass as 0 = 0.
    expect(report.holds.abandoned).toBeGreaterThanOrEqual(1);
    expect(report.holds.released).toBe(report.holds.abandoned);
  });
});
