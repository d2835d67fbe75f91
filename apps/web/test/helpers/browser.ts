import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export { CHROMIUM, launchBrowser } from '@concert/testing/browser';

/** Where each step's screenshot goes: a git-ignored folder, kept as CI's artifacts. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts', import.meta.url));

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

/** What a page said that a person would call an error: uncaught exceptions and console.error calls. */
export interface ConsoleErrors {
  list: string[];
}

/**
 * A fresh browser profile (its own storage) for one person, with a phone or desktop screen.
 * Every uncaught exception and console error of its pages is collected. A refused API call is no
 * error of the page: Chromium logs "Failed to load resource" for each 4xx, and the page shows the
 * refusal in words instead, which the tests check.
 */
export async function openPerson(
  browser: Browser,
  viewport: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page; errors: ConsoleErrors }> {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: viewport.width < 500 ? 2 : 1,
    isMobile: viewport.width < 500,
    hasTouch: viewport.width < 500,
    locale: 'en-GB',
  });
  const page = await context.newPage();
  const errors: ConsoleErrors = { list: [] };
  page.on('pageerror', (err) => errors.list.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const isRefusedCall =
      text.startsWith('Failed to load resource: the server responded with a status of 4') &&
      /\/(gateway|booking)\//.test(msg.location().url);
    if (!isRefusedCall) errors.list.push(`console: ${text} (${msg.location().url})`);
  });
  return { context, page, errors };
}

/** Saves a numbered screenshot of a scenario's step. */
export function createStepShooter(scenario: string) {
  let step = 0;
  const dir = `${ARTIFACTS_DIR}/${scenario}`;
  return async (page: Page, name: string, opts: { fullPage?: boolean } = {}) => {
    await mkdir(dir, { recursive: true });
    step++;
    const path = `${dir}/${String(step).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path, fullPage: opts.fullPage ?? true, animations: 'disabled' });
    return path;
  };
}
