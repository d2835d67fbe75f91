export { API_PREFIXES, buildWebServer, type WebServerOptions } from './app.ts';
export { DIST_DIR } from './paths.ts';
