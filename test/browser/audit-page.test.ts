import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { someRecords } from '../foundation/audit-helpers.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session, screenshot } from './browser.ts';

// The audit page: what verify checked and what failed, and the checkpoint download.

let app: TestApp;
let browser: Browser;
let admin: Session;

describe('audit trail page', () => {
  beforeAll(async () => {
    app = await startTestApp({ env: { AUDIT_CHECKPOINT_SECONDS: '3600' } });
    browser = await launchBrowser();
    admin = await openSession(browser, app.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('verifies, names a tampered record, and downloads a signed checkpoint', async () => {
    const { cal } = await someRecords(app);
    const page = admin.page;
    await login(page, ADMIN.employee_number, ADMIN.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();

    await page.getByRole('button', { name: 'Verify now' }).click();
    await page.getByText(/Audit trail intact: \d+ rows and 2 records checked/).waitFor();
    expect(await page.getByTestId('audit-check-record_hashes').textContent()).toContain('OK');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download checkpoint' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^audit-checkpoint-.*\.json$/);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cmms-cp-')), download.suggestedFilename());
    await download.saveAs(file);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.checkpoint.format).toBe('cbu-cmms-audit-checkpoint/1');
    expect(saved.signature).toMatch(/^[0-9a-f]{64}$/);

    await sql`update calibration_records set passed = 0 where id = ${cal.id}`.execute(app.server.ctx.db);
    await page.locator('input[type=file]').setInputFiles(file);
    await page.getByText(/Tampering or damage found: 1 problem/).waitFor();
    expect(await page.getByTestId('audit-check-record_hashes').textContent()).toContain('Failed');
    expect(await page.getByTestId('audit-check-exported_checkpoint').textContent()).toContain('OK');
    expect(await page.getByTestId('audit-problems').textContent()).toContain(`calibration record ${cal.id}`);
    await screenshot(page, 'audit', { fullPage: true });
    expect(admin.errors).toEqual([]);
  });
});
