import { createPrismaClient, type PrismaClient } from '@concert/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    /** How long a transaction waits for a connection before giving up (and the request answers 503). */
    txMaxWaitMs: number;
  }
}

export interface PrismaPluginOptions {
  url: string;
  poolSize: number;
  acquireTimeoutMs: number;
}

async function prismaPlugin(app: FastifyInstance, opts: PrismaPluginOptions) {
  const prisma = createPrismaClient(opts.url, {
    poolSize: opts.poolSize,
    acquireTimeoutMs: opts.acquireTimeoutMs,
  });
  app.decorate('prisma', prisma);
  app.decorate('txMaxWaitMs', opts.acquireTimeoutMs);
  // Registered before the workers and the hold queue, so (onClose runs last-registered first) the
  // pool closes after everything that uses it.
  app.addHook('onClose', async () => {
    await prisma.$disconnect();
  });
}

export default fp(prismaPlugin, { name: 'prisma', fastify: '5.x' });
