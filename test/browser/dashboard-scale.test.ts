import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlant, seedLiveReadings } from '../../bench/reports-plant.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session } from './browser.ts';

// Issue 16 part 2: the dashboard of a 2,000-instrument plant in headless Chromium. The figures
// (first card, frames/s while scrolling, longest task of a refresh) are printed for the closing
// note; the asserts are loose floors so a loaded CI machine does not flake.

const INSTRUMENTS = 2000;

let app: TestApp;
let browser: Browser;
let s: Session;

describe('dashboard with 2,000 instruments', () => {
  beforeAll(async () => {
    app = await startTestApp();
    const db = app.server.ctx.db;
    const now = app.server.ctx.clock.now();
    await buildPlant(db, { instruments: INSTRUMENTS, years: 1, now, seed: 16 });
    await seedLiveReadings(db, app.server.ctx.live, now);
    // Inserted behind the services' backs: the register and the calibration states in memory learn
    // it as their periodic refreshes would.
    await app.server.ctx.ingestion.instruments.refresh();
    await app.server.ctx.calibrations.load(null);
    browser = await launchBrowser();
    s = await openSession(browser, app.url, { width: 1280, height: 860 });
    await login(s.page, ADMIN.employee_number, ADMIN.password);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows the first card fast and keeps far fewer than 2,000 cards in the DOM', async () => {
    const page = s.page;
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto('/');
      await page.waitForFunction(() => document.querySelector('.card[data-tag]') !== null, null, {
        polling: 'raf',
      });
      // Milliseconds since this navigation started, measured by the page itself.
      times.push(await page.evaluate(() => performance.now()));
    }
    console.log(`first card after navigation: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    // Target < 1 s (issue 16); 3 s here so a loaded 2-core CI machine does not flake.
    expect(Math.min(...times)).toBeLessThan(3000);

    expect(await page.getByTestId('kpi-total-instruments').locator('.kpi-value').textContent()).toBe(
      String(INSTRUMENTS),
    );
    expect(await page.getByTestId('card-count').textContent()).toBe(`${INSTRUMENTS} instruments`);
    const cards = await page.locator('.card[data-tag]').count();
    const nodes = await page.evaluate(() => document.getElementsByTagName('*').length);
    console.log(`DOM: ${cards} cards, ${nodes} elements`);
    expect(cards).toBeGreaterThan(4);
    expect(cards).toBeLessThan(200);

    // Problems first: the first card carries the plant's worst alert.
    const first = (await app.api('GET', '/api/dashboard/summary?limit=1')).body.instruments[0];
    await page.locator(`.card[data-tag="${first.tag}"]`).waitFor();
  });

  it('scrolls smoothly to the last instrument', async () => {
    const page = s.page;
    // A scripted scroll of 3 s, 40 px a frame, counting frames and the longest gap between them.
    const fps = await page.evaluate(async () => {
      window.scrollTo(0, 0);
      await new Promise((r) => setTimeout(r, 200));
      return new Promise<{ fps: number; worstFrameMs: number; frames: number }>((resolve) => {
        const start = performance.now();
        let prev = start;
        let frames = 0;
        let worst = 0;
        const step = (t: number) => {
          frames++;
          worst = Math.max(worst, t - prev);
          prev = t;
          window.scrollBy(0, 40);
          if (t - start < 3000) requestAnimationFrame(step);
          else resolve({ fps: (frames * 1000) / (t - start), worstFrameMs: worst, frames });
        };
        requestAnimationFrame(step);
      });
    });
    console.log(
      `scripted scroll: ${fps.fps.toFixed(1)} frames/s (${fps.frames} frames), longest frame ${fps.worstFrameMs.toFixed(0)} ms`,
    );
    // Target >= 50 frames/s (issue 16); a loose floor here, the real figure is printed above.
    expect(fps.fps).toBeGreaterThan(20);

    // By tag, the order is fixed (problems first moves as readings age): the last tag is last.
    const last = (await app.api('GET', `/api/dashboard/summary?sort=tag&limit=1&offset=${INSTRUMENTS - 1}`))
      .body.instruments[0];
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByLabel('Sort cards').selectOption('tag');
    const firstByTag = (await app.api('GET', '/api/dashboard/summary?sort=tag&limit=1')).body.instruments[0];
    await page.waitForFunction(
      (tag) => document.querySelector('.card[data-tag]')?.getAttribute('data-tag') === tag,
      firstByTag.tag,
    );
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.locator(`.card[data-tag="${last.tag}"]`).waitFor({ timeout: 15_000 });
    const bottom = await page.evaluate(() => window.scrollY + window.innerHeight);
    expect(bottom).toBeGreaterThan(100_000); // 2,000 cards' worth of rows
    expect(await page.locator('.card[data-tag]').count()).toBeLessThan(200);
    expect(s.errors).toEqual([]);
  });

  it('refreshes without long tasks, and narrows by tag', async () => {
    const page = s.page;
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    const before = await page.getByTestId('last-refresh').textContent();
    await page.waitForTimeout(1100); // the refresh line shows seconds: let it move on
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await page.waitForFunction(
      (b) => document.querySelector('[data-testid="last-refresh"]')?.textContent !== b,
      before,
    );
    await page.waitForTimeout(300);
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    console.log(
      `refresh: ${longTasks.length} long tasks${longTasks.length ? `, longest ${Math.max(...longTasks).toFixed(0)} ms` : ''}`,
    );
    expect(Math.max(0, ...longTasks)).toBeLessThan(250);

    const one = (await app.api('GET', '/api/dashboard/summary?sort=tag&limit=1&offset=1234')).body
      .instruments[0];
    await page.getByLabel('Find a tag').fill(one.tag);
    await page.waitForFunction((tag) => {
      const tags = [...document.querySelectorAll('.card[data-tag]')].map((e) => e.getAttribute('data-tag'));
      return tags.length === 1 && tags[0] === tag;
    }, one.tag);
    expect(await page.getByTestId('card-count').textContent()).toBe(`1 of ${INSTRUMENTS} instrument`);
  });

  it('serves the JS bundle and the summary compressed', async () => {
    const html = await (await fetch(`${app.url}/`)).text();
    const src = /<script[^>]+src="([^"]+\.js)"/.exec(html)?.[1];
    expect(src).toBeTruthy();
    const js = await fetch(`${app.url}${src}`, { headers: { 'accept-encoding': 'br, gzip' } });
    const size = (await js.arrayBuffer()).byteLength;
    expect(js.status).toBe(200);
    expect(js.headers.get('content-encoding')).toBe('br');
    const gz = await fetch(`${app.url}${src}`, { headers: { 'accept-encoding': 'gzip' } });
    await gz.arrayBuffer();
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const api = await fetch(`${app.url}/api/dashboard/summary`, {
      headers: { authorization: `Bearer ${app.adminToken}`, 'accept-encoding': 'gzip, deflate, br' },
    });
    await api.arrayBuffer();
    expect(api.headers.get('content-encoding')).toBe('br');
    console.log(`JS bundle ${(size / 1000).toFixed(0)} kB, sent compressed (br/gzip)`);
  });
});
