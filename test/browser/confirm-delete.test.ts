import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session } from './browser.ts';

// A list row's delete asks first (components/Modal.tsx ConfirmDelete, shared by the process unit,
// reference standard, gateway and connector lists): a refusal stays in the dialog with the server's
// reason, and the next row asked about starts clean.

let app: TestApp;
let browser: Browser;
let admin: Session;

describe('deleting from a list', () => {
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    admin = await openSession(browser, app.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows a refused delete in the dialog, then deletes another row without the old refusal', async () => {
    const used = await app.api('POST', '/api/process-units', { body: { name: 'Boiler House' } });
    const spare = await app.api('POST', '/api/process-units', { body: { name: 'Old Tank Farm' } });
    expect([used.status, spare.status]).toEqual([201, 201]);
    await makeInstrument(app, { process_unit_id: used.body.id });

    const page = admin.page;
    await login(page, ADMIN.employee_number, ADMIN.password);
    await page.goto('/admin/process-units');
    await page.getByRole('heading', { name: 'Process units' }).waitFor();

    await page
      .getByRole('row', { name: /Boiler House/ })
      .getByRole('button', { name: 'Delete' })
      .click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText('Delete Boiler House?').waitFor();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm
      .getByRole('alert')
      .getByText('Instruments still belong to this process unit. Move them to another unit first.')
      .waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });

    const spareRow = page.getByRole('row', { name: /Old Tank Farm/ });
    await spareRow.getByRole('button', { name: 'Delete' }).click();
    await confirm.getByText('Delete Old Tank Farm?').waitFor();
    expect(await confirm.getByRole('alert').count()).toBe(0);
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'detached' });
    await spareRow.waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /Boiler House/ }).waitFor();

    const left = await app.api('GET', '/api/process-units');
    expect(left.body.items.map((u: { name: string }) => u.name)).toEqual(['Boiler House']);
    expect(admin.errors).toEqual([]);
  });
});
