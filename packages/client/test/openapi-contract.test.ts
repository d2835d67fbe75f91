import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocumentedApps, readOpenApiDocuments } from '../scripts/documents.ts';

/**
 * Every route of the contract (API.md v2) with the statuses it names for it, plus the shared ones:
 * 400 where a request carries input, 401 where it takes credentials, 429 wherever the rate limit
 * applies and 503 wherever a dependency can be down.
 */
const CONTRACT: Record<'gateway' | 'booking', Record<string, number[]>> = {
  gateway: {
    'POST /v1/queue/tokens': [200, 201, 400, 401, 404, 429, 503],
    'GET /v1/queue/stream': [200, 401, 429, 503],
    'GET /v1/queue/status': [200, 401, 429, 503],
    'DELETE /v1/queue/tokens/current': [204, 401, 429, 503],
    'PUT /v1/admin/queues/{concertId}': [200, 400, 401, 429, 503],
    'GET /v1/admin/queues/{concertId}': [200, 400, 401, 404, 429, 503],
    'DELETE /v1/admin/queues/{concertId}': [204, 400, 401, 429, 503],
    'GET /health/live': [200],
    'GET /health/ready': [200, 503],
    'GET /metrics': [200],
  },
  booking: {
    'GET /v1/concerts': [200, 429, 503],
    'GET /v1/concerts/{concertId}/schedules': [200, 400, 401, 403, 404, 429, 503],
    'GET /v1/schedules/{scheduleId}/seats': [200, 400, 401, 403, 404, 429, 503],
    'POST /v1/reservations': [201, 400, 401, 403, 404, 409, 429, 503],
    'GET /v1/reservations/{reservationId}': [200, 400, 401, 403, 404, 429, 503],
    'POST /v1/payments': [201, 400, 401, 403, 404, 409, 422, 429, 503],
    'GET /v1/users/{userId}/balance': [200, 400, 401, 403, 429, 503],
    'POST /v1/users/{userId}/balance/charges': [200, 400, 401, 403, 422, 429, 503],
    'POST /v1/admin/concerts': [201, 400, 401, 429, 503],
    'GET /v1/admin/concerts/{concertId}': [200, 400, 401, 404, 429, 503],
    'POST /v1/dev/login': [200, 400, 429],
    'GET /health/live': [200],
    'GET /health/ready': [200, 503],
    'GET /metrics': [200],
  },
};

/** The reference itself: served by both services, and left out of the document it serves. */
const REFERENCE_ROUTES = ['GET /docs', 'GET /docs/json'];

interface Operation {
  summary?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, unknown> }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const documents = (await readOpenApiDocuments()) as Record<'gateway' | 'booking', Document>;

function operations(doc: Document): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) out.set(`${method.toUpperCase()} ${path}`, op);
  }
  return out;
}

describe.each(['gateway', 'booking'] as const)('the %s OpenAPI document', (service) => {
  const doc = documents[service];
  const ops = operations(doc);

  it('is OpenAPI 3', () => {
    expect(doc.openapi).toMatch(/^3\./);
  });

  it.each(Object.entries(CONTRACT[service]))('has %s with its statuses', (route, statuses) => {
    const op = ops.get(route);
    expect(op, `${route} is missing from /docs/json`).toBeDefined();
    expect(Object.keys(op!.responses).map(Number).sort()).toEqual(expect.arrayContaining(statuses));
  });

  it('documents every route it serves, errors as problem+json', () => {
    for (const [route, op] of ops) {
      expect(op.summary, `${route} has no summary`).toBeTruthy();
      expect(op.tags?.length, `${route} has no tag`).toBe(1);
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400) {
          expect(Object.keys(response.content ?? {}), `${route} ${status}`).toEqual([
            'application/problem+json',
          ]);
        }
      }
    }
  });
});

describe('the reference', () => {
  let apps: Awaited<ReturnType<typeof buildDocumentedApps>>;
  beforeAll(async () => {
    apps = await buildDocumentedApps();
  });
  afterAll(() => apps.close());

  it.each(['gateway', 'booking'] as const)('is served by the %s at /docs and /docs/json', async (service) => {
    const app = apps[service];
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const json = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json().openapi).toMatch(/^3\./);
  });
});

// The contract itself, where this checkout has it beside it (../shared/API.md, as CI lays it out;
// CONTRACT_FILE names another place): every route it names must be in the table above, so the table
// cannot fall behind the contract.
const contractPath =
  process.env.CONTRACT_FILE ?? fileURLToPath(new URL('../../../../shared/API.md', import.meta.url));
describe.runIf(existsSync(contractPath))('the contract file', () => {
  it('names no route that the table above lacks', () => {
    const text = readFileSync(contractPath, 'utf8');
    const named = [...text.matchAll(/`(GET|POST|PUT|DELETE|PATCH) (\/[^`\s]+)`/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(named.length).toBeGreaterThan(10);
    const known = new Set([
      ...Object.keys(CONTRACT.gateway),
      ...Object.keys(CONTRACT.booking),
      ...REFERENCE_ROUTES,
    ]);
    expect(named.filter((r) => !known.has(r))).toEqual([]);
  });
});
