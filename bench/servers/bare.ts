/**
 * The baseline server: one Fastify route with the gateway's server options and no logger, returning a
 * poll-sized JSON body through a response schema, so that it pays for the HTTP stack and serialisation
 * but nothing the gateway adds (auth, validation, Redis).
 */
import { serverOptions } from '@concert/http';
import Fastify from 'fastify';
import { serveToParent } from '../lib/serve-child.ts';

const app = Fastify({ ...serverOptions, logger: false });

app.get(
  '/bare',
  {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            status: { type: 'string' },
            position: { type: 'integer' },
            estimatedWaitSeconds: { type: 'integer' },
            pollAfterMs: { type: 'integer' },
          },
        },
      },
    },
  },
  async () => ({ status: 'WAITING', position: 123_456, estimatedWaitSeconds: 2469, pollAfterMs: 30_000 }),
);

await serveToParent(app);
