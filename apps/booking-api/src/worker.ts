// The booking workers as a process of their own, for deployments that run the API with
// WORKERS_INLINE=false: hold expiry, the expiry sweep and the waiting-room journal.
import { ConfigError, loadBookingConfig } from '@concert/config';
import { createPrismaClient } from '@concert/db';
import { loggerOptions } from '@concert/http';
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

  let isClosing = false;
  const shutdown = (signal: string) => {
    if (isClosing) {
      // A second signal: stop waiting.
      process.exit(1);
    }
    isClosing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    // Workers first (jobs in progress finish), then the database they write to.
    runtime
      .close()
      .then(() => prisma.$disconnect())
      .then(() => {
        logger.info('booking workers stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
