// The booking workers as a process of their own, for deployments that run the API with
// WORKERS_INLINE=false: hold expiry, the expiry sweep and the waiting-room journal.
import { ConfigError, loadBookingConfig } from '@concert/config';
import { createPrismaClient } from '@concert/db';
import { closeOnSignal, loggerOptions } from '@concert/http';
import { pino } from 'pino';
import { startWorkers } from './workers/index.ts';

try {
  const config = loadBookingConfig();
  const logger = pino(loggerOptions(config.LOG_LEVEL) as object);
  const prisma = createPrismaClient(config.DATABASE_URL, {
    poolSize: config.DATABASE_POOL_SIZE,
    acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
  });
  const runtime = await startWorkers({ config, prisma, logger });
  logger.info('booking workers started');

  // Workers first (jobs in progress finish), then the database they write to.
  closeOnSignal(logger, config.SHUTDOWN_TIMEOUT_MS, async () => {
    await runtime.close();
    await prisma.$disconnect();
    logger.info('booking workers stopped');
  });
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
