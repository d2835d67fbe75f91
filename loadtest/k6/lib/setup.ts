// setup() helpers: refuse to load a stack that is not up, and open the room when an admin key is given.
import { call, isRecord } from './api.ts';
import type { CommonConfig } from './config.ts';

/** Fails the run at once when a service is not ready, instead of reporting a run full of errors. */
export function assertReady(service: string, baseUrl: string, config: CommonConfig): void {
  const result = call({
    name: 'setup',
    method: 'GET',
    url: `${baseUrl}/health/ready`,
    expect: [200],
    timeout: config.requestTimeout,
  });
  if (!result.isExpected) {
    throw new Error(`${service} at ${baseUrl} is not ready: GET /health/ready answered ${result.status}`);
  }
}

/**
 * With ADMIN_API_KEY, opens (or reconfigures) the concert's room with the ROOM_* variables that are set.
 * Without it the room must already be open: the seed opens one per concert.
 */
export function openRoomIfAdmin(config: CommonConfig): void {
  if (config.adminApiKey === undefined) return;
  const result = call({
    name: 'setup',
    method: 'PUT',
    url: `${config.gatewayUrl}/v1/admin/queues/${config.concertId}`,
    adminKey: config.adminApiKey,
    body: config.room,
    expect: [200],
    timeout: config.requestTimeout,
  });
  if (!result.isExpected) {
    throw new Error(
      `PUT /v1/admin/queues/${config.concertId} answered ${result.status} ${result.code ?? ''}`.trim(),
    );
  }
  console.info(`room for concert ${config.concertId}: ${JSON.stringify(result.body)}`);
}

/** Fails the run when CONCERT_ID names no concert of the booking API. */
export function assertConcertExists(config: CommonConfig): void {
  const result = call({
    name: 'setup',
    method: 'GET',
    url: `${config.bookingUrl}/v1/concerts`,
    expect: [200],
    timeout: config.requestTimeout,
  });
  const concerts = Array.isArray(result.body) ? result.body : [];
  if (!concerts.some((concert) => isRecord(concert) && concert.concertId === config.concertId)) {
    throw new Error(`GET /v1/concerts (answered ${result.status}) lists no concert ${config.concertId}`);
  }
}

/** A short id unique to this run, for Idempotency-Keys that must not collide with an earlier run's. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}
