// The waiting-room client: join, poll as the gateway advises, leave.
import { sleep } from 'k6';
import { type CallResult, call, isRecord, retryAfterSeconds } from './api.ts';
import type { CommonConfig } from './config.ts';
import { queueExpired, queuePolls, queueWait } from './metrics.ts';

export type QueueStatus =
  | { status: 'WAITING'; position: number; estimatedWaitSeconds: number; pollAfterMs: number }
  | { status: 'ACTIVE'; expiresAt: string }
  | { status: 'EXPIRED' };

export function isTime(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value));
}

const isCount = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/** A QueueStatus exactly as API.md defines it, or undefined when the body breaks the contract. */
export function readQueueStatus(body: unknown): QueueStatus | undefined {
  if (!isRecord(body)) return undefined;
  switch (body.status) {
    case 'WAITING':
      return isCount(body.position, 1) &&
        isCount(body.estimatedWaitSeconds, 0) &&
        isCount(body.pollAfterMs, 0)
        ? {
            status: 'WAITING',
            position: body.position,
            estimatedWaitSeconds: body.estimatedWaitSeconds,
            pollAfterMs: body.pollAfterMs,
          }
        : undefined;
    case 'ACTIVE':
      return isTime(body.expiresAt) ? { status: 'ACTIVE', expiresAt: body.expiresAt } : undefined;
    case 'EXPIRED':
      return { status: 'EXPIRED' };
    default:
      return undefined;
  }
}

/** A join answers a live token: WAITING or ACTIVE, never EXPIRED. */
function readJoin(body: unknown): { token: string; status: QueueStatus } | undefined {
  if (!isRecord(body) || typeof body.token !== 'string' || body.token.length === 0) return undefined;
  const status = readQueueStatus(body);
  return status === undefined || status.status === 'EXPIRED' ? undefined : { token: body.token, status };
}

/** Joins as the user the user token names: the body carries only the concert (API.md v2). */
export function join(config: CommonConfig, userToken: string): CallResult {
  return call({
    name: 'join',
    method: 'POST',
    url: `${config.gatewayUrl}/v1/queue/tokens`,
    token: userToken,
    body: { concertId: config.concertId },
    expect: [200, 201],
    validBody: { label: 'token and a live QueueStatus', test: (body) => readJoin(body) !== undefined },
    timeout: config.requestTimeout,
  });
}

export function poll(config: CommonConfig, token: string): CallResult {
  return call({
    name: 'poll',
    method: 'GET',
    url: `${config.gatewayUrl}/v1/queue/status`,
    token,
    expect: [200],
    validBody: { label: 'a QueueStatus', test: (body) => readQueueStatus(body) !== undefined },
    timeout: config.requestTimeout,
  });
}

export function leave(config: CommonConfig, token: string): CallResult {
  return call({
    name: 'leave',
    method: 'DELETE',
    url: `${config.gatewayUrl}/v1/queue/tokens/current`,
    token,
    expect: [204],
    timeout: config.requestTimeout,
  });
}

export interface WaitBounds {
  /** Most polls before giving up while still WAITING. */
  maxPolls: number;
  /** Most seconds from the join; a poll whose advised time falls later is not made. */
  maxWaitSeconds: number;
}

export type Admission =
  /** Admitted: the token may be used on the booking API. */
  | { outcome: 'ACTIVE'; token: string; polls: number; waitedMs: number }
  /** Still WAITING when a bound was reached. */
  | { outcome: 'WAITING'; token: string; polls: number; waitedMs: number }
  /** The gateway expired the token while its user was polling as advised. */
  | { outcome: 'EXPIRED'; token: string; polls: number; waitedMs: number }
  /** The join failed, or polls kept failing: the user cannot tell where they stand. */
  | { outcome: 'FAILED'; token: string | undefined; polls: number; waitedMs: number };

// Consecutive failed polls (network error, 429, 5xx, bad body) before a user gives up.
const MAX_POLL_FAILURES = 3;

/**
 * Joins the room and polls until ACTIVE, sleeping exactly `pollAfterMs` before each poll, as the contract
 * asks of clients (polling faster only adds load; slower risks idle expiry). Bounded by `maxPolls` and
 * `maxWaitSeconds`. It never leaves: the caller decides what to do with the token.
 */
export function joinAndWait(config: CommonConfig, userToken: string, bounds: WaitBounds): Admission {
  const startedAt = Date.now();
  const elapsed = (): number => Date.now() - startedAt;

  const joined = join(config, userToken);
  const first = joined.isExpected ? readJoin(joined.body) : undefined;
  if (first === undefined) return { outcome: 'FAILED', token: undefined, polls: 0, waitedMs: elapsed() };

  const { token } = first;
  let status = first.status;
  let delayMs = status.status === 'WAITING' ? status.pollAfterMs : 0;
  let polls = 0;
  let failures = 0;

  while (status.status === 'WAITING') {
    if (polls >= bounds.maxPolls || elapsed() + delayMs > bounds.maxWaitSeconds * 1000) {
      return { outcome: 'WAITING', token, polls, waitedMs: elapsed() };
    }
    sleep(delayMs / 1000);
    const result = poll(config, token);
    polls += 1;
    const next = result.isExpected ? readQueueStatus(result.body) : undefined;
    if (next === undefined) {
      failures += 1;
      if (failures >= MAX_POLL_FAILURES) return { outcome: 'FAILED', token, polls, waitedMs: elapsed() };
      // Keep the last advice, unless the server asked for a longer pause (429 and 503 carry Retry-After).
      const isThrottled = result.status === 429 || result.status === 503;
      delayMs = Math.max(status.pollAfterMs, isThrottled ? retryAfterSeconds(result.res, 1) * 1000 : 0);
      continue;
    }
    failures = 0;
    status = next;
    if (status.status === 'WAITING') delayMs = status.pollAfterMs;
  }

  const waitedMs = elapsed();
  queueExpired.add(status.status === 'EXPIRED' ? 1 : 0);
  if (status.status === 'EXPIRED') return { outcome: 'EXPIRED', token, polls, waitedMs };
  queueWait.add(waitedMs);
  queuePolls.add(polls);
  return { outcome: 'ACTIVE', token, polls, waitedMs };
}
