import { loadGatewayConfig } from '@concert/config';
import { runService } from '@concert/http';
import { buildGatewayApp } from './app.ts';

await runService(loadGatewayConfig, (config) => buildGatewayApp(config));
