export { loadGatewayConfig, type GatewayConfig } from './gateway.ts';
export { loadBookingConfig, type BookingConfig } from './booking.ts';
export { ConfigError } from './parse.ts';
