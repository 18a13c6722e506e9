import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session, screenshot } from './browser.ts';

// Issue 18: the first-run guide of a plant with no demo data (its mosquitto_pub example is run as
// printed and the guide goes away once the reading arrives), and the "Next 30 days" planning view.

const run = promisify(execFile);
const DAY_MS = 86_400_000;

let app: TestApp;
let browser: Browser;
let admin: Session;
let tech: Session;
let techUser: Awaited<ReturnType<typeof makeUser>>;

describe('first run and planning ahead in the browser', () => {
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    admin = await openSession(browser, app.url);
    tech = await openSession(browser, app.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('walks a new admin through instruments, connecting data and users, and goes away once readings arrive', async () => {
    const page = admin.page;
    await login(page, ADMIN.employee_number, ADMIN.password);
    const guide = page.getByRole('region', { name: 'Set up your plant' });
    await guide.waitFor();
    expect(await guide.getByRole('link', { name: 'Import a register' }).getAttribute('href')).toBe(
      '/admin/imports',
    );
    expect(await guide.getByRole('link', { name: 'Add instruments' }).getAttribute('href')).toBe(
      '/instruments',
    );
    expect(await guide.getByRole('link', { name: 'Add users' }).getAttribute('href')).toBe('/admin/users');
    // No instrument yet: the example names a sample tag and says so.
    expect(await page.getByTestId('mosquitto-pub').textContent()).toContain('PT-101');
    await guide.getByText('add an instrument first').waitFor();

    // A technician sees a short note, not the steps.
    techUser = await makeUser(app, 'technician');
    await login(tech.page, techUser.employee_number, techUser.password);
    await tech.page
      .getByRole('region', { name: 'This plant is being set up' })
      .getByText('No instruments')
      .waitFor();
    expect(await tech.page.getByRole('region', { name: 'Set up your plant' }).count()).toBe(0);

    const inst = await makeInstrument(app, { unit: 'bar', nominal_value: 6.5 });
    await page.reload();
    await guide.waitFor();
    await page.getByTestId('first-run-step-1').getByText('(done)').waitFor();
    await page.getByTestId('first-run-step-3').getByText('(done)').waitFor();
    const command = (await page.getByTestId('mosquitto-pub').textContent()) ?? '';
    expect(command).toContain(`-h '${app.mqtt.host}' -p ${app.mqtt.port}`);
    expect(command).toContain(`-t '${app.mqtt.topicPrefix}/${inst.tag}'`);
    expect(await page.getByTestId('broker-address').textContent()).toBe(
      `mqtt://${app.mqtt.host}:${app.mqtt.port}`,
    );
    await screenshot(page, 'first-run', { fullPage: true });

    // The command works as printed: the reading is stored and the guide goes away by itself.
    await run('bash', ['-c', command], { timeout: 15_000 });
    await guide.waitFor({ state: 'detached', timeout: 20_000 });
    await page.locator(`[data-tag="${inst.tag}"]`).getByText('6.5').waitFor();
    await tech.page
      .getByRole('region', { name: 'This plant is being set up' })
      .waitFor({ state: 'detached' });
    expect(admin.errors).toEqual([]);
    expect(tech.errors).toEqual([]);
  });

  it('shows the next 30 days by week, filtered by process unit and person', async () => {
    const now = Date.now();
    const unit = (await app.api('POST', '/api/process-units', { body: { name: 'Boiler House' } })).body;
    const other = (await app.api('POST', '/api/process-units', { body: { name: 'Water Treatment' } })).body;
    const boiler = await makeInstrument(app, { calibration_interval_days: 9, process_unit_id: unit.id });
    const water = await makeInstrument(app, { calibration_interval_days: 365, process_unit_id: other.id });
    const plan = await app.api('POST', '/api/pm-plans', {
      body: {
        instrument_id: water.id,
        task: 'Clean the conductivity cell',
        interval_days: 14,
        next_due: new Date(now + 16 * DAY_MS).toISOString(),
        assigned_to: techUser.id,
      },
    });
    expect(plan.status).toBe(201);
    const wo = await app.api('POST', '/api/work-orders', {
      body: {
        instrument_id: water.id,
        title: 'Replace the sample pump',
        type: 'corrective',
        due_date: new Date(now + 2 * DAY_MS).toISOString(),
        assigned_to: techUser.id,
      },
    });
    expect(wo.status).toBe(201);
    // The boiler calibration (due in 9 days) is within the lead time: its work order is raised now.
    await app.api('POST', '/api/maintenance/scan-now');

    const page = admin.page;
    await page.reload(); // the process units were added behind the page's back
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Next 30 days' }).click();
    await page.getByRole('heading', { name: 'Next 30 days' }).waitFor();
    const rows = page.locator('.plan-table tbody tr');
    await page.getByRole('link', { name: 'Replace the sample pump' }).waitFor();
    const weeks = page.getByTestId('plan-week');
    expect(await weeks.count()).toBeGreaterThanOrEqual(3);
    expect(await weeks.first().locator('h2').textContent()).toMatch(/^Week of /);
    const calRow = rows.filter({ hasText: boiler.tag }).filter({ hasText: 'Calibration' });
    await calRow.getByText(/work order #\d+/).waitFor();
    expect(await rows.filter({ hasText: 'PM: Clean the conductivity cell' }).count()).toBe(2); // days 16 and 30
    await screenshot(page, 'planning', { fullPage: true });

    // Each filter shows only its own rows once its answer is in (the old rows stay until then).
    const tagsShown = () => rows.locator('td:nth-child(3)').allInnerTexts();
    await page.getByLabel('Process unit').selectOption({ label: 'Boiler House' });
    await expect.poll(tagsShown).toEqual([boiler.tag]);
    await page.getByLabel('Process unit').selectOption({ label: 'All process units' });
    await page.getByLabel('Person').selectOption({ value: String(techUser.id) });
    await expect.poll(tagsShown).toEqual([water.tag, water.tag, water.tag]);
    await page.getByRole('link', { name: 'Replace the sample pump' }).waitFor();
    expect(page.url()).toContain(`person=${techUser.id}`);

    // A technician opens the same view from the navigation.
    await tech.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Next 30 days' })
      .click();
    await tech.page.getByRole('link', { name: 'Replace the sample pump' }).waitFor();
    expect(admin.errors).toEqual([]);
    expect(tech.errors).toEqual([]);
  });
});
