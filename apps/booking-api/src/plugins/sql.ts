import { createSqlPool } from '@concert/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createHotSql, type HotSql } from '../db/hot-sql.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The two hot batches (a hold, a payment) on the raw driver; see db/hot-sql.ts. */
    sql: HotSql;
  }
}

export interface SqlPluginOptions {
  url: string;
  poolSize: number;
  acquireTimeoutMs: number;
}

async function sqlPlugin(app: FastifyInstance, opts: SqlPluginOptions) {
  const pool = createSqlPool(opts.url, { poolSize: opts.poolSize, acquireTimeoutMs: opts.acquireTimeoutMs });
  app.decorate('sql', createHotSql(pool, { poolSize: opts.poolSize, maxWaitMs: opts.acquireTimeoutMs }));
  app.addHook('onClose', async () => {
    await app.sql.close();
  });
}

export default fp(sqlPlugin, { name: 'sql', fastify: '5.x' });
