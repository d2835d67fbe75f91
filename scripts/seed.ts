// The demo data of shared/API.md, and an open waiting room for each seeded concert. Safe to run twice:
// the rows are inserted only if missing, and opening an open room with no changes keeps its settings.
import { DEFAULT_DATABASE_URL, loadGatewayConfig, roomDefaults } from '@concert/config';
import { createPrismaClient } from '@concert/db';
import { createRedis } from '@concert/http';
import { createQueueCore } from '@concert/queue-core';
import { seedDatabase } from '../prisma/seed.ts';

const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const gateway = loadGatewayConfig();

const prisma = createPrismaClient(databaseUrl);
const redis = createRedis(gateway.REDIS_URL, { name: 'seed' });
try {
  const { concertIds } = await seedDatabase(prisma);
  await redis.connect();
  const queue = createQueueCore({ redis, prefix: gateway.REDIS_KEY_PREFIX });
  const defaults = roomDefaults(gateway);
  for (const concertId of concertIds) {
    const { created, config } = await queue.openRoom(concertId, {}, defaults);
    console.log(`seed: room for concert ${concertId} ${created ? 'opened' : 'already open'}`, config);
  }
  console.log(`seed: ${concertIds.length} concerts, users 1..1000`);
} finally {
  await prisma.$disconnect();
  redis.disconnect();
}
