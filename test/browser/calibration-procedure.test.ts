import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session, screenshot, waitForSaved } from './browser.ts';

// Issue 13: the calibration modal driven by the instrument's procedure (its points, directions,
// verdicts and TUR), the certificate download, and the calibrator CSV import form.

let app: TestApp;
let browser: Browser;
let admin: Session;
const DAY = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

describe('procedure-driven calibration in the browser', () => {
  beforeAll(async () => {
    app = await startTestApp({ env: { PLANT_NAME: 'Nkana Water Works' } });
    browser = await launchBrowser();
    admin = await openSession(browser, app.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('presets the procedure points, shows verdicts and a low TUR, saves and downloads the certificate', async () => {
    const now = new Date();
    const std = await app.api('POST', '/api/reference-standards', {
      body: {
        identifier: 'DPI-620-07',
        description: 'Druck DPI 620 Genii',
        certificate_number: 'ZM-2026-0177',
        accuracy: '0.02 % FS',
        calibrated_on: day(new Date(now.getTime() - 30 * DAY)),
        due_date: day(new Date(now.getTime() + 330 * DAY)),
        uncertainty_value: 0.02,
        uncertainty_unit: 'bar',
      },
    });
    const proc = await app.api('POST', '/api/calibration-procedures', {
      body: {
        name: 'Pressure transmitter 3-point up/down',
        test_points: [0, 50, 100],
        direction: 'up_down',
        tolerance: { mode: 'pct_span', fail_limit: 0.5, adjust_limit: 0.25 },
      },
    });
    const inst = await makeInstrument(app, { accuracy_class: 0.5, description: 'Raw water header' });
    await app.api('PUT', `/api/instruments/${inst.id}/calibration-procedure`, {
      body: { procedure_id: proc.body.id },
    });

    const page = admin.page;
    await login(page, ADMIN.employee_number, ADMIN.password);
    await page.goto(`/instruments/${inst.id}`);
    await page.getByRole('button', { name: 'Calibrate' }).click();
    await page
      .getByTestId('calibration-procedure')
      .getByText('Pressure transmitter 3-point up/down')
      .waitFor();
    // The procedure's five points, in order, with directions; no free "add point".
    const rows = page.locator('tr[data-point]');
    await expect.poll(() => rows.count()).toBe(5);
    const refs = await page
      .locator('input[aria-label$="reference value"]')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(refs).toEqual(['0', '5', '10', '5', '0']);
    expect(await page.getByRole('button', { name: 'Add point' }).count()).toBe(0);

    await page.getByLabel('Reference standard').selectOption(String(std.body.id));
    const found = ['0.01', '5.03', '10.02', '5.06', '0.02'];
    const left = ['0.01', '5.01', '10.01', '5.01', '0.00'];
    for (let i = 0; i < 5; i++) {
      await page.getByLabel(`Point ${i + 1} as found`).fill(found[i]);
      await page.getByLabel(`Point ${i + 1} as left`).fill(left[i]);
    }
    // 0.6 % at point 4 fails as found; 0.3 % at point 2 is past the adjust limit; TUR 0.05/0.02.
    expect(await rows.nth(3).locator('td[data-verdict]').first().getAttribute('data-verdict')).toBe('fail');
    expect(await rows.nth(1).locator('td[data-verdict]').first().getAttribute('data-verdict')).toBe('adjust');
    await page.getByTestId('tur-warning').waitFor();
    expect(await rows.nth(0).textContent()).toContain('2.5:1');
    await page.getByTestId('calibration-verdict').getByText('Fails as found').waitFor();
    await screenshot(page, 'calibration-procedure-modal');

    await page.getByRole('button', { name: 'Save calibration' }).click();
    await waitForSaved(page, page.getByTestId('calibration-result'), page.getByRole('dialog').first());
    expect(await page.getByTestId('calibration-warnings').textContent()).toContain('below 4:1');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download certificate (PDF)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^CAL-\d{6}-.*\.pdf$/);
    await page.getByRole('button', { name: 'Done' }).click();

    // From the instrument page's history too.
    const [again] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByRole('button', { name: /Download certificate of calibration/ })
        .first()
        .click(),
    ]);
    expect(again.suggestedFilename()).toMatch(/\.pdf$/);

    // The standard comes back from its laboratory: a new certificate row, the old one kept.
    await page.goto(`/reference-standards/${std.body.id}`);
    await page.getByRole('button', { name: 'New certificate' }).click();
    await page.getByLabel('Certificate number').fill('ZM-2027-0031');
    await page.getByLabel('Calibrated on').fill(day(now));
    await page.getByLabel('Due date').fill(day(new Date(now.getTime() + 365 * DAY)));
    await page.getByLabel('Expanded uncertainty (k=2)').fill('0.01');
    await page.getByLabel('Uncertainty unit').fill('bar');
    await page.getByRole('button', { name: 'Add certificate' }).click();
    const history = page.getByRole('table', { name: 'Certificate history' });
    await history.getByText('ZM-2027-0031').waitFor();
    expect(await history.locator('tbody tr').count()).toBe(2);
    expect(await history.locator('tbody tr').first().textContent()).toContain('current');
    await screenshot(page, 'reference-standard-certificates', { fullPage: true });
    expect(admin.errors).toEqual([]);
  });

  it('imports calibrator CSV: lists bad rows by number, then imports a good file', async () => {
    const inst = await makeInstrument(app, { accuracy_class: 1 });
    await app.api('PUT', `/api/instruments/${inst.id}/calibration-procedure`, {
      body: { procedure_id: null },
    });
    const page = admin.page;
    await page.goto(`/instruments/${inst.id}`);
    await page.getByRole('button', { name: 'Import calibrator CSV' }).click();
    const stamp = `${day(new Date(Date.now() - DAY))} 09:00`;
    const bad = [
      'tag,performed_at,reference_standard,reference_value,as_found,as_left',
      `${inst.tag},${stamp},DPI-620-07,0,zero,0`,
      `${inst.tag},${stamp},NO-SUCH-STD,10,10,10`,
    ].join('\n');
    await page.getByLabel('Rows').fill(bad);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const problems = page.getByTestId('import-problems');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('Row 2 (as_found)');
    await screenshot(page, 'calibrator-import-errors');

    const good = [
      'tag,performed_at,reference_standard,point,reference_value,as_found,as_left',
      `${inst.tag},${stamp},DPI-620-07,1,0,0.02,0.01`,
      `${inst.tag},${stamp},DPI-620-07,2,5,5.04,5.01`,
      `${inst.tag},${stamp},DPI-620-07,3,10,10.05,10.01`,
    ].join('\n');
    await page.getByLabel('Rows').fill(good);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-result').waitFor();
    expect(await page.getByTestId('import-result').textContent()).toContain(inst.tag);
    const list = await app.api('GET', `/api/instruments/${inst.id}/calibrations`);
    expect(list.body.total).toBe(1);
    expect(admin.errors).toEqual([]);
  });

  it('admins create a procedure and assign it to an instrument type from the procedures page', async () => {
    const inst = await makeInstrument(app, {
      type: 'level',
      unit: 'm',
      range_min: 0,
      range_max: 4,
      nominal_value: 2,
      alarm_low_critical: null,
      alarm_low_warning: null,
      alarm_high_warning: null,
      alarm_high_critical: null,
    });
    const page = admin.page;
    await page.goto('/admin/calibration-procedures');
    await page.getByRole('button', { name: 'New procedure' }).click();
    await page.getByLabel('Name').fill('Level 3-point');
    await page.getByLabel('Test points (% of span)').fill('0, 50, 100');
    await page.getByLabel('Direction').selectOption('up');
    await page.getByLabel('Tolerance as').selectOption('units');
    await page.getByLabel('Fail limit ±').fill('0.02');
    await page.getByRole('button', { name: 'Create' }).click();
    const table = page.getByRole('table', { name: 'Calibration procedures' });
    await table.getByText('Level 3-point').waitFor();
    await page.getByLabel('Assign Level 3-point to').selectOption('type:level');
    await table
      .getByRole('row', { name: /Level 3-point/ })
      .getByRole('button', { name: 'Assign' })
      .click();
    await table.getByText('Assigned').waitFor();
    await screenshot(page, 'calibration-procedures');
    const eff = await app.api('GET', `/api/instruments/${inst.id}/calibration-procedure`);
    expect(eff.body).toMatchObject({
      source: 'type',
      procedure: { name: 'Level 3-point', test_points: [0, 50, 100] },
    });
    expect(admin.errors).toEqual([]);
  });
});
