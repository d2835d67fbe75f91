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

    await expect.poll(() => page.getByTestId('position').textContent()).toBe('1');
    await expect.poll(() => page.getByTestId('eta').textContent()).toMatch(/minute/);
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
    await expect.poll(() => hold.getByTestId('hold-countdown').textContent()).toMatch(/Held · [45]:\d\d/);
    await expect
      .poll(() => page.locator(`[data-seat-id="${seatId}"][data-testid=seat]`).getAttribute('data-status'))
      .toBe('HELD');
    expect(await liveSeatStatus(seatId)).toBe('PROGRESS');
    await expect.poll(() => page.getByTestId('pay').isDisabled()).toBe(true);
    await shot(page, 'held-short-of-money');

    await page.getByTestId('top-up').click();
    await expect.poll(() => page.getByTestId('pay').isEnabled()).toBe(true);
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
    await page.goto(fanUrl(sale.concertId, await userTokenOf(303)));
    await expect.poll(() => page.getByTestId('position').textContent()).toBe('2');
    // The fragment's token is out of the address bar at once.
    expect(page.url()).not.toContain('userToken');
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    await shot(page, 'position-2');

    await ahead.leave();
    await expect.poll(() => page.getByTestId('position').textContent(), { timeout: 10_000 }).toBe('1');
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(
      true,
    );
    await shot(page, 'position-1');

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

    await expect
      .poll(async () => (await Promise.all(fans.map((f) => f.page.getByTestId('hold').count()))).sort())
      .toEqual([0, 1]);
    const loser = (await fans[0]!.page.getByTestId('hold').count()) === 0 ? fans[0]! : fans[1]!;
    const winner = loser === fans[0] ? fans[1]! : fans[0]!;
    const notice = loser.page.getByTestId('notice');
    await expect
      .poll(() => notice.textContent())
      .toMatch(/was just taken by someone else\. Please pick another seat\./);
    await expect.poll(() => sameSeat(loser.page).getAttribute('data-status')).toBe('HELD');
    await shot(loser.page, 'told-seat-taken');
    await shot(winner.page, 'winner-holds-it');
    const live = await stack.platform.db.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT COUNT(*) AS n FROM Reservation WHERE seat_id = ${Number(seatId)} AND status IN ('PROGRESS', 'COMPLETED')`;
    expect(Number(live[0]!.n)).toBe(1);

    // The page recovered: another seat is one click away.
    await loser.page.locator(seatSelector).nth(2).click();
    await expect.poll(() => loser.page.getByTestId('hold').count()).toBe(1);
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
    await expect.poll(() => hold.getAttribute('data-status')).toBe('held');
    await shot(page, 'held');

    await expect.poll(() => hold.getAttribute('data-status'), { timeout: 15_000 }).toBe('expired');
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toMatch(/ran out before payment, so it went back on sale/);
    const sameSeat = page.locator(`[data-testid=seat][data-seat-id="${seatId}"]`);
    await expect.poll(() => sameSeat.getAttribute('data-status'), { timeout: 10_000 }).toBe('AVAILABLE');
    expect(await sameSeat.isEnabled()).toBe(true);
    await expect.poll(() => liveSeatStatus(Number(seatId))).toBe(null);
    await shot(page, 'expired-and-offered-again');
  });
});
