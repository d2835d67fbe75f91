/**
 * The queue-gateway under test, built exactly as its server.ts builds it, configured from the
 * environment that the bench passes (its own key prefix, rate limit off, promoter off, logger silent).
 */
import { loadGatewayConfig } from '@concert/config';
import { buildGatewayApp } from '@concert/queue-gateway';
import { serveToParent } from '../lib/serve-child.ts';

const app = await buildGatewayApp(loadGatewayConfig(process.env));
await serveToParent(app);
