import { loadWebConfig } from '@concert/config';
import { runService } from '@concert/http';
import { buildWebServer } from './app.ts';
import { DIST_DIR } from './paths.ts';

await runService(
  () => {
    const config = loadWebConfig();
    return { ...config, PORT: config.WEB_PORT };
  },
  (config) => buildWebServer(config, { distDir: DIST_DIR }),
);
