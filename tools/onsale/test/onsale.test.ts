import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildBookingApp } from '@concert/booking-api';
import { loadBookingConfig, loadGatewayConfig } from '@concert/config';
import { buildGatewayApp } from '@concert/queue-gateway';
import { createTestDatabase, createTestRedis, TEST_AUTH_SECRET, TEST_REDIS_ENV } from '@concert/testing';
import { launchBrowser } from '@concert/testing/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, type OnSaleReport, type Progress, renderHtmlReport, runOnSale } from '../src/index.ts';

const SECRET = 'onsale-test-secret-0123456789abcdef0123';
const ADMIN_KEY = 'onsale-admin';
// Both services check iss and aud, so that a simulation that signed its user tokens without them
// would sell nothing.
const IDENTITY = { AUTH_JWT_SECRET: TEST_AUTH_SECRET, AUTH_ISSUER: 'onsale-idp', AUTH_AUDIENCE: 'concert' };

const urlOf = (app: { server: { address(): unknown } }) =>
  `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

/**
 * A short on-sale through the real HTTP stack of both services: a few hundred users racing for 100
 * seats. It asserts the invariants only, never a timing.
 */
describe('on-sale simulation (short run)', () => {
  let report: OnSaleReport;
  const progress: Progress[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase('onsale', { poolSize: 2 });
    const redis = await createTestRedis('onsale');
    closers.push(
      () => redis.close(),
      () => db.drop(),
    );
    const gateway = await buildGatewayApp(
      loadGatewayConfig({
        ...TEST_REDIS_ENV,
        REDIS_KEY_PREFIX: redis.prefix,
        QUEUE_TOKEN_SECRET: SECRET,
        ...IDENTITY,
        ADMIN_API_KEY: ADMIN_KEY,
        RATE_LIMIT_MAX: '0',
        PROMOTER_INTERVAL_MS: '50',
        LOG_LEVEL: 'silent',
      }),
    );
    const booking = await buildBookingApp(
      loadBookingConfig({
        DATABASE_URL: db.url,
        ...TEST_REDIS_ENV,
        REDIS_KEY_PREFIX: redis.prefix,
        QUEUE_TOKEN_SECRET: SECRET,
        ...IDENTITY,
        // The simulation creates its concert through the catalog API.
        ADMIN_API_KEY: ADMIN_KEY,
        HOLD_TTL_SECONDS: '2',
        HOLD_SWEEP_INTERVAL_MS: '1000',
        RATE_LIMIT_MAX: '0',
        // A 5xx fails this test; its error in the output says why.
        LOG_LEVEL: 'error',
      }),
    );
    closers.unshift(
      () => gateway.close(),
      () => booking.close(),
    );
    await gateway.listen({ port: 0, host: '127.0.0.1' });
    await booking.listen({ port: 0, host: '127.0.0.1' });

    report = await runOnSale({
      gatewayUrl: urlOf(gateway),
      bookingUrl: urlOf(booking),
      adminKey: ADMIN_KEY,
      databaseUrl: db.url,
      authJwtSecret: TEST_AUTH_SECRET,
      authIssuer: IDENTITY.AUTH_ISSUER,
      authAudience: IDENTITY.AUTH_AUDIENCE,
      concert: { dates: 2, seatsPerDate: 50 },
      users: 300,
      userOffset: 1,
      joinSeconds: 2,
      abandonWaiting: 0.1,
      abandonHold: 0.2,
      room: { maxActive: 40, admitPerSecond: 100, activeTtlSeconds: 30, idleTimeoutSeconds: 3 },
      holdWatchSeconds: 10,
      maxSeconds: 100,
      connections: 64,
      seed: 7,
      progress: (p) => progress.push(p),
    });
  }, 150_000);

  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('ran to its end and sold seats', () => {
    console.log(formatReport(report));
    expect(report.timedOut, formatReport(report)).toBe(false);
    expect(report.sales.seatsSold).toBeGreaterThan(0);
    expect(report.sales.seatsSold).toBeLessThanOrEqual(report.sales.seatsAvailable);
  });

  it('sold no seat twice (checked in MySQL)', () => {
    expect(report.sales.doubleBookings).toBe(0);
  });

  it('let nobody overtake, and moved nobody back', () => {
    expect(report.fairness.overtakes, formatReport(report)).toBe(0);
    expect(report.fairness.maxBackwardMove).toBe(0);
  });

  it('never exceeded maxActive or admitPerSecond', () => {
    // The sampler must have read the room and seen it busy, or ≤ 40 would hold at 0.
    expect(report.latency['admin.stats']?.requests ?? 0).toBeGreaterThanOrEqual(10);
    expect(report.admissions.maxActiveSeen).toBeGreaterThan(0);
    expect(report.admissions.maxActiveSeen).toBeLessThanOrEqual(40);
    expect(report.admissions.maxInAnyOneSecond).toBeLessThanOrEqual(100);
  });

  it('answered no request with a 5xx', () => {
    expect(report.serverErrors, JSON.stringify(report.latency)).toBe(0);
  });

  it('released every abandoned hold', () => {
    // At least one hold was abandoned, or this would pass as 0 = 0.
    expect(report.holds.abandoned).toBeGreaterThanOrEqual(1);
    expect(report.holds.released).toBe(report.holds.abandoned);
  });

  it('reported its progress while it ran, counts only ever rising', () => {
    // The sampler calls it every ~100 ms: a run of several seconds gives dozens.
    expect(progress.length).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < progress.length; i++) {
      const [a, b] = [progress[i - 1]!, progress[i]!];
      expect(b.elapsedSeconds).toBeGreaterThanOrEqual(a.elapsedSeconds);
      for (const k of ['joined', 'admitted', 'sold', 'errors'] as const)
        expect(b[k]).toBeGreaterThanOrEqual(a[k]);
    }
    const last = progress.at(-1)!;
    expect(last.users).toBe(300);
    expect(last.joined).toBeGreaterThan(0);
    expect(last.joined).toBeLessThanOrEqual(300);
    expect(last.admitted).toBeGreaterThan(0);
    expect(last.sold).toBeGreaterThan(0);
    expect(last.sold).toBeLessThanOrEqual(report.sales.seatsSold);
    expect(Math.max(...progress.map((p) => p.waiting ?? 0))).toBeGreaterThan(0);
  });

  it('kept the time series the charts draw', () => {
    const s = report.series;
    expect(s.timeline.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...s.timeline.map((p) => p.waiting))).toBeGreaterThan(0);
    expect(Math.max(...s.timeline.map((p) => p.active))).toBeGreaterThan(0);
    expect(Math.max(...s.timeline.map((p) => p.active))).toBeLessThanOrEqual(40);
    const admissions = s.admissionsPerSecond.reduce((n, x) => n + x, 0);
    expect(admissions).toBeGreaterThanOrEqual(report.estimate.admittedUsers);
    expect(Math.max(...s.admissionsPerSecond)).toBeLessThanOrEqual(100);
    // 300 users is below the cap: every admitted user who waited to the end is one point.
    expect(s.waitPointsStride).toBe(1);
    expect(s.waitPoints.length).toBe(report.estimate.admittedUsers);
    expect(s.waitPoints.length).toBeGreaterThan(0);
  });

  describe('HTML report', () => {
    let dir: string;
    let file: string;
    let html: string;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'onsale-html-'));
      file = join(dir, 'report.html');
      writeFileSync(file, renderHtmlReport(report));
      html = readFileSync(file, 'utf8');
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('is one file that loads nothing from elsewhere', () => {
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
      expect(html).not.toMatch(/<link\b/i);
      expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
      expect(html).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i);
      // Chart.js itself is inlined.
      expect(html).toContain('Chart.js v4');
      expect(html.length).toBeGreaterThan(150_000);
    });

    it('embeds the whole report as its data', () => {
      const embedded = /<script type="application\/json" id="report">([\s\S]*?)<\/script>/.exec(html)?.[1];
      expect(embedded).toBeDefined();
      expect(JSON.parse(embedded!)).toEqual(JSON.parse(JSON.stringify(report)));
    });

    it('opens in a real browser with no error and no request, and every chart draws its data', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-drawn="true"]', { timeout: 10_000 });
      const charts = await drawnCharts(page);
      await page.close();
      expect(errors).toEqual([]);
      expect(requests).toEqual([pathToFileURL(file).href]);
      expect(charts.map((c) => c.id)).toEqual(['room', 'admissions', 'estimate', 'latency']);
      for (const c of charts) {
        expect(c.points, c.id).toBeGreaterThan(0);
        expect(c.colouredPixels, c.id).toBeGreaterThan(100);
      }
    });

    it('draws nothing coloured from a report without data, so the check above can fail', async () => {
      const empty = {
        ...report,
        latency: {},
        series: { ...report.series, timeline: [], admissionsPerSecond: [], waitPoints: [] },
      };
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await page.setContent(renderHtmlReport(empty));
      await page.waitForSelector('body[data-drawn="true"]', { timeout: 10_000 });
      const charts = await drawnCharts(page);
      await page.close();
      expect(charts).toHaveLength(4);
      for (const c of charts) expect(c.colouredPixels, c.id).toBe(0);
    });
  });
});

/**
 * For each chart: how many data points Chart.js holds, and how many coloured pixels are inside its plot
 * area (axes, grid and text are grey, the legend lies outside it: only drawn data is coloured).
 */
function drawnCharts(page: import('playwright-core').Page) {
  return page.evaluate(() => {
    const g = globalThis as unknown as {
      Chart: {
        getChart(c: HTMLCanvasElement):
          | {
              chartArea: { left: number; top: number; right: number; bottom: number };
              currentDevicePixelRatio: number;
              data: { datasets: { data: unknown[] }[] };
            }
          | undefined;
      };
    };
    return [...document.querySelectorAll('canvas')].map((canvas) => {
      const chart = g.Chart.getChart(canvas)!;
      const k = chart.currentDevicePixelRatio;
      const { left, top, right, bottom } = chart.chartArea;
      const x = Math.ceil(left * k) + 1;
      const y = Math.ceil(top * k) + 1;
      const w = Math.max(0, Math.floor((right - left) * k) - 2);
      const h = Math.max(0, Math.floor((bottom - top) * k) - 2);
      const px = canvas.getContext('2d')!.getImageData(x, y, w, h).data;
      let colouredPixels = 0;
      for (let i = 0; i < px.length; i += 4) {
        const [r, gr, b, a] = [px[i]!, px[i + 1]!, px[i + 2]!, px[i + 3]!];
        if (a > 64 && Math.max(r, gr, b) - Math.min(r, gr, b) > 60) colouredPixels++;
      }
      const points = chart.data.datasets.reduce((n, d) => n + d.data.length, 0);
      return { id: canvas.id, points, colouredPixels };
    });
  });
}
