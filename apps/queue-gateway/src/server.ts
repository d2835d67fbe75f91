import { ConfigError, loadGatewayConfig } from '@concert/config';
import { listenWithGracefulShutdown } from '@concert/http';
import { buildGatewayApp } from './app.ts';

try {
  const config = loadGatewayConfig();
  const app = await buildGatewayApp(config);
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
