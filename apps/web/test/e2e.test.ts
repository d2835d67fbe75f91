import { bearer, createBookingClient, createGatewayClient, unwrap, watchQueue } from '@concert/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleErrors,
  createStepShooter,
  DESKTOP,
  launchBrowser,
  openPerson,
  PHONE,
} from './helpers/browser.ts';
import { startWebStack, type WebStack } from './helpers/web-stack.ts';

/**
 * The web app in a real browser (Debian's chromium through playwright-core) against both services,
 * end to end. One browser and one stack serve every scenario; each scenario has a concert of its own.
 * Every step leaves a screenshot in test-artifacts/.
 */
let stack: WebStack;
let browser: Browser;
const pages: { page: Page; errors: ConsoleErrors; close(): Promise<void> }[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startWebStack('web_e2e'), launchBrowser()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});
afterEach(async () => {
  // No uncaught error and no console error on any page a scenario opened.
  const errors = pages.flatMap((p) => p.errors.list);
  for (const p of pages.splice(0)) await p.close();
  expect(errors).toEqual([]);
});

async function person(viewport: { width: number; height: number }) {
  const { context, page, errors } = await openPerson(browser, viewport);
  const entry = { page, errors, close: () => context.close() };
  pages.push(entry);
  return entry;
}

/**
 * vitest's expect.poll gives up after 1 s; a page on a loaded 2-core machine (the services, MariaDB,
 * Redis and the browser share it) may take longer to show what it was told. Ten seconds unless a step
 * says otherwise.
 */
const eventually = <T>(read: () => T | Promise<T>, opts: { timeout?: number } = {}) =>
  expect.poll(read, { timeout: opts.timeout ?? 10_000, interval: 100 });

const booking = () => createBookingClient({ baseUrl: stack.platform.bookingUrl });
const gateway = () => createGatewayClient({ baseUrl: stack.platform.gatewayUrl });
const userTokenOf = async (userId: number) =>
  unwrap(await booking().POST('/v1/dev/login', { body: { userId } })).userToken;

/** A fan outside the browser (through the typed client), who joins and, when admitted, claims the slot. */
async function clientFan(userId: number, concertId: number) {
  const joined = unwrap(
    await gateway().POST('/v1/queue/tokens', {
      headers: bearer(await userTokenOf(userId)),
      body: { concertId },
    }),
  );
  return {
    ...joined,
    waitUntilFinal: () => watchQueue({ gateway: gateway(), streamUrl: null, token: joined.token }),
    leave: async () =>
      unwrap(await gateway().DELETE('/v1/queue/tokens/current', { headers: bearer(joined.token) })),
  };
}

const fanUrl = (concertId: number, userToken?: string) =>
  `${stack.webUrl}/?concert=${concertId}${userToken ? `#userToken=${userToken}` : ''}`;

async function liveSeatStatus(seatId: number): Promise<string | null> {
  const rows = await stack.platform.db.prisma.$queryRaw<{ status: string }[]>`
    SELECT status FROM Reservation WHERE seat_id = ${seatId} AND status IN ('PROGRESS', 'COMPLETED')`;
  return rows[0]?.status ?? null;
}

describe('a fan on a phone', () => {
  it('joins, waits, is admitted, holds a seat, tops up, pays and sees the confirmation', async () => {
    const shot = createStepShooter('1-phone-purchase');
    const sale = await stack.platform.createSale({
      name: 'Aurora Live in Seoul',
      seats: 30,
      price: 55_000,
      room: { maxActive: 1 },
    });
    // Someone else has the only slot: the fan waits first.
    const ahead = await clientFan(201, sale.concertId);
    await ahead.waitUntilFinal();

    const { page } = await person(PHONE);
    await page.goto(fanUrl(sale.concertId));
    await page.getByTestId('sign-in').waitFor();
    await shot(page, 'sign-in');
    await page.getByTestId('demo-user-id').fill('202');
    await page.getByTestId('demo-login').click();

    await eventually(() => page.getByTestId('position').textContent()).toBe('1');
    await eventually(() => page.getByTestId('eta').textContent()).toMatch(/minute/);
    await shot(page, 'waiting');
    await ahead.leave();

    const dates = page.getByTestId('date');
    await dates.first().waitFor({ timeout: 10_000 });
    await shot(page, 'admitted');
    await dates.first().click();
    const seat = page.locator('[data-testid=seat][data-status=AVAILABLE]').nth(4);
    const seatId = Number(await seat.getAttribute('data-seat-id'));
    await seat.click();
    const hold = page.getByTestId('hold');
    await hold.waitFor();
    await eventually(() => hold.getByTestId('hold-countdown').textContent()).toMatch(/Held · [45]:\d\d/);
    await eventually(() =>
      page.locator(`[data-seat-id="${seatId}"][data-testid=seat]`).getAttribute('data-status'),
    ).toBe('HELD');
    expect(await liveSeatStatus(seatId)).toBe('PROGRESS');
    await eventually(() => page.getByTestId('pay').isDisabled()).toBe(true);
    await shot(page, 'held-short-of-money');

    await page.getByTestId('top-up').click();
    await eventually(() => page.getByTestId('pay').isEnabled()).toBe(true);
    await shot(page, 'topped-up');
    await page.getByTestId('pay').click();

    const confirmation = page.getByTestId('confirmation');
    await confirmation.waitFor();
    expect(await confirmation.textContent()).toContain('55,000');
    await shot(page, 'confirmation');
    expect(await liveSeatStatus(seatId)).toBe('COMPLETED');
  });
});

describe('a waiting fan on a desktop', () => {
  it('moves from 2 to 1 without a reload when the person ahead leaves', async () => {
    const shot = createStepShooter('2-position-moves');
    const sale = await stack.platform.createSale({ name: 'Midnight Orchestra Tour', room: { maxActive: 1 } });
    const holder = await clientFan(301, sale.concertId);
    await holder.waitUntilFinal();
    const ahead = await clientFan(302, sale.concertId);
    expect(ahead).toMatchObject({ status: 'WAITING', position: 1 });

    const { page } = await person(DESKTOP);
    const queueCalls: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.includes('/v1/queue/')) queueCalls.push(path.replace(/^.*\/v1\/queue\//, ''));
    });
    await page.goto(fanUrl(sale.concertId, await userTokenOf(303)));
    await eventually(() => page.getByTestId('position').textContent()).toBe('2');
    // The fragment's token is out of the address bar at once.
    expect(page.url()).not.toContain('userToken');
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    await shot(page, 'position-2');

    await ahead.leave();
    await eventually(() => page.getByTestId('position').textContent(), { timeout: 10_000 }).toBe('1');
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(
      true,
    );
    await shot(page, 'position-1');
    // The move came down the push stream: one stream opened, not a single poll.
    expect(queueCalls).toEqual(['tokens', 'stream']);

    const firstPositionMs = await page.evaluate(
      () => performance.getEntriesByName('first-position')[0]?.startTime,
    );
    expect(firstPositionMs).toBeGreaterThan(0);
    console.info(`web e2e: first position shown ${Math.round(firstPositionMs!)} ms after navigation start`);
  });
});

describe('two fans and one seat', () => {
  it('gives the seat to one, tells the other in plain words, and lets them pick another', async () => {
    const shot = createStepShooter('3-same-seat');
    const sale = await stack.platform.createSale({ name: 'Neon Harbour Festival', seats: 20 });
    const fans = await Promise.all(
      [401, 402].map(async (userId, i) => {
        const fan = await person(i === 0 ? PHONE : DESKTOP);
        await fan.page.goto(fanUrl(sale.concertId, await userTokenOf(userId)));
        await fan.page.getByTestId('date').first().click();
        await fan.page.getByTestId('seat').first().waitFor();
        return fan;
      }),
    );
    const seatSelector = '[data-testid=seat][data-status=AVAILABLE]';
    const seatId = await fans[0]!.page.locator(seatSelector).nth(7).getAttribute('data-seat-id');
    const sameSeat = (p: Page) => p.locator(`[data-testid=seat][data-seat-id="${seatId}"]`);
    await Promise.all(fans.map((f) => sameSeat(f.page).click()));

    await eventually(async () =>
      (await Promise.all(fans.map((f) => f.page.getByTestId('hold').count()))).sort(),
    ).toEqual([0, 1]);
    const loser = (await fans[0]!.page.getByTestId('hold').count()) === 0 ? fans[0]! : fans[1]!;
    const winner = loser === fans[0] ? fans[1]! : fans[0]!;
    const notice = loser.page.getByTestId('notice');
    await eventually(() => notice.textContent()).toMatch(
      /was just taken by someone else\. Please pick another seat\./,
    );
    await eventually(() => sameSeat(loser.page).getAttribute('data-status')).toBe('HELD');
    await shot(loser.page, 'told-seat-taken');
    await shot(winner.page, 'winner-holds-it');
    const live = await stack.platform.db.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT COUNT(*) AS n FROM Reservation WHERE seat_id = ${Number(seatId)} AND status IN ('PROGRESS', 'COMPLETED')`;
    expect(Number(live[0]!.n)).toBe(1);

    // The page recovered: another seat is one click away.
    await loser.page.locator(seatSelector).nth(2).click();
    await eventually(() => loser.page.getByTestId('hold').count()).toBe(1);
    await shot(loser.page, 'picked-another');
  });
});

describe('a hold that runs out', () => {
  it('is shown as expired while the page is open, and the seat is offered again', async () => {
    const shot = createStepShooter('4-hold-expires');
    // A booking API whose holds last 4 s, and a web app in front of it.
    const shortHolds = await stack.platform.startBooking({ HOLD_TTL_SECONDS: '4' });
    const webUrl = await stack.startWeb(shortHolds);
    const sale = await stack.platform.createSale({
      name: 'Aurora Live in Seoul (late show)',
      dates: 1,
      seats: 10,
    });

    const { page } = await person(PHONE);
    await page.goto(`${webUrl}/?concert=${sale.concertId}#userToken=${await userTokenOf(501)}`);
    const seat = page.locator('[data-testid=seat][data-status=AVAILABLE]').nth(3);
    const seatId = await seat.getAttribute('data-seat-id');
    await seat.click();
    const hold = page.getByTestId('hold');
    await eventually(() => hold.getAttribute('data-status')).toBe('held');
    await shot(page, 'held');

    await eventually(() => hold.getAttribute('data-status'), { timeout: 15_000 }).toBe('expired');
    await eventually(() => page.getByTestId('notice').textContent()).toMatch(
      /ran out before payment, so it went back on sale/,
    );
    const sameSeat = page.locator(`[data-testid=seat][data-seat-id="${seatId}"]`);
    await eventually(() => sameSeat.getAttribute('data-status'), { timeout: 10_000 }).toBe('AVAILABLE');
    expect(await sameSeat.isEnabled()).toBe(true);
    await eventually(() => liveSeatStatus(Number(seatId))).toBe(null);
    await shot(page, 'expired-and-offered-again');
  });
});

describe('the operator page', () => {
  it('shows each open room with a chart that moves while a sale runs, and opens, reconfigures and closes rooms', async () => {
    const shot = createStepShooter('5-operator');
    const busy = await stack.platform.createSale({
      name: 'Aurora Live in Seoul (operator view)',
      room: { maxActive: 4, admitPerSecond: 4 },
    });
    const quiet = await stack.platform.createSale({ name: 'Harbour Lights Quartet', isRoomOpen: false });
    const { page } = await person(DESKTOP);
    await page.goto(`${stack.webUrl}/admin#adminKey=${stack.adminKey}`);
    const room = page.locator(`[data-testid=room][data-concert-id="${busy.concertId}"]`);
    await room.waitFor();
    expect(page.url()).not.toContain('adminKey');

    // The simulation: 30 fans join over 1.5 s; each, once admitted, leaves a little later.
    const simulation = (async () => {
      const fans = [];
      for (let i = 0; i < 30; i++) {
        fans.push(
          clientFan(600 + i, busy.concertId).then(async (fan) => {
            await fan.waitUntilFinal();
            await new Promise((r) => setTimeout(r, 600));
            await fan.leave();
          }),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
      await Promise.all(fans);
    })();
    const chart = room.getByTestId('room-chart');
    const drawn = () => chart.locator('canvas').evaluate((c: HTMLCanvasElement) => c.toDataURL());
    await eventually(async () =>
      Number(await room.getByTestId('room-waiting').textContent()),
    ).toBeGreaterThan(5);
    const before = { points: Number(await chart.getAttribute('data-points')), image: await drawn() };
    await shot(page, 'sale-running');
    await eventually(async () => Number(await chart.getAttribute('data-points')), {
      timeout: 10_000,
    }).toBeGreaterThan(before.points + 2);
    expect(await drawn()).not.toBe(before.image);
    await simulation;
    await eventually(async () => Number(await room.getByTestId('room-rate').textContent())).toBeGreaterThan(
      0,
    );
    await shot(page, 'sale-drained');

    const roomApi = async (concertId: number) =>
      gateway().GET('/v1/admin/queues/{concertId}', {
        headers: { 'x-admin-key': stack.adminKey },
        params: { path: { concertId: String(concertId) } },
      });

    // Open: the quiet concert's room, with 7 slots.
    const open = page.getByTestId('open-room');
    await open.getByTestId('open-room-concert').selectOption(String(quiet.concertId));
    await open.locator('input[name=maxActive]').fill('7');
    await open.getByTestId('open-room-submit').click();
    const quietRoom = page.locator(`[data-testid=room][data-concert-id="${quiet.concertId}"]`);
    await quietRoom.waitFor();
    expect(unwrap(await roomApi(quiet.concertId)).config.maxActive).toBe(7);

    // Reconfigure: 9 admissions a second.
    await quietRoom.getByTestId('edit-room').click();
    await quietRoom.locator('input[name=admitPerSecond]').fill('9');
    await shot(page, 'reconfiguring');
    await quietRoom.getByTestId('save-room').click();
    await eventually(async () => unwrap(await roomApi(quiet.concertId)).config.admitPerSecond).toBe(9);
    expect(unwrap(await roomApi(quiet.concertId)).config.maxActive).toBe(7);

    // Close, after a second click that confirms.
    await quietRoom.getByTestId('close-room').click();
    await quietRoom.getByTestId('confirm-close-room').click();
    await quietRoom.waitFor({ state: 'detached' });
    expect((await roomApi(quiet.concertId)).response.status).toBe(404);

    // Create a concert through the catalog endpoint.
    const create = page.getByTestId('create-concert');
    await create.getByTestId('concert-name').fill('Spring Gala 2027');
    await create.getByTestId('concert-date').fill('2027-04-18');
    await create.getByTestId('create-concert-submit').click();
    await eventually(() => page.getByTestId('notice').textContent()).toMatch(/Created “Spring Gala 2027”/);
    const listed = unwrap(await booking().GET('/v1/concerts'));
    expect(listed.map((c) => c.name)).toContain('Spring Gala 2027');
    await eventually(() => page.getByTestId('sales-row').count(), { timeout: 10_000 }).toBeGreaterThan(2);
    await shot(page, 'after-actions');
  });
});
