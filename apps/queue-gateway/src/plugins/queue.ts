import { type GatewayConfig, roomDefaults } from '@concert/config';
import {
  createQueueCore,
  createTokenCodec,
  type QueueCore,
  type RoomConfig,
  type TokenCodec,
} from '@concert/queue-core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    queue: QueueCore;
    tokens: TokenCodec;
    /** A new room's settings, from the QUEUE_* environment. */
    roomDefaults: RoomConfig;
  }
}

async function queuePlugin(app: FastifyInstance, opts: { config: GatewayConfig }) {
  const { config } = opts;
  app.decorate(
    'queue',
    createQueueCore({
      redis: app.redis,
      prefix: config.REDIS_KEY_PREFIX,
      eventsMaxLen: config.QUEUE_EVENTS_MAXLEN,
    }),
  );
  app.decorate('tokens', createTokenCodec(config.QUEUE_TOKEN_SECRET));
  app.decorate('roomDefaults', roomDefaults(config));
}

export default fp(queuePlugin, { name: 'queue', dependencies: ['redis'], fastify: '5.x' });
