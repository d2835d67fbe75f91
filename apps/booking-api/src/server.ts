import { loadBookingConfig } from '@concert/config';
import { runService } from '@concert/http';
import { buildBookingApp } from './app.ts';

await runService(loadBookingConfig, (config) => buildBookingApp(config));
