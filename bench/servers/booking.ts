/**
 * The booking API under test, built exactly as its server.ts builds it (`buildBookingApp` on
 * `loadBookingConfig(env)`), configured from the environment the bench passes: its own database and
 * key prefix, rate limit off, logger silent, workers inline (hold expiry, sweep, journal) as in
 * production.
 */
import { buildBookingApp } from '@concert/booking-api';
import { loadBookingConfig } from '@concert/config';
import { serveToParent } from '../lib/serve-child.ts';

const app = await buildBookingApp(loadBookingConfig(process.env));
await serveToParent(app);
