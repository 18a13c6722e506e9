import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, normalSampler } from '../../src/detection/random.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeReadings } from '../ml/ml-helpers.ts';
import { launchBrowser, login, openSession, type Session, screenshot } from './browser.ts';

// Issue 11 item 1 in the web app: an admin groups three transmitters that see one process, trains
// the group on their common baseline and reads each member's state in words.

const H = 3_600_000;
let app: TestApp;
let browser: Browser;
let admin: Session;
let tags: string[];

describe('model groups page', () => {
  beforeAll(async () => {
    app = await startTestApp();
    const rnd = normalSampler(mulberry32(3));
    const end = Math.floor(Date.now() / H) * H - 2 * H;
    const start = end - 30 * H;
    tags = [];
    for (let j = 0; j < 3; j++) {
      const inst = await makeInstrument(app, { publish_interval_seconds: 60 });
      tags.push(inst.tag);
      const points = [];
      for (let ts = start; ts < end; ts += 60_000) {
        const p = 5 + 0.5 * Math.sin((2 * Math.PI * ts) / (12 * H));
        points.push({ ts, value: (1 + 0.02 * j) * p + 0.02 * rnd() });
      }
      await storeReadings(app, inst.id, points);
      const b = await app.api('POST', '/api/ml/baselines', {
        body: { tag: inst.tag, start: new Date(start).toISOString(), end: new Date(end).toISOString() },
      });
      expect(b.status).toBe(201);
    }
    browser = await launchBrowser();
    admin = await openSession(browser, app.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('creates a group, trains it and shows each member in words', async () => {
    const page = admin.page;
    await login(page, ADMIN.employee_number, ADMIN.password);
    await page.goto(`${app.url}/admin/ml`);
    await page.getByRole('heading', { name: 'Model groups' }).waitFor();
    await page.getByText('No model group yet').waitFor();
    await page.getByRole('button', { name: 'New model group' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Header 2 pressures');
    const create = dialog.getByRole('button', { name: 'Create group' });
    expect(await create.isDisabled()).toBe(true); // fewer than two members
    for (const tag of tags) await dialog.getByLabel(tag, { exact: true }).check();
    await create.click();
    const row = page.getByRole('row', { name: /Header 2 pressures/ });
    await row.getByText('Not trained').waitFor();
    await row.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('button', { name: 'Train on the common baseline' }).click();
    await page.getByText('Trained version 1.').waitFor();
    await page.getByText('30 windows').first().waitFor();
    for (const tag of tags)
      await page
        .getByText(new RegExp(`${tag}: (Waiting for the first window|Agrees with its twins)`))
        .waitFor();
    await screenshot(page, 'model-group', { fullPage: true });
    expect(admin.errors).toEqual([]);
  });
});
