export { buildGatewayApp, default as gatewayApp, type GatewayAppOptions } from './app.ts';
