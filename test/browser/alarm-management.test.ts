import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearAlertCondition, raiseAlert } from '../../src/alerts/alert-service.ts';
import type { Severity } from '../../src/alerts/types.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session, screenshot } from './browser.ts';

// Issue 14: shelving from the alerts page, out of service from the instrument page, and the alarm
// KPI page over a journal made by the real alert services.

let app: TestApp;
let browser: Browser;
let admin: Session;

describe('alarm management pages', () => {
  let target: { id: number; tag: string };
  let alertId: number;
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    admin = await openSession(browser, app.url);
    const db = app.server.ctx.db;
    const hour = 3_600_000;
    const base = Math.floor((Date.now() - 5 * hour) / 600_000) * 600_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const raise = (instrumentId: number, conditionKey: string, severity: Severity, at: number) =>
      raiseAlert(db, {
        instrumentId,
        alertType: 'rule_violation',
        conditionKey,
        severity,
        message: `${conditionKey} limit`,
        at: iso(at),
      });
    // A flood: 12 alarms in one 10-minute period on FT-FLOOD.
    const flood = await makeInstrument(app, { tag: 'FT-FLOOD' });
    for (let i = 0; i < 12; i++)
      await raise(flood.id, `c${i}`, i < 9 ? 'advisory' : 'warning', base + i * 30_000);
    // A chattering level switch: 3 raises in 40 s.
    const chat = await makeInstrument(app, { tag: 'LS-CHAT' });
    for (let i = 0; i < 3; i++) {
      await raise(chat.id, 'high_warning', 'warning', base + hour + i * 20_000);
      await clearAlertCondition(
        db,
        { instrumentId: chat.id, alertType: 'rule_violation', conditionKey: 'high_warning' },
        iso(base + hour + i * 20_000 + 10_000),
      );
    }
    target = await makeInstrument(app, { tag: 'PT-SHELF' });
    alertId = (await raise(target.id, 'high_critical', 'critical', Date.now() - 60_000)).alert.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shelves an alert with a reason and a duration, lists it as shelved, unshelves it', async () => {
    const page = admin.page;
    await login(page, ADMIN.employee_number, ADMIN.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    const row = page.locator(`[data-alert-id="${alertId}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: 'Shelve alert on PT-SHELF' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Shelve alert' }).click();
    await dialog.getByText('Give a reason').waitFor();
    await dialog.getByLabel('Reason').fill('Transmitter isolated for impulse line flushing');
    await dialog.getByLabel('Shelve for').selectOption('120');
    await screenshot(page, 'alert-shelve-modal');
    await dialog.getByRole('button', { name: 'Shelve alert' }).click();
    await row.waitFor({ state: 'detached' });

    await page.getByLabel('Status').selectOption('shelved');
    await row.waitFor();
    expect(await row.textContent()).toContain('Shelved until');
    expect(await row.textContent()).toContain('Transmitter isolated for impulse line flushing');
    await screenshot(page, 'alerts-shelved');
    await row.getByRole('button', { name: 'Unshelve alert on PT-SHELF' }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByLabel('Status').selectOption('active');
    await row.waitFor();
    await row.getByText('History').click();
    await row.getByText('Unshelved by Administrator').waitFor();
    expect(await row.locator('.alert-history li').count()).toBe(3);
    const events = await app.api('GET', `/api/alerts/${alertId}/events`);
    expect(events.body.map((e: { event: string }) => e.event)).toEqual(['raise', 'shelve', 'unshelve']);
    expect(admin.errors).toEqual([]);
  });

  it('takes an instrument out of service from its page', async () => {
    const page = admin.page;
    await page.goto(`/instruments/${target.id}`);
    await page.getByRole('button', { name: 'Take out of service…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Process isolated for vessel entry');
    await dialog.getByRole('button', { name: 'Take out of service' }).click();
    await page.getByText('Out of service', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Return to service…' }).waitFor();
    await screenshot(page, 'instrument-out-of-service');
    await page.goto('/instruments');
    await page.locator('[data-tag="PT-SHELF"]').getByText('Alarms out of service').waitFor();
    await screenshot(page, 'instruments-out-of-service');
    // Returned to service from the register.
    await page.getByRole('button', { name: 'Return to service: PT-SHELF' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Return to service' }).click();
    await page
      .locator('[data-tag="PT-SHELF"]')
      .getByText('Alarms out of service')
      .waitFor({ state: 'detached' });
    const state = await app.api('GET', `/api/instruments/${target.id}/out-of-service`);
    expect(state.body).toMatchObject({
      out_of_service: false,
      history: [{ source: 'manual', reason: 'Process isolated for vessel entry' }],
    });
    expect(admin.errors).toEqual([]);
  });

  it('shows the alarm KPIs with targets and charts', async () => {
    const page = admin.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alarm KPIs' }).click();
    await page.getByRole('heading', { name: 'Alarm KPIs' }).waitFor();
    await page.getByText('16 alarms').waitFor(); // 12 flood + 3 chattering + the shelved one
    expect(await page.locator('[data-kpi="flood_percent"]').textContent()).toMatch(/1 of 100[89]\)/);
    expect(await page.locator('[data-kpi="peak"]').textContent()).toContain('12');
    expect(await page.locator('[data-kpi="chattering"]').textContent()).toMatch(/^.*1.*Over target/);
    expect(await page.locator('[data-table="bad-actors"] tbody tr').first().textContent()).toContain(
      'FT-FLOOD',
    );
    expect(await page.locator('canvas').count()).toBe(3);
    await screenshot(page, 'alarm-kpis', { fullPage: true });
    expect(admin.errors).toEqual([]);
  });
});
