// One place that sends requests, so that every call is tagged, timed, checked and counted the same way.
import { check } from 'k6';
import http, { type RefinedResponse } from 'k6/http';
import { endpointDuration, errors, queueFull, rateLimited, serverErrors } from './metrics.ts';

/** The `name` tag of each endpoint; thresholds select on it (`http_req_duration{name:join}`). */
export type EndpointName =
  | 'login'
  | 'join'
  | 'poll'
  | 'leave'
  | 'schedules'
  | 'seats'
  | 'hold'
  | 'charge'
  | 'pay'
  | 'reservation'
  | 'setup';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface CallSpec {
  name: EndpointName;
  method: Method;
  url: string;
  /** JSON-encoded when present. Without a body no Content-Type is sent (Fastify rejects an empty JSON body). */
  body?: unknown;
  token?: string;
  idempotencyKey?: string;
  adminKey?: string;
  /** Statuses that are allowed outcomes of this step; the first 2xx among them is the success. */
  expect: readonly number[];
  /** For an expected status of 400 or more, the problem `code` values that are allowed outcomes. */
  expectCodes?: readonly string[];
  /** The contract a 2xx body must meet for the client to go on; a breach counts as an error. */
  validBody?: { label: string; test: (body: unknown) => boolean };
  timeout: string;
}

export interface CallResult {
  res: RefinedResponse<'text'>;
  status: number;
  /** The parsed JSON body, or undefined for an empty or non-JSON body. */
  body: unknown;
  /** The problem+json `code` of an error answer. */
  code: string | undefined;
  /**
   * Whether the status (and, for an error, its code) is an allowed outcome of this step, and a 2xx
   * body meets `validBody`.
   */
  isExpected: boolean;
}

type ExpectedStatusesCallback = ReturnType<typeof http.expectedStatuses>;

// k6 builds a Go object per expectedStatuses() call: build each distinct one once per VU.
const callbacks = new Map<string, ExpectedStatusesCallback>();

function responseCallbackFor(statuses: readonly number[]): ExpectedStatusesCallback {
  const key = statuses.join(',');
  let callback = callbacks.get(key);
  if (callback === undefined) {
    callback = http.expectedStatuses(...statuses);
    callbacks.set(key, callback);
  }
  return callback;
}

export function parseJson(text: string | null | undefined): unknown {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 2_147_483_647;
}

export function isMoney(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Seconds from a `Retry-After` header (API.md: every 429 and 503 carries one), or the fallback. */
export function retryAfterSeconds(res: RefinedResponse<'text'>, fallback: number): number {
  const value = Number(res.headers['Retry-After']);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function call(spec: CallSpec): CallResult {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
  if (spec.token !== undefined) headers.Authorization = `Bearer ${spec.token}`;
  if (spec.idempotencyKey !== undefined) headers['Idempotency-Key'] = spec.idempotencyKey;
  if (spec.adminKey !== undefined) headers['X-Admin-Key'] = spec.adminKey;

  const res = http.request(
    spec.method,
    spec.url,
    spec.body === undefined ? null : JSON.stringify(spec.body),
    {
      headers,
      responseType: 'text',
      tags: { name: spec.name },
      timeout: spec.timeout,
      responseCallback: responseCallbackFor(spec.expect),
    },
  );

  const body = parseJson(res.body);
  const code = res.status >= 400 && isRecord(body) && typeof body.code === 'string' ? body.code : undefined;
  const hasExpectedStatus =
    spec.expect.includes(res.status) &&
    (res.status < 400 ||
      spec.expectCodes === undefined ||
      (code !== undefined && spec.expectCodes.includes(code)));
  const isSuccess = res.status >= 200 && res.status < 300;
  const hasValidBody =
    spec.validBody === undefined || !hasExpectedStatus || !isSuccess || spec.validBody.test(body);
  const isExpected = hasExpectedStatus && hasValidBody;

  const tags = { name: spec.name };
  endpointDuration.add(res.timings.duration, tags);
  errors.add(!isExpected, tags);
  serverErrors.add(
    res.status >= 500 ? 1 : 0,
    res.status >= 500 ? { ...tags, status: String(res.status) } : tags,
  );
  if (res.status === 429) rateLimited.add(1, tags);
  if (res.status === 503 && code === 'QUEUE_FULL') queueFull.add(1, tags);

  const checks: Record<string, () => boolean> = {
    [`${spec.name}: status ${spec.expect.join('|')}`]: () => hasExpectedStatus,
  };
  if (spec.validBody !== undefined && hasExpectedStatus && isSuccess) {
    checks[`${spec.name}: ${spec.validBody.label}`] = () => hasValidBody;
  }
  check(res, checks, tags);
  return { res, status: res.status, body, code, isExpected };
}
