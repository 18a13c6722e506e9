import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate, makeStandard, points } from '../cmms/cmms-fixtures.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session, screenshot } from './browser.ts';

// Issue 13 item 7: the electronic signature dialog on a calibration record. The performer signs
// "performed"; a second person (an admin) approves; a wrong password is refused and says so.

let app: TestApp;
let browser: Browser;
let tech: Session;
let admin: Session;

describe('electronic signature dialog', () => {
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    tech = await openSession(browser, app.url);
    admin = await openSession(browser, app.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function openRecord(s: Session, instrumentId: number, calibrationId: number) {
    await s.page.goto(`/instruments/${instrumentId}`);
    await s.page.getByRole('tab', { name: 'Calibration history' }).click();
    await s.page
      .getByRole('button', { name: /\d+ points/ })
      .first()
      .click();
    await s.page.getByRole('table', { name: `Test points of calibration ${calibrationId}` }).waitFor();
  }

  it('signs a calibration as performed, refuses a wrong password, and a second person approves', async () => {
    const user = await makeUser(app, 'technician');
    const std = await makeStandard(app, new Date());
    const inst = await makeInstrument(app);
    const rec = await calibrate(
      app,
      { instrument_id: inst.id, reference_standard_id: std.id, points: points(0.1, 0.1) },
      user.token,
    );

    // The performer signs: the dialog offers only "Performed".
    await login(tech.page, user.employee_number, user.password);
    await openRecord(tech, inst.id, rec.id);
    const panel = tech.page.getByRole('region', { name: 'Signatures' });
    expect(await panel.getByTestId('signature-status').textContent()).toBe('unsigned');
    await panel.getByRole('button', { name: 'Sign…' }).click();
    const dialog = tech.page.getByRole('dialog', { name: 'Electronic signature' });
    const meaning = dialog.getByLabel('Meaning of the signature');
    expect(await meaning.locator('option').allTextContents()).toEqual(['Performed']);
    await dialog.getByLabel(/^Password/).fill(user.password);
    await dialog.getByLabel('Comment').fill('Five points up and down, no adjustment');
    await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await panel.getByTestId('signature-status').filter({ hasText: 'signed' }).waitFor();
    // The row may render a moment after the status line: wait for it, then count.
    await panel.getByRole('cell', { name: 'Performed' }).first().waitFor();
    expect(await panel.getByRole('cell', { name: 'Performed' }).count()).toBe(1);

    // A second person approves; a wrong password first.
    await login(admin.page, ADMIN.employee_number, ADMIN.password);
    await openRecord(admin, inst.id, rec.id);
    const adminPanel = admin.page.getByRole('region', { name: 'Signatures' });
    await adminPanel.getByRole('button', { name: 'Sign…' }).click();
    const dlg = admin.page.getByRole('dialog', { name: 'Electronic signature' });
    expect(await dlg.getByLabel('Meaning of the signature').locator('option').allTextContents()).toEqual([
      'Reviewed',
      'Approved',
    ]);
    await dlg.getByLabel('Meaning of the signature').selectOption('approved');
    await dlg.getByRole('button', { name: 'Sign', exact: true }).click();
    await dlg.getByText('Re-enter your password to sign').waitFor();
    await dlg.getByLabel(/^Password/).fill('not-the-password');
    await dlg.getByRole('button', { name: 'Sign', exact: true }).click();
    await dlg.getByText('The password does not match. A signature needs your own password.').waitFor();
    await screenshot(admin.page, 'signature-dialog');
    await dlg.getByLabel(/^Password/).fill(ADMIN.password);
    await dlg.getByRole('button', { name: 'Sign', exact: true }).click();
    await dlg.waitFor({ state: 'detached' });
    await adminPanel.getByTestId('signature-status').filter({ hasText: 'approved' }).waitFor();
    // The row may render a moment after the status line: wait for it, then count.
    await adminPanel.getByRole('cell', { name: 'Approved' }).first().waitFor();
    expect(await adminPanel.getByRole('cell', { name: 'Approved' }).count()).toBe(1);
    await screenshot(admin.page, 'signatures-on-record', { fullPage: true });

    const stored = await app.api('GET', `/api/signatures?entity_type=calibration_record&entity_id=${rec.id}`);
    expect(stored.body.items.map((s: { meaning: string }) => s.meaning)).toEqual(['performed', 'approved']);
    expect(tech.errors).toEqual([]);
    // The refused signature answered 403 (logged by the browser as a failed resource, not an error).
    expect(admin.errors).toEqual([]);
  });
});
