import type { AddressInfo } from 'node:net';
import { type PlatformStack, STACK_ADMIN_KEY, startPlatformStack } from '@concert/client/test-stack';
import { loadWebConfig } from '@concert/config';
import { buildWebServer } from '../../server/app.ts';
import { buildPagesForTest } from './build.ts';

export interface WebStack {
  platform: PlatformStack;
  /** The web app in front of the platform's gateway and first booking API. */
  webUrl: string;
  /** The pages, built for this stack. */
  distDir: string;
  adminKey: string;
  /** Another web app, in front of the same gateway and of `bookingUrl`. */
  startWeb(bookingUrl: string): Promise<string>;
  close(): Promise<void>;
}

/** Both services, the pages built from source, and the web server that serves them and proxies the APIs. */
export async function startWebStack(
  name: string,
  opts: Parameters<typeof startPlatformStack>[1] = {},
): Promise<WebStack> {
  const [platform, pages] = await Promise.all([startPlatformStack(name, opts), buildPagesForTest()]);
  const servers: { close(): Promise<unknown> }[] = [];
  async function startWeb(bookingUrl: string): Promise<string> {
    const web = await buildWebServer(
      loadWebConfig({ GATEWAY_URL: platform.gatewayUrl, BOOKING_URL: bookingUrl, LOG_LEVEL: 'silent' }),
      { distDir: pages.distDir },
    );
    servers.push(web);
    await web.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
  }
  const webUrl = await startWeb(platform.bookingUrl);
  return {
    platform,
    webUrl,
    distDir: pages.distDir,
    adminKey: STACK_ADMIN_KEY,
    startWeb,
    async close() {
      for (const s of servers) await s.close();
      await platform.close();
      await pages.remove();
    },
  };
}
