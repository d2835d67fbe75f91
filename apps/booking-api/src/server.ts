import { ConfigError, loadBookingConfig } from '@concert/config';
import { listenWithGracefulShutdown } from '@concert/http';
import { buildBookingApp } from './app.ts';

try {
  const config = loadBookingConfig();
  const app = await buildBookingApp(config);
  await listenWithGracefulShutdown(app, {
    port: config.PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
