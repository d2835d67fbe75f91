import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DATABASE_SERVER_URL,
  DEFAULT_DATABASE_URL,
  loadBookingConfig,
  loadGatewayConfig,
  roomDefaults,
} from '../src/index.ts';

const required = {
  QUEUE_TOKEN_SECRET: 'queue-token-secret-for-the-config-tests-0123',
  AUTH_JWT_SECRET: 'user-token-secret-for-the-config-tests-01234',
};

describe('the default database', () => {
  it('is the booking API’s DATABASE_URL when none is set, and names a database on the test server', () => {
    expect(loadBookingConfig(required).DATABASE_URL).toBe(DEFAULT_DATABASE_URL);
    expect(loadBookingConfig({ ...required, DATABASE_URL: '' }).DATABASE_URL).toBe(DEFAULT_DATABASE_URL);
    expect(new URL(DEFAULT_DATABASE_URL).pathname).toBe('/concert');
    expect(new URL(DEFAULT_DATABASE_SERVER_URL).pathname).toBe('');
    expect(new URL(DEFAULT_DATABASE_URL).host).toBe(new URL(DEFAULT_DATABASE_SERVER_URL).host);
  });
});

describe('roomDefaults', () => {
  it('maps each QUEUE_* variable to its own room setting', () => {
    const config = loadGatewayConfig({
      ...required,
      QUEUE_MAX_ACTIVE: '11',
      QUEUE_ADMIT_PER_SECOND: '22',
      QUEUE_ACTIVE_TTL_SECONDS: '33',
      QUEUE_IDLE_TIMEOUT_SECONDS: '44',
      QUEUE_MAX_WAITING: '55',
    });
    expect(roomDefaults(config)).toEqual({
      maxActive: 11,
      admitPerSecond: 22,
      activeTtlSeconds: 33,
      idleTimeoutSeconds: 44,
      maxWaiting: 55,
    });
  });

  it('gives the schema’s defaults when no QUEUE_* variable is set', () => {
    expect(roomDefaults(loadGatewayConfig(required))).toEqual({
      maxActive: 500,
      admitPerSecond: 50,
      activeTtlSeconds: 600,
      idleTimeoutSeconds: 60,
      maxWaiting: 2_000_000,
    });
  });
});
