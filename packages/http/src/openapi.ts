import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';
import { titleFor } from './errors.ts';

/** How a route authenticates its caller, as the contract marks it. */
export type RouteAuth = 'none' | 'user' | 'queue' | 'admin';

/** The reference text of one route: what `/docs` shows beside the schemas that validate it. */
export interface RouteDoc {
  tag: string;
  summary: string;
  description?: string;
  auth: RouteAuth;
}

export interface OpenApiOptions {
  title: string;
  description: string;
  version: string;
  /** One entry per route, keyed `METHOD /fastify/:style/url`. */
  routes: Record<string, RouteDoc>;
  tags: { name: string; description: string }[];
}

const SECURITY: Record<RouteAuth, Record<string, string[]>[] | undefined> = {
  none: undefined,
  user: [{ userToken: [] }],
  queue: [{ queueToken: [] }],
  admin: [{ adminKey: [] }],
};

const PROBLEM_TYPE = 'application/problem+json';

/** The key of a route in a `routes` table. */
export const routeKey = (method: string, url: string) => `${method.toUpperCase()} ${url}`;

type ResponseSchemas = Record<string, Record<string, unknown>>;

/**
 * The document's view of a route's responses: a description for each status, errors under the
 * problem+json media type they are sent with, and `Retry-After` where the contract promises it. The
 * schemas themselves are the ones Fastify serializes with; only their wrapping changes.
 */
function describeResponses(response: ResponseSchemas): ResponseSchemas {
  return Object.fromEntries(
    Object.entries(response).map(([status, schema]) => {
      const code = Number(status);
      const description = code < 300 ? 'Success' : titleFor(code);
      if (code < 400) return [status, { ...schema, description: schema.description ?? description }];
      const headers =
        code === 429 || code === 503
          ? { 'retry-after': { type: 'integer', description: 'Seconds to wait before retrying' } }
          : undefined;
      return [
        status,
        { description, ...(headers ? { headers } : {}), content: { [PROBLEM_TYPE]: { schema } } },
      ];
    }),
  );
}

/**
 * OpenAPI 3 generated from the route schemas (@fastify/swagger), served as JSON at `/docs/json` and as
 * the interactive reference at `/docs` (@fastify/swagger-ui). Register it before the routes: it
 * collects them as they are added. Tags, summaries and each route's credentials come from one table
 * per service, so the route files keep only the schemas they validate with.
 */
async function openApiPlugin(app: FastifyInstance, opts: OpenApiOptions) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: opts.title, description: opts.description, version: opts.version },
      tags: opts.tags,
      components: {
        securitySchemes: {
          userToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: "A user token signed by the deployment's identity provider (or development login).",
          },
          queueToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'The queue token the gateway issued on join; binds one user to one concert.',
          },
          adminKey: { type: 'apiKey', in: 'header', name: 'X-Admin-Key', description: 'ADMIN_API_KEY' },
        },
      },
    },
    transform({ schema, url, route }) {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const doc = opts.routes[routeKey(String(methods[0]), url)];
      const base = (schema ?? {}) as FastifySchema & { response?: ResponseSchemas };
      const transformed: Record<string, unknown> = { ...base };
      if (base.response) transformed.response = describeResponses(base.response);
      if (doc) {
        transformed.tags = [doc.tag];
        transformed.summary = doc.summary;
        if (doc.description) transformed.description = doc.description;
        const security = SECURITY[doc.auth];
        if (security) transformed.security = security;
      }
      return { schema: transformed as FastifySchema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
}

export default fp(openApiPlugin, { name: 'openapi', fastify: '5.x' });
