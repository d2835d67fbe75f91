// Time from a fan page's navigation to the first position on screen, in a real browser:
//   TEST_DATABASE_URL=… pnpm --filter @concert/web exec tsx scripts/measure-first-position.ts [runs]
// Each run is a fresh browser profile (nothing cached) on a 390×844 screen, with the user token in the
// fragment, joining a room whose one slot is taken, so the fan waits. The page marks `first-position`
// when the number is rendered; its startTime is milliseconds since the navigation began. Two network
// profiles: this machine's loopback, and a throttled phone link (150 ms round trip, 1.6 Mbit/s down,
// 750 kbit/s up, CPU 4× slower), through Chrome DevTools' network and CPU emulation.
import { bearer, createBookingClient, createGatewayClient, unwrap, watchQueue } from '@concert/client';
import { launchBrowser, openPerson, PHONE } from '../test/helpers/browser.ts';
import { startWebStack } from '../test/helpers/web-stack.ts';

const runs = Number(process.argv[2] ?? 10);
const stack = await startWebStack('web_first_position');
const browser = await launchBrowser();
const booking = createBookingClient({ baseUrl: stack.platform.bookingUrl });
const gateway = createGatewayClient({ baseUrl: stack.platform.gatewayUrl });
const tokenOf = async (userId: number) =>
  unwrap(await booking.POST('/v1/dev/login', { body: { userId } })).userToken;

try {
  const sale = await stack.platform.createSale({ room: { maxActive: 1 } });
  const holder = unwrap(
    await gateway.POST('/v1/queue/tokens', {
      headers: bearer(await tokenOf(1)),
      body: { concertId: sale.concertId },
    }),
  );
  await watchQueue({ gateway, streamUrl: null, token: holder.token });

  const profiles = [
    { name: 'loopback', throttle: null },
    {
      name: 'throttled phone (150 ms RTT, 1.6 Mbit/s, CPU 4x)',
      throttle: { latency: 150, downloadThroughput: (1.6e6 / 8) | 0, uploadThroughput: (750e3 / 8) | 0 },
    },
  ];
  let userId = 100;
  for (const profile of profiles) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { context, page } = await openPerson(browser, PHONE);
      if (profile.throttle) {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', { offline: false, ...profile.throttle });
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      }
      await page.goto(`${stack.webUrl}/?concert=${sale.concertId}#userToken=${await tokenOf(++userId)}`);
      await page.getByTestId('position').waitFor({ timeout: 30_000 });
      times.push(await page.evaluate(() => performance.getEntriesByName('first-position')[0]!.startTime));
      await context.close();
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]!);
    console.log(
      `${profile.name}: ${runs} runs, median ${at(0.5)} ms, p90 ${at(0.9)} ms, min ${at(0)} ms, max ${at(1)} ms`,
    );
  }
} finally {
  await browser.close();
  await stack.close();
}
