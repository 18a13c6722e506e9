import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

// Debian's chromium driven by playwright-core. Each context is a fresh profile (its own storage),
// so an admin and a technician can be logged in side by side.

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../docs/screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Errors the page threw or logged (a test fails on any). */
  errors: string[];
}

export async function openSession(
  browser: Browser,
  baseURL: string,
  viewport = { width: 1280, height: 860 },
): Promise<Session> {
  const context = await browser.newContext({ baseURL, viewport, acceptDownloads: true, locale: 'en-GB' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
      errors.push(`console: ${m.text()}`);
  });
  return { context, page, errors };
}

export async function login(page: Page, employeeNumber: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Employee number').fill(employeeNumber);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  // The page frame, not the navigation: on a tablet the navigation is a closed drawer.
  await page.locator('main#main').waitFor();
}

/** Saves docs/screenshots/web-<name>.png once the page has settled. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForFunction(() => document.querySelectorAll('.loading').length === 0, null, {
    timeout: 15_000,
  });
  if (opts.fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: path.join(SCREENSHOTS, `web-${name}.png`),
    fullPage: opts.fullPage ?? false,
  });
}

/**
 * Waits for `done` (the dialog a successful save opens). When the form shows an error instead, or
 * nothing comes, fails with the words on the page, so a failure on CI says why.
 */
export async function waitForSaved(page: Page, done: Locator, form: Locator) {
  const refused = form.getByRole('alert');
  try {
    await done.or(refused).first().waitFor();
  } catch (e) {
    const dialogs = await page.getByRole('dialog').allInnerTexts();
    throw new Error(`nothing came after saving; dialogs on the page: ${JSON.stringify(dialogs)}`, {
      cause: e,
    });
  }
  if (await done.isVisible()) return;
  throw new Error(`the form refused: ${(await refused.allInnerTexts()).join(' | ')}`);
}
