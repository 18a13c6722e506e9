import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { type ModbusPeer, startModbusPeer } from '../helpers/modbus-peer.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session, screenshot } from './browser.ts';

// Issue 15 item 4 in the web app: an admin adds a Modbus TCP device (a real Modbus TCP server
// started here), maps a register to an instrument, tests the connection, enables the source and
// watches it connect and deliver readings; a mapping the server refuses is shown by its field.

let app: TestApp;
let browser: Browser;
let admin: Session;
let peer: ModbusPeer;
let tag: string;

describe('connectors page', () => {
  beforeAll(async () => {
    app = await startTestApp();
    peer = await startModbusPeer();
    peer.holding[10] = 55; // x 0.1 -> 5.5
    tag = (await makeInstrument(app)).tag;
    browser = await launchBrowser();
    admin = await openSession(browser, app.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await peer?.stop();
  });

  it('creates a Modbus source, tests it, enables it and shows its live status', async () => {
    const page = admin.page;
    await login(page, ADMIN.employee_number, ADMIN.password);
    await page.getByRole('link', { name: 'Connectors' }).click();
    await page.getByRole('heading', { name: 'Connectors' }).waitFor();
    await page.getByText('No connector sources yet').waitFor();

    await page.getByRole('button', { name: 'New source' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Boiler PLC');
    expect(await dialog.getByLabel('Kind').inputValue()).toBe('modbus');
    await dialog.getByLabel('Host').fill('127.0.0.1');
    await dialog.getByLabel('Port').fill(String(peer.port));
    await dialog.getByLabel('Poll interval (ms)').fill('200');
    await dialog.getByRole('button', { name: 'Add point' }).click();
    const point = dialog.getByTestId('point-0');
    await point.getByLabel('Instrument tag').fill(tag);
    await point.getByLabel('Address').fill('10');
    await point.getByLabel('Scaling').selectOption('factor');
    await point.getByLabel('Factor').fill('0.1');

    await dialog.getByRole('button', { name: 'Test connection' }).click();
    await dialog.getByText(`Connection works: Connected to 127.0.0.1:${peer.port} unit 1`).waitFor();

    await dialog.getByRole('button', { name: 'Create source' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('row', { name: /Boiler PLC/ });
    await row.getByText('Stopped').waitFor();
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByRole('button', { name: 'Disable' }).waitFor();
    // The list refreshes by itself every few seconds: connected, then readings counted.
    await row.getByTestId('connector-state').getByText('Connected').waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => {
        const rpm = document.querySelector('[data-testid="connector-rpm"]')?.textContent ?? '';
        return Number.parseFloat(rpm.replace(/,/g, '')) > 0;
      },
      null,
      { timeout: 30_000 },
    );
    await expect(row.getByText(/Last reading: none yet/).count()).resolves.toBe(0);

    // The saved source tests from the list too.
    await row.getByRole('button', { name: 'Test' }).click();
    await page
      .getByText(
        /Connection works \(Boiler PLC\): Connected to 127\.0\.0\.1:\d+ unit 1; read 1 holding register/,
      )
      .waitFor();
    await screenshot(page, 'connectors');

    // A lost race: another admin disables it before this page's list has caught up (the list's
    // refresh is held off, so the button still says Disable): the 409 is said in words.
    await page.route('**/api/connectors/sources', (r) => r.abort());
    const id = (await app.api('GET', '/api/connectors/sources')).body.items[0].id;
    expect((await app.api('POST', `/api/connectors/sources/${id}/disable`)).status).toBe(200);
    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('Boiler PLC: This source is already disabled.').waitFor();
    await page.unroute('**/api/connectors/sources');
    await row.getByRole('button', { name: 'Enable' }).waitFor();

    // A mapping the server refuses: the error sits by the field it names (points[0].tag).
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog');
    const editPoint = edit.getByTestId('point-0');
    expect(await editPoint.getByLabel('Factor').inputValue()).toBe('0.1');
    await editPoint.getByLabel('Instrument tag').fill('NO-SUCH-TAG');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    const tagField = editPoint.locator('.field', { has: page.getByLabel('Instrument tag') });
    await tagField.getByText('No instrument is tagged NO-SUCH-TAG.').waitFor();
    expect(await editPoint.getByLabel('Instrument tag').getAttribute('aria-invalid')).toBe('true');

    // And one only the kind's own checks see: a zero-width scaling range.
    await editPoint.getByLabel('Instrument tag').fill(tag);
    await editPoint.getByLabel('Scaling').selectOption('range');
    for (const [label, v] of [
      ['Raw min', '100'],
      ['Raw max', '100'],
      ['Eng. min', '0'],
      ['Eng. max', '10'],
    ])
      await editPoint.getByLabel(label).fill(v);
    await edit.getByRole('button', { name: 'Save changes' }).click();
    const rawMax = editPoint.locator('.field', { has: page.getByLabel('Raw max') });
    await rawMax.getByText('Raw_min and raw_max must differ.').waitFor();
    await screenshot(page, 'connector-form');
    await edit.getByRole('button', { name: 'Cancel' }).click();

    // Delete asks first.
    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText('Delete the source Boiler PLC?').waitFor();
    await confirm.getByRole('button', { name: 'Delete source' }).click();
    await page.getByText('No connector sources yet').waitFor();
    expect(admin.errors).toEqual([]);
  });

  it('keeps, replaces or clears a stored OPC UA password, and says why a cleared one is refused', async () => {
    const page = admin.page;
    const created = await app.api('POST', '/api/connectors/sources', {
      body: {
        kind: 'opcua',
        name: 'Historian',
        config: {
          endpoint_url: 'opc.tcp://127.0.0.1:4840',
          auth: 'username',
          username: 'operator',
          password: 'opc-secret-1',
        },
      },
    });
    expect(created.status).toBe(201);
    await page.goto(`${app.url}/admin/connectors`);
    const row = page.getByRole('row', { name: /Historian/ });
    await row.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByLabel('Log in').inputValue()).toBe('username');
    expect(await dialog.getByLabel('User name').inputValue()).toBe('operator');
    const password = dialog.locator('.field', { hasText: 'Password' });
    await password.getByText('Set', { exact: true }).waitFor();
    expect(await page.content()).not.toContain('opc-secret-1');
    await password.getByRole('button', { name: 'Clear' }).click();
    await password.getByText('Will be removed').waitFor();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await password.getByText('Auth=username needs a password.').waitFor();
    // Replaced instead: saved, and still only "set".
    await password.getByRole('button', { name: 'Replace' }).click();
    await dialog.getByLabel('Password').fill('opc-secret-2');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    const after = await app.api('GET', `/api/connectors/sources/${created.body.id}`);
    expect(after.body.secrets_set).toEqual(['password']);
    expect(admin.errors).toEqual([]);
  });
});
