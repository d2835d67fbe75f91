export { type BookingConfig, loadBookingConfig } from './booking.ts';
export { userTokenSettings } from './common.ts';
export { DEFAULT_DATABASE_SERVER_URL, DEFAULT_DATABASE_URL } from './database.ts';
export { type GatewayConfig, loadGatewayConfig, roomDefaults } from './gateway.ts';
export { ConfigError } from './parse.ts';
export { loadWebConfig, type WebConfig } from './web.ts';
