import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '../../src/alerts/alert-service.ts';
import { DEMO_TECHNICIANS } from '../../src/seed/seed-demo.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, screenshot } from './browser.ts';

// Issue 14 items 4-8, the field web app on tablets: 44 px touch targets, the drawer sidebar,
// stacked tables instead of sideways scrolling, the field request flow and QR labels, and the
// offline app (service worker + outbox) in Debian's chromium.

const TECH = DEMO_TECHNICIANS[0];
const TABLETS = [
  { width: 1024, height: 768 },
  { width: 768, height: 1024 },
];

let app: TestApp;
let browser: Browser;
let instId: number;
let woId: number;

/** Waits until the page has loaded its data (no spinner, network quiet). */
async function settle(page: Page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForFunction(() => document.querySelectorAll('.loading').length === 0, null, {
    timeout: 15_000,
  });
}

/** Every visible control smaller than 44 x 44 px (a check box counts by its label). */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bad: string[] = [];
    const sel = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [role="tab"]';
    for (const el of document.querySelectorAll<HTMLElement>(sel)) {
      if (el.closest('.sr-only, .skip-link')) continue;
      if (!el.checkVisibility({ visibilityProperty: true })) continue;
      const target =
        el.matches('input[type="checkbox"], input[type="radio"]') && el.closest('label')
          ? (el.closest('label') as HTMLElement)
          : el;
      const r = target.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.width < 43.5 || r.height < 43.5) {
        const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30);
        bad.push(
          `${el.tagName.toLowerCase()}.${el.className} "${name}" ${Math.round(r.width)}x${Math.round(r.height)}`,
        );
      }
    }
    return bad;
  });
}

describe('the field web app on tablets', () => {
  beforeAll(async () => {
    app = await startTestApp({ env: { SEED_DEMO: 'true', SIMULATOR_ENABLED: 'true' } });
    browser = await launchBrowser();
    instId = (await app.api('GET', '/api/instruments?q=PT-101')).body.items[0].id;
    woId = (await app.api('GET', '/api/work-orders?type=corrective&limit=1')).body.items[0].id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const pages = () => [
    '/',
    '/instruments',
    `/instruments/${instId}`,
    '/alerts',
    '/work-orders',
    `/work-orders/${woId}`,
    '/requests',
    '/offline-queue',
    '/reports',
    '/reference-standards',
    '/admin/users',
  ];

  for (const vp of TABLETS) {
    it(`has 44 px targets, 14 px text and no sideways scrolling at ${vp.width}x${vp.height}`, async () => {
      const s = await openSession(browser, app.url, vp);
      try {
        await login(s.page, ADMIN.employee_number, ADMIN.password);
        const problems: string[] = [];
        for (const p of pages()) {
          await s.page.goto(p);
          await settle(s.page);
          for (const t of await smallTargets(s.page)) problems.push(`${p}: ${t}`);
          const layout = await s.page.evaluate(() => ({
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            scrollers: [...document.querySelectorAll('.table-scroll')].filter(
              (e) => e.scrollWidth > e.clientWidth + 1,
            ).length,
            body: Number.parseFloat(getComputedStyle(document.body).fontSize),
            badge: Math.min(
              99,
              ...[...document.querySelectorAll('.badge')].map((b) =>
                Number.parseFloat(getComputedStyle(b).fontSize),
              ),
            ),
          }));
          if (layout.overflow > 0) problems.push(`${p}: page scrolls sideways by ${layout.overflow} px`);
          if (vp.width < 900 && layout.scrollers > 0)
            problems.push(`${p}: ${layout.scrollers} table(s) scroll sideways`);
          if (layout.body < 14) problems.push(`${p}: body text ${layout.body} px`);
          if (layout.badge < 12.5) problems.push(`${p}: badge text ${layout.badge} px`);
        }
        // A form in a modal too: the maintenance entry a technician makes at the instrument.
        await s.page.goto(`/instruments/${instId}`);
        await s.page.getByRole('button', { name: 'Maintain' }).click();
        await s.page.getByRole('dialog').waitFor();
        for (const t of await smallTargets(s.page)) problems.push(`maintenance modal: ${t}`);
        expect(problems).toEqual([]);
        expect(s.errors).toEqual([]);
      } finally {
        await s.context.close();
      }
    });
  }

  it('collapses the sidebar into a drawer below 1200 px and in portrait; stacks tables on a narrow screen', async () => {
    for (const vp of [{ width: 1440, height: 900 }, ...TABLETS]) {
      const s = await openSession(browser, app.url, vp);
      try {
        await login(s.page, ADMIN.employee_number, ADMIN.password);
        const name = `${vp.width}x${vp.height}`;
        const nav = s.page.getByRole('navigation', { name: 'Main' });
        const menu = s.page.getByRole('button', { name: 'Open menu' });
        await s.page.locator('.card').first().waitFor();
        await screenshot(s.page, `field-${name}-dashboard`);
        if (vp.width >= 1200) {
          expect(await nav.getByRole('link', { name: 'Instruments' }).isVisible()).toBe(true);
          expect(await menu.isVisible()).toBe(false);
        } else {
          expect(await nav.getByRole('link', { name: 'Instruments' }).isVisible()).toBe(false);
          await menu.click();
          await nav.getByRole('link', { name: 'Instruments' }).waitFor();
          // Slid fully in (the drawer animates).
          await s.page.waitForFunction(
            () => document.querySelector('#main-nav')?.getBoundingClientRect().left === 0,
          );
          if (vp.width < 900) await screenshot(s.page, `field-${name}-menu`);
          await nav.getByRole('link', { name: 'Instruments' }).click();
          await s.page.waitForURL(/\/instruments$/);
          await s.page.waitForFunction(() => !document.querySelector('.shell.menu-open'));
        }
        await s.page.goto('/instruments');
        await s.page.locator('tr[data-tag="PT-101"]').waitFor();
        await settle(s.page);
        await screenshot(s.page, `field-${name}-instruments`);
        // Narrow: each row is a card whose cells carry their column heading.
        const row = await s.page.evaluate(() => {
          const tr = document.querySelector('tr[data-tag="PT-101"]') as HTMLElement;
          const td = tr.querySelector('td') as HTMLElement;
          return { display: getComputedStyle(tr).display, label: td.getAttribute('data-label') };
        });
        expect(row.label).toBeTruthy();
        expect(row.display).toBe(vp.width < 900 ? 'block' : 'table-row');
        await s.page.goto('/work-orders');
        await s.page.locator('tr[data-work-order-id]').first().waitFor();
        await settle(s.page);
        await screenshot(s.page, `field-${name}-work-orders`);
        await s.page.goto(`/work-orders/${woId}`);
        await s.page.getByTestId('work-order-context').waitFor();
        await settle(s.page);
        await screenshot(s.page, `field-${name}-work-order`, { fullPage: true });
        expect(s.errors).toEqual([]);
      } finally {
        await s.context.close();
      }
    }
  });

  it('lists work orders most urgent first by default', async () => {
    const s = await openSession(browser, app.url, TABLETS[0]);
    try {
      await login(s.page, ADMIN.employee_number, ADMIN.password);
      await s.page.goto('/work-orders');
      await s.page.locator('tr[data-work-order-id]').first().waitFor();
      const shown = await s.page
        .locator('tr[data-work-order-id]')
        .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-work-order-id'))));
      const api = (
        await app.api('GET', '/api/work-orders?status=active&sort=priority&limit=25')
      ).body.items.map((w: { id: number }) => w.id);
      expect(shown).toEqual(api);
    } finally {
      await s.context.close();
    }
  });

  it('a QR label opens the instrument page after login; a technician reports a problem and an admin raises a work order', async () => {
    const tech = await openSession(browser, app.url, TABLETS[1]);
    const admin = await openSession(browser, app.url, TABLETS[0]);
    try {
      // What a phone does with the label's link: login first, then straight to the instrument.
      await tech.page.goto(`/instruments/${instId}`);
      await tech.page.waitForURL(/\/login\?next=/);
      await tech.page.getByLabel('Employee number').fill(TECH.employee_number);
      await tech.page.getByLabel('Password').fill(TECH.password);
      await tech.page.getByRole('button', { name: 'Log in' }).click();
      await tech.page.waitForURL(new RegExp(`/instruments/${instId}$`));
      await tech.page.getByRole('heading', { name: /PT-101/ }).waitFor();

      const download = tech.page.waitForEvent('download');
      await tech.page.getByRole('button', { name: 'Print label' }).click();
      expect((await download).suggestedFilename()).toMatch(/^instrument-labels-.*\.pdf$/);

      await tech.page.getByRole('button', { name: 'Report a problem' }).click();
      const dialog = tech.page.getByRole('dialog', { name: /Report a problem — PT-101/ });
      await dialog.getByRole('button', { name: 'Send report' }).click();
      await dialog.getByText('Describe what is wrong').waitFor();
      await dialog
        .getByLabel('What is wrong?')
        .fill('Display flickers; reading jumps 0.3 bar when the pump starts');
      expect(await dialog.getByText('Describe what is wrong').count()).toBe(0);
      await screenshot(tech.page, 'field-report-problem');
      await dialog.getByRole('button', { name: 'Send report' }).click();
      const sent = tech.page.getByTestId('request-sent');
      await sent.waitFor();
      const requestId = Number((await sent.textContent())?.match(/#(\d+)/)?.[1]);

      await login(admin.page, ADMIN.employee_number, ADMIN.password);
      await admin.page.goto('/requests');
      const row = admin.page.locator(`tr[data-request-id="${requestId}"]`);
      await row.waitFor();
      await screenshot(admin.page, 'field-requests');
      await row.getByRole('button', { name: 'Raise work order' }).click();
      const accept = admin.page.getByRole('dialog', { name: new RegExp(`request #${requestId}`) });
      await accept.getByLabel('Priority').selectOption('high');
      await accept.getByRole('button', { name: 'Raise work order' }).click();
      const link = admin.page.getByRole('link', { name: /work order #\d+/ });
      await link.waitFor();
      await link.click();
      await admin.page.waitForURL(/\/work-orders\/\d+$/);
      // A corrective order shows the instrument live and its trend.
      await admin.page.getByTestId('work-order-context').getByText('Live value of PT-101').waitFor();
      await admin.page.locator('.trend-chart canvas').waitFor();
      const req = (await app.api('GET', `/api/work-requests/${requestId}`)).body;
      expect(req.status).toBe('accepted');
      expect(admin.page.url()).toContain(`/work-orders/${req.work_order_id}`);
      expect(tech.errors).toEqual([]);
      expect(admin.errors).toEqual([]);
    } finally {
      await tech.context.close();
      await admin.context.close();
    }
  });

  it('says what it means: alert pill, deactivated users, training guidance, work order from an alert', async () => {
    const s = await openSession(browser, app.url, { width: 1440, height: 900 });
    try {
      const page = s.page;
      await login(page, ADMIN.employee_number, ADMIN.password);
      // The card pill names an alert, not the instrument's criticality.
      const summary = (await app.api('GET', '/api/dashboard/summary')).body;
      const alerted = summary.instruments.find((c: { worst_severity: string | null }) => c.worst_severity);
      await page.goto('/');
      const pill = page.locator(`.card[data-tag="${alerted.tag}"]`).getByTestId('card-alert-pill');
      expect(await pill.textContent()).toMatch(
        new RegExp(`^(Alert|\\d+ alerts): ${alerted.worst_severity}$`),
      );

      // A deactivated user says so.
      const user = (
        await app.api('POST', '/api/users', {
          body: {
            employee_number: 'T-9001',
            full_name: 'Former Technician',
            role: 'technician',
            password: 'long-enough-pass-9',
          },
        })
      ).body.user;
      expect((await app.api('PATCH', `/api/users/${user.id}`, { body: { is_active: false } })).status).toBe(
        200,
      );
      await page.goto('/admin/users');
      await page
        .locator('tr', { hasText: 'Former Technician' })
        .getByText('Deactivated', { exact: true })
        .waitFor();

      // Training without a baseline guides to marking one instead of quoting the API.
      const fresh = (
        await app.api('POST', '/api/instruments', {
          body: { tag: 'PT-NOBASE', type: 'pressure', unit: 'bar', range_min: 0, range_max: 10 },
        })
      ).body;
      await page.goto(`/instruments/${fresh.id}`);
      await page.getByRole('button', { name: 'Train' }).click();
      const train = page.getByRole('dialog', { name: /Anomaly model/ });
      await train.getByRole('link', { name: 'Machine learning page' }).waitFor();
      expect(await train.getByRole('button', { name: /Train a new model/ }).isDisabled()).toBe(true);
      expect(await train.textContent()).not.toContain('/api/');
      await screenshot(page, 'field-train-guidance');
      await train.getByRole('button', { name: 'Close' }).first().click();

      // A work order from an alert: the title names the tag once, and creation confirms with a link.
      // An alert whose message starts with the tag, as the detectors write them.
      const tag = 'PT-NOBASE';
      await raiseAlert(app.server.ctx.db, {
        instrumentId: fresh.id,
        alertType: 'rule_violation',
        conditionKey: 'high_critical',
        severity: 'critical',
        message: `${tag} high critical: 9.6 bar above limit 9 bar`,
        at: new Date().toISOString(),
      });
      await page.goto(`/alerts?tag=${encodeURIComponent(tag)}`);
      await page
        .getByRole('button', { name: `Raise a work order for the alert on ${tag}` })
        .first()
        .click();
      const form = page.getByRole('dialog', { name: new RegExp(`Work order from alert on ${tag}`) });
      const title = await form.getByLabel('Title').inputValue();
      expect(title).toBe(`${tag} high critical: 9.6 bar above limit 9 bar`);
      await form.getByRole('button', { name: 'Create work order' }).click();
      const created = page.getByTestId('work-order-created');
      await created.waitFor();
      await screenshot(page, 'field-work-order-from-alert');
      await created.getByRole('link', { name: /Work order #\d+/ }).click();
      await page.waitForURL(/\/work-orders\/\d+$/);
      await page.getByTestId('work-order-alert').waitFor();
      expect(s.errors).toEqual([]);
    } finally {
      await s.context.close();
    }
  });

  it('installs, shows the last loaded pages offline, and sends queued maintenance and calibration when back online', async () => {
    // A spare instrument the admin deletes while the technician is offline: its entry is refused.
    const spare = (
      await app.api('POST', '/api/instruments', {
        body: { tag: 'PT-OFFLINE', type: 'pressure', unit: 'bar', range_min: 0, range_max: 10 },
      })
    ).body;
    const s = await openSession(browser, app.url, TABLETS[0]);
    try {
      const page = s.page;
      await login(page, TECH.employee_number, TECH.password);
      const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json());
      expect(manifest).toMatchObject({ short_name: 'CBU CMMS', display: 'standalone', start_url: '/' });
      await page.waitForFunction(
        () =>
          navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined,
        null,
        {
          timeout: 30_000,
        },
      );
      // Load what the technician will need out of coverage (the worker keeps each answer).
      for (const p of ['/instruments', `/instruments/${spare.id}`, `/instruments/${instId}`]) {
        await page.goto(p);
        await settle(page);
      }
      // The calibration form's list of reference standards, too.
      await page.getByRole('button', { name: 'Calibrate' }).click();
      await page
        .getByRole('dialog')
        .getByLabel('Reference standard')
        .locator('option:not([disabled]):not([value=""])')
        .first()
        .waitFor({ state: 'attached' });
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      const calsBefore = (await app.api('GET', `/api/instruments/${instId}/calibrations?limit=1`)).body.total;

      await s.context.setOffline(true);
      await page.goto('/instruments');
      await page.locator('tr[data-tag="PT-101"]').waitFor();
      await page.getByTestId('offline-banner').waitFor();
      await page.goto(`/instruments/${instId}`);
      await page.getByRole('heading', { name: /PT-101/ }).waitFor();
      await settle(page);
      await screenshot(page, 'field-offline-instrument');

      const record = async (id: number, text: string) => {
        await page.goto(`/instruments/${id}`);
        await page.getByRole('button', { name: 'Maintain' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('Description').fill(text);
        await dialog.getByRole('button', { name: 'Save maintenance' }).click();
        await page.getByTestId('entry-queued').waitFor();
        await page.getByRole('button', { name: 'Done' }).click();
      };
      await record(instId, 'Cleaned the impulse line (offline)');
      await record(spare.id, 'Checked the spare (offline)');
      // A calibration made offline (PT-101: 0-10 bar, all points within tolerance).
      await page.goto(`/instruments/${instId}`);
      await page.getByRole('button', { name: 'Calibrate' }).click();
      const cal = page.getByRole('dialog', { name: /Record calibration — PT-101/ });
      const standard = cal.getByLabel('Reference standard');
      const usable = await standard
        .locator('option:not([disabled]):not([value=""])')
        .first()
        .getAttribute('value');
      await standard.selectOption(usable as string);
      const points = ['0', '2.5', '5', '7.5', '10'];
      for (let n = 1; n <= 5; n++) {
        await cal.getByLabel(`Point ${n} as found`).fill(points[n - 1]);
        await cal.getByLabel(`Point ${n} as left`).fill(points[n - 1]);
      }
      await cal.getByRole('button', { name: 'Save calibration' }).click();
      await page.getByTestId('entry-queued').waitFor();
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByTestId('outbox-pending').waitFor();
      expect(await page.getByTestId('outbox-pending').textContent()).toContain('3 entries waiting');

      expect((await app.api('DELETE', `/api/instruments/${spare.id}`)).status).toBe(200);
      await s.context.setOffline(false);
      await page.getByTestId('outbox-refused').waitFor({ timeout: 45_000 });
      const sent = (await app.api('GET', `/api/instruments/${instId}/maintenance?limit=5`)).body.items;
      expect(sent.map((m: { description: string }) => m.description)).toContain(
        'Cleaned the impulse line (offline)',
      );
      await expect
        .poll(
          async () => (await app.api('GET', `/api/instruments/${instId}/calibrations?limit=1`)).body.total,
        )
        .toBe(calsBefore + 1);
      await page.goto('/offline-queue');
      const refused = page.locator('tr[data-outbox-id]');
      await refused.waitFor();
      expect(await refused.count()).toBe(1);
      expect(await refused.textContent()).toContain('Refused');
      await screenshot(page, 'field-offline-queue');
      page.once('dialog', (d) => void d.accept());
      await refused.getByRole('button', { name: 'Discard' }).click();
      await page.getByText('Nothing waiting').waitFor();
    } finally {
      await s.context.close();
    }
  });
});
