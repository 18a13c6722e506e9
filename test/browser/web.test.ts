import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TECHNICIANS } from '../../src/seed/seed-demo.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session, screenshot, waitForSaved } from './browser.ts';

// The web app end to end: the real server with the demo plant (seeded history, live simulator),
// Debian's chromium, an administrator and a technician working side by side.

const TECH = DEMO_TECHNICIANS[0];
const downloads = mkdtempSync(path.join(tmpdir(), 'cmms-downloads-'));

let app: TestApp;
let browser: Browser;
let admin: Session;
let tech: Session;

/** The unread count, once the bell has loaded it. */
const bellCount = async (page: Page): Promise<number> => {
  const bell = page.locator('button.bell-button[data-unread]');
  await bell.waitFor();
  return Number(await bell.getAttribute('data-unread'));
};

describe('web app in a real browser', () => {
  beforeAll(async () => {
    // A low REPORT_ASYNC_ROWS sends the unfiltered PDF through the background-job path.
    app = await startTestApp({
      env: { SEED_DEMO: 'true', SIMULATOR_ENABLED: 'true', REPORT_ASYNC_ROWS: '40' },
    });
    browser = await launchBrowser();
    admin = await openSession(browser, app.url);
    tech = await openSession(browser, app.url);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('logs in with employee number and password, refusing a wrong one in words', async () => {
    const page = admin.page;
    await page.goto('/');
    await page.waitForURL(/\/login\?next=/);
    await screenshot(page, 'login');
    await page.getByRole('button', { name: 'Log in' }).click();
    expect(await page.getByText('Enter your employee number').isVisible()).toBe(true);
    await page.getByLabel('Employee number').fill(ADMIN.employee_number);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Employee number or password is incorrect.').waitFor();

    await login(page, ADMIN.employee_number, ADMIN.password);
    expect(await page.getByRole('link', { name: 'Users' }).isVisible()).toBe(true);
  });

  it('shows a technician no admin navigation or admin actions', async () => {
    await login(tech.page, TECH.employee_number, TECH.password);
    const nav = tech.page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Dashboard' }).isVisible()).toBe(true);
    expect(await nav.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await nav.getByText('Administration').count()).toBe(0);
    await tech.page.goto('/instruments');
    await tech.page.locator('tr[data-tag="PT-101"]').waitFor();
    expect(await tech.page.getByRole('button', { name: 'Register instrument' }).count()).toBe(0);
    expect(await tech.page.getByRole('button', { name: 'Edit PT-101' }).count()).toBe(0);
    expect(await tech.page.getByRole('button', { name: 'Calibrate PT-101' }).count()).toBe(1);
    await tech.page.goto('/admin/users');
    await tech.page.getByText('This page is for administrators.').waitFor();
  });

  it('dashboard shows the four KPIs, a health card per instrument and the alert badge', async () => {
    const page = admin.page;
    await page.goto('/');
    await page.locator('.card').first().waitFor();
    const kpi = async (id: string) =>
      Number(await page.getByTestId(`kpi-${id}`).locator('.kpi-value').textContent());
    // The demo plant is live (its detectors raise and clear alerts): the page must show the
    // server's figures as of its last refresh (every 30 s), so compare until both agree.
    let summary: any = null;
    const agrees = async () => {
      summary = (await app.api('GET', '/api/dashboard/summary')).body;
      const shown = [
        await kpi('total-instruments'),
        await kpi('calibration-overdue'),
        await kpi('active-alerts'),
        await kpi('open-work-orders'),
      ].join(' ');
      const served = [
        summary.total_instruments,
        summary.calibration_overdue,
        summary.active_alerts,
        summary.open_work_orders,
      ].join(' ');
      return shown === served ? 'agree' : `page ${shown}, server ${served}`;
    };
    await expect.poll(agrees, { timeout: 45_000, interval: 1_000 }).toBe('agree');
    expect(await page.locator('.card').count()).toBe(summary.instruments.length);
    expect(summary.instruments.length).toBeGreaterThan(0);
    expect(await page.getByTestId('last-refresh').textContent()).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    const badge = await page.getByTestId('nav-badge-alerts').textContent();
    expect(Number.parseInt(badge ?? '', 10)).toBe(summary.active_alerts);
    // Cards carry the live value, a health bar and the detector badges.
    const card = page.locator('.card[data-tag="PT-101"]');
    expect(await card.getByRole('meter').getAttribute('aria-valuenow')).toMatch(/^\d+$/);
    // The drift badge says the CUSUM's state in words, whichever it is.
    expect(await card.getByTitle('CUSUM drift detector').textContent()).toMatch(/^(CUSUM OK|Drifting)$/);
    await screenshot(page, 'dashboard');

    // Filter by process unit: only that unit's cards remain.
    const unit = summary.instruments.find((c: any) => c.process_unit_name)?.process_unit_name as string;
    await page.getByLabel('Process unit').selectOption({ label: unit });
    await page.waitForFunction(
      (u) => [...document.querySelectorAll('.card .card-sub')].every((e) => e.textContent === u),
      unit,
    );

    // A click on a card opens that instrument's trend.
    await page.getByLabel('Process unit').selectOption({ label: 'All process units' });
    await card.click();
    await page.waitForURL(/\/trends\/PT-101/);
  });

  it('trend viewer switches from 1 h to 7 d with statistics for the span', async () => {
    const page = admin.page;
    await page.goto('/trends/PT-101');
    await page.getByRole('button', { name: '1 h' }).click();
    await page.locator('[data-testid="trend"][data-range="1h"]').waitFor();
    await page.getByTestId('trend-stats').waitFor();
    const tier1h = await page.getByTestId('trend-tier').textContent();
    expect(await page.locator('.trend-chart canvas').count()).toBe(1);
    for (const stat of ['Min', 'Max', 'Mean', 'Std dev', 'Last']) {
      expect(await page.getByTestId('trend-stats').getByText(stat, { exact: true }).isVisible()).toBe(true);
    }

    await page.getByRole('button', { name: '7 d' }).click();
    await page.locator('[data-testid="trend"][data-range="7d"]').waitFor();
    expect(await page.getByRole('button', { name: '7 d' }).getAttribute('aria-pressed')).toBe('true');
    const tier7d = await page.getByTestId('trend-tier').textContent();
    expect(tier7d).not.toBe(tier1h);
    expect(page.url()).toContain('range=7d');
    // The 7-day span holds the seeded calibrations and alerts as markers.
    await screenshot(page, 'trend');
  });

  it('searches the instrument register', async () => {
    const page = admin.page;
    await page.goto('/instruments');
    await page.locator('tr[data-tag]').first().waitFor();
    expect(await page.locator('tr[data-tag]').count()).toBeGreaterThan(5);
    await screenshot(page, 'instruments');
    await page.getByRole('searchbox', { name: 'Search' }).fill('PT-101');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('tr[data-tag]')];
      return rows.length === 1 && rows[0].getAttribute('data-tag') === 'PT-101';
    });
    expect(page.url()).toContain('q=PT-101');
  });

  it('records a calibration from the modal, showing live the errors the server stores', async () => {
    const page = admin.page;
    await page.getByRole('button', { name: 'Calibrate PT-101' }).click();
    const dialog = page.getByRole('dialog', { name: /Record calibration — PT-101/ });
    await dialog.waitFor();
    // Submitting empty is refused in the form, before any request.
    await dialog.getByRole('button', { name: 'Save calibration' }).click();
    await dialog.getByText('Choose the reference standard used').waitFor();

    const standard = dialog.getByLabel('Reference standard');
    const firstUsable = await standard
      .locator('option:not([disabled]):not([value=""])')
      .first()
      .getAttribute('value');
    await standard.selectOption(firstUsable!);
    // PT-101: 0–10 bar, tolerance 0.25 % of span. Point 3 is found 0.03 bar high (+0.300 %).
    const found = ['0.01', '2.51', '5.03', '7.5', '10'];
    const left = ['0', '2.5', '5.01', '7.5', '10'];
    for (let n = 1; n <= 5; n++) {
      await dialog.getByLabel(`Point ${n} as found`).fill(found[n - 1]);
      await dialog.getByLabel(`Point ${n} as left`).fill(left[n - 1]);
    }
    const row3 = dialog.locator('tr[data-point="3"]');
    expect(await row3.locator('td.err-fail').textContent()).toContain('+0.300 %');
    expect(await row3.locator('td.err-pass').textContent()).toContain('+0.100 %');
    expect(await dialog.getByTestId('calibration-verdict').textContent()).toContain('Fails as found');
    await screenshot(page, 'calibration-modal');

    await dialog.getByRole('button', { name: 'Save calibration' }).click();
    const result = page.getByTestId('calibration-result');
    await waitForSaved(page, result, dialog);
    expect(await result.textContent()).toContain('Failed as found');
    await page.getByRole('link', { name: /work order #\d+/ }).waitFor();

    const inst = (await app.api('GET', '/api/instruments?q=PT-101')).body.items[0];
    const history = (await app.api('GET', `/api/instruments/${inst.id}/calibrations`)).body.items;
    const p3 = history[0].points[2];
    expect(p3.as_found_error_pct).toBeCloseTo(0.3, 9);
    expect(p3.as_found_passed).toBe(false);
    expect(p3.as_left_error_pct).toBeCloseTo(0.1, 9);
    expect(history[0].outcome).toBe('failed_as_found');
    expect(history[0].reference_standard_id).toBe(Number(firstUsable));
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it('creates a work order; the assignee sees the bell count rise, opens it and completes it', async () => {
    await tech.page.goto('/');
    const before = await bellCount(tech.page);
    expect(Number.isFinite(before)).toBe(true);

    const page = admin.page;
    await page.goto('/work-orders');
    await screenshot(page, 'work-orders');
    await page.getByRole('button', { name: 'New work order' }).click();
    const dialog = page.getByRole('dialog', { name: 'New work order' });
    await dialog.getByRole('button', { name: 'Create work order' }).click();
    await dialog.getByText('Choose the instrument').waitFor();
    const inst = (await app.api('GET', '/api/instruments?q=FT-101')).body.items[0];
    await dialog.getByLabel('Instrument').selectOption(String(inst.id));
    await dialog.getByLabel('Type').selectOption('inspection');
    await dialog.getByLabel('Priority').selectOption('high');
    const assignee = dialog.getByLabel('Assigned to');
    const techOption = await assignee.locator('option', { hasText: TECH.full_name }).getAttribute('value');
    await assignee.selectOption(techOption!);
    await dialog.getByLabel('Estimated duration (minutes)').fill('30');
    await dialog.getByLabel('Title').fill('Check FT-101 flowmeter grounding');
    await dialog.getByRole('button', { name: 'Create work order' }).click();
    await page.waitForURL(/\/work-orders\/\d+$/);
    const woId = Number(page.url().split('/').pop());

    // The technician's bell polls every 30 s; no reload.
    await tech.page.waitForFunction(
      (n) => Number(document.querySelector('button.bell-button')?.getAttribute('data-unread')) > n,
      before,
      { timeout: 45_000, polling: 500 },
    );
    expect(await bellCount(tech.page)).toBe(before + 1);
    await tech.page.getByRole('button', { name: /^Notifications:/ }).click();
    await screenshot(tech.page, 'notifications');
    await tech.page
      .getByRole('region', { name: 'Unread notifications' })
      .getByRole('button', { name: /FT-101/ })
      .click();
    await tech.page.waitForURL(new RegExp(`/work-orders/${woId}$`));
    // Opening it marked it read.
    await tech.page.waitForFunction(
      (n) => document.querySelector('button.bell-button')?.getAttribute('data-unread') === String(n),
      before,
    );

    // The technician starts the work, then completes it; completion fields are mandatory.
    await tech.page.getByRole('button', { name: 'Start work' }).click();
    await tech.page.getByRole('button', { name: 'Complete…' }).click();
    const complete = tech.page.getByRole('dialog', { name: `Complete work order #${woId}` });
    await complete.getByRole('button', { name: 'Complete work order' }).click();
    await complete.getByText('Describe what was done; completion notes are mandatory').waitFor();
    await complete.getByLabel('Completion notes').fill('Grounding strap re-terminated; signal noise gone.');
    await complete.getByLabel('Actual duration (minutes)').fill('45');
    await complete.getByRole('button', { name: 'No parts used' }).click();
    await complete.getByRole('button', { name: 'Complete work order' }).click();
    await complete.waitFor({ state: 'detached' });
    await tech.page.getByText('Grounding strap re-terminated; signal noise gone.').waitFor();
    await screenshot(tech.page, 'work-order');

    const wo = (await app.api('GET', `/api/work-orders/${woId}`)).body;
    expect(wo.status).toBe('completed');
    expect(wo.actual_duration_minutes).toBe(45);
    expect(wo.parts_used).toBe('none');
    expect(wo.assigned_to_name).toBe(TECH.full_name);
  });

  it('closes a calibration work order with the calibration recorded under it', async () => {
    const page = tech.page;
    const open = (await app.api('GET', '/api/work-orders?type=calibration&status=open&tag=FT-301')).body
      .items;
    expect(open.length).toBe(1);
    const woId = open[0].id;
    await page.goto(`/work-orders/${woId}`);
    await page.getByRole('button', { name: 'Start work' }).click();
    await page.getByRole('button', { name: 'Complete…' }).click();
    const complete = page.getByRole('dialog', { name: `Complete work order #${woId}` });
    await complete.getByLabel('Completion notes').fill('Calibrated at five points; no adjustment needed.');
    await complete.getByLabel('Actual duration (minutes)').fill('50');
    await complete.getByLabel('Parts used').fill('none');
    await complete.getByRole('button', { name: 'Complete work order' }).click();
    await complete.getByText('Choose the calibration record this work produced').waitFor();

    // Record the calibration in place, under this order; every point on the reference.
    await complete.getByRole('button', { name: 'Record the calibration now…' }).click();
    const cal = page.getByRole('dialog', { name: /Record calibration — FT-301/ });
    await cal.getByText(`under work order #${woId}`).waitFor();
    const standard = cal.getByLabel('Reference standard');
    await standard.selectOption(
      (await standard.locator('option:not([disabled]):not([value=""])').first().getAttribute('value'))!,
    );
    for (let n = 1; n <= 5; n++) {
      const ref = await cal.getByLabel(`Point ${n} reference value`).inputValue();
      await cal.getByLabel(`Point ${n} as found`).fill(ref);
      await cal.getByLabel(`Point ${n} as left`).fill(ref);
    }
    expect(await cal.getByTestId('calibration-verdict').textContent()).toContain('Calibration passes');
    await cal.getByRole('button', { name: 'Save calibration' }).click();
    const saved = page.getByRole('dialog', { name: 'Calibration of FT-301 recorded' });
    await waitForSaved(page, saved, cal);
    expect(await saved.getByTestId('calibration-result').textContent()).toContain('Passed');
    await saved.getByRole('button', { name: 'Done' }).click();

    // The new record is offered and chosen; completing links the two.
    await page.waitForFunction(() => {
      const sel = [...document.querySelectorAll('select')].find((s) =>
        s.closest('.field')?.textContent?.includes('Calibration record'),
      );
      return !!sel && sel.value !== '';
    });
    await complete.getByRole('button', { name: 'Complete work order' }).click();
    await complete.waitFor({ state: 'detached' });
    const wo = (await app.api('GET', `/api/work-orders/${woId}`)).body;
    expect(wo.status).toBe('completed');
    expect(wo.calibration_record_id).toBeTruthy();
    const record = (await app.api('GET', `/api/calibrations/${wo.calibration_record_id}`)).body;
    expect(record.work_order_id).toBe(woId);
    expect(record.passed).toBe(true);
  });

  it('injects faults from the simulator card; a hardware fault and a limit violation are told apart', async () => {
    const page = admin.page;
    await page.goto('/admin/simulator');
    const card = page.getByTestId('simulator-card');
    await card.getByText('Running').waitFor();
    const inject = async (tag: string, fault: string, params: Record<string, string> = {}) => {
      await card.getByLabel('Instrument').selectOption(tag);
      await card.getByRole('combobox', { name: 'Fault', exact: true }).selectOption({ label: fault });
      for (const [label, value] of Object.entries(params)) await card.getByLabel(label).fill(value);
      await card.getByRole('button', { name: 'Inject fault' }).click();
      await card.getByText(`injected on ${tag}`).waitFor();
    };
    // The demo's history may hold alerts on these tags already: count from here.
    const raised = async (tag: string, type: string) =>
      (await app.api('GET', `/api/alerts?tag=${tag}&alert_type=${type}`)).body.total as number;
    const before = {
      lt: await raised('LT-101', 'instrument_fault'),
      ft: await raised('FT-202', 'rule_violation'),
    };
    await inject('LT-101', 'Out of range (burn-out)');
    await inject('FT-202', 'Step bias', { 'Offset (% of span)': '40' });
    await card.locator('tr', { hasText: 'LT-101' }).waitFor();
    await screenshot(page, 'simulator');

    // The detectors raise both within seconds of the faulty readings arriving.
    await expect
      .poll(() => raised('LT-101', 'instrument_fault'), { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(before.lt);
    await expect
      .poll(() => raised('FT-202', 'rule_violation'), { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(before.ft);
    // Each kind of alert is labelled as what it is in the list.
    const kind = async (type: string, tag: string) => {
      await page.goto(`/alerts?type=${type}`);
      return page.locator('li.alert-row', { hasText: tag }).first().locator('.kind');
    };
    const hardware = await kind('instrument_fault', 'LT-101');
    expect(await hardware.textContent()).toBe('Hardware fault');
    expect(await hardware.getAttribute('class')).toContain('kind-hardware');
    const limit = await kind('rule_violation', 'FT-202');
    expect(await limit.textContent()).toBe('Limit violation');
    expect(await limit.getAttribute('class')).toContain('kind-process');
    // Stop the faults so the rest of the run sees a quiet plant.
    await app.api('DELETE', '/api/simulator/faults');
  });

  it('raises a work order from an alert (admin), linked to it', async () => {
    const page = admin.page;
    await page.goto('/alerts?type=instrument_fault');
    const row = page.locator('li.alert-row', { hasText: 'LT-101' }).first();
    await row.getByRole('button', { name: /Raise a work order/ }).click();
    const dialog = page.getByRole('dialog', { name: /Work order from alert on LT-101/ });
    // A critical alert suggests urgent corrective work.
    expect(await dialog.getByLabel('Priority').inputValue()).toBe('urgent');
    expect(await dialog.getByLabel('Type').inputValue()).toBe('corrective');
    await dialog.getByRole('button', { name: 'Create work order' }).click();
    await dialog.waitFor({ state: 'detached' });
    const link = row.getByRole('link', { name: /work order #\d+/ });
    await link.waitFor();
    const woId = Number((await link.textContent())?.match(/#(\d+)/)?.[1]);
    const wo = (await app.api('GET', `/api/work-orders/${woId}`)).body;
    expect(wo.tag).toBe('LT-101');
    expect(wo.source).toBe('alert');
    expect(wo.priority).toBe('urgent');
  });

  it('acknowledges and resolves an alert', async () => {
    const page = admin.page;
    await page.goto('/alerts');
    const row = page
      .locator('li.alert-row')
      .filter({ has: page.getByRole('button', { name: /^Acknowledge/ }) })
      .first();
    await row.waitFor();
    await screenshot(page, 'alerts');
    const alertId = Number(await row.getAttribute('data-alert-id'));
    await row.getByRole('button', { name: /^Acknowledge/ }).click();
    const same = page.locator(`li[data-alert-id="${alertId}"]`);
    await same.locator('.status-acknowledged').waitFor();

    await same.getByRole('button', { name: /^Resolve/ }).click();
    const dialog = page.getByRole('dialog', { name: /Resolve alert on/ });
    await dialog.getByRole('button', { name: 'Resolve alert' }).click();
    await dialog.getByText(/resolution notes are required/).waitFor();
    await dialog.getByLabel('Resolution notes').fill('Calibration booked; overdue condition reviewed.');
    await dialog.getByRole('button', { name: 'Resolve alert' }).click();
    await dialog.waitFor({ state: 'detached' });
    await same.waitFor({ state: 'detached' });

    const alert = (await app.api('GET', `/api/alerts/${alertId}`)).body;
    expect(alert.status).toBe('resolved');
    expect(alert.resolution_notes).toBe('Calibration booked; overdue condition reviewed.');
    expect(alert.acknowledged_by_name).toBeTruthy();
  });

  it('downloads a CSV and a PDF report', async () => {
    const page = admin.page;
    await page.goto('/reports?report=compliance');
    await page.getByTestId('report-summary').waitFor();
    await page.getByRole('tab', { name: 'Calibration' }).click();
    await page.getByRole('heading', { name: /Calibration Status and History/i }).waitFor();
    await screenshot(page, 'reports');

    // Filtered to one instrument the export is small and comes straight back.
    await page.getByLabel('Instrument tag').fill('PT-101');
    await page.getByRole('button', { name: 'Run report' }).click();
    await page.waitForURL(/tag=PT-101/);
    await page.getByText(/Filters: Instrument PT-101/i).waitFor();
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
    const csvPath = path.join(downloads, csv.suggestedFilename());
    await csv.saveAs(csvPath);
    const text = readFileSync(csvPath, 'utf8').replace(/^\uFEFF/, '');
    expect(text.split(/\r?\n/)[0]).toMatch(/Tag/i);
    expect(text).toContain('PT-101');
    expect(text).not.toContain('FT-101');

    // The whole plant's PDF is above REPORT_ASYNC_ROWS: it runs as a job and downloads when done.
    await page.goto('/reports?report=calibration');
    await page.getByRole('heading', { name: /Calibration Status and History/i }).waitFor();
    const [pdf] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByRole('button', { name: 'Download PDF' }).click(),
    ]);
    expect(pdf.suggestedFilename()).toMatch(/\.pdf$/);
    const pdfPath = path.join(downloads, pdf.suggestedFilename());
    await pdf.saveAs(pdfPath);
    expect(readFileSync(pdfPath).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const jobs = (await app.api('GET', '/api/jobs?status=succeeded')).body.items;
    expect(jobs.some((j: any) => j.params?.format === 'pdf' && j.params?.report === 'calibration')).toBe(
      true,
    );
  });

  it('shows the instrument page and the admin screens', async () => {
    const page = admin.page;
    const inst = (await app.api('GET', '/api/instruments?q=PT-101')).body.items[0];
    await page.goto(`/instruments/${inst.id}`);
    await page.getByRole('tab', { name: 'Calibration history' }).waitFor();
    await page
      .getByRole('button', { name: /points$/ })
      .first()
      .click();
    await page.getByRole('table', { name: /Test points of calibration/ }).waitFor();
    await screenshot(page, 'instrument', { fullPage: true });

    for (const [path_, name, ready] of [
      ['/admin/users', 'users', 'New user'],
      ['/admin/process-units', 'process-units', 'New process unit'],
      ['/reference-standards', 'reference-standards', 'New reference standard'],
      ['/admin/ml?tag=PT-101', 'ml', 'Mark as baseline'],
    ] as const) {
      await page.goto(path_);
      await page.getByRole('button', { name: ready }).first().waitFor();
      await screenshot(page, name);
    }
  });

  it('is readable on a 1024x768 tablet', async () => {
    const tablet = await openSession(browser, app.url, { width: 1024, height: 768 });
    try {
      await login(tablet.page, ADMIN.employee_number, ADMIN.password);
      await tablet.page.locator('.card').first().waitFor();
      await screenshot(tablet.page, 'tablet-dashboard');
      for (const p of ['/', '/instruments', '/alerts', '/work-orders', '/reports']) {
        await tablet.page.goto(p);
        await tablet.page.waitForLoadState('networkidle').catch(() => {});
        const overflow = await tablet.page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow, `horizontal scroll on ${p}`).toBeLessThanOrEqual(0);
      }
      expect(tablet.errors).toEqual([]);
    } finally {
      await tablet.context.close();
    }
  });

  it('ends the session at token expiry with a clear message', async () => {
    const page = tech.page;
    await page.goto('/work-orders');
    await page.evaluate(() => {
      const key = 'cbu-cmms.session';
      const s = JSON.parse(localStorage.getItem(key) ?? '{}');
      s.expiresAt = new Date(Date.now() + 2_000).toISOString();
      localStorage.setItem(key, JSON.stringify(s));
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Work orders' }).waitFor();
    await page.getByText('Your session has expired — please log in again').waitFor({ timeout: 10_000 });
    expect(page.url()).toMatch(/\/login\?next=%2Fwork-orders/);
  });

  it('threw no errors in the pages', () => {
    expect(admin.errors).toEqual([]);
    expect(tech.errors).toEqual([]);
  });
});
