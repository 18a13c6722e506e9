import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { launchBrowser, login, openSession, type Session, screenshot } from './browser.ts';

// Issue 18 part 3: the Import page. A file with a bad cell is previewed with the cell marked and
// nothing written; the corrected file is previewed, confirmed, and the summary links to the instruments.

let app: TestApp;
let browser: Browser;
let admin: Session;

const HEADER = 'Tag No.;Instrument Type;Eng. Units;LRV;URV;Process Unit;Description';
const GOOD = [
  'PT-901;pressure;bar;0;16;Boiler House;Steam drum pressure',
  'TT-902;temperature;degC;0;400;Boiler House;Superheater outlet',
];

describe('import page', () => {
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    admin = await openSession(browser, app.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('previews a file with its bad cell marked, then imports the corrected file and links to it', async () => {
    const page = admin.page;
    await login(page, ADMIN.employee_number, ADMIN.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Import' }).waitFor();

    const bad = [HEADER, GOOD[0], 'TT-902;temperature;degC;500;400;Boiler House;Superheater outlet'].join(
      '\n',
    );
    await page.getByTestId('import-file').setInputFiles({
      name: 'register.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(bad),
    });
    await page.getByText('register.csv: 1 problem(s)').waitFor();
    const marked = page.getByTestId('import-preview').getByTestId('bad-cell');
    expect(await marked.count()).toBe(1);
    expect(await marked.textContent()).toBe('400');
    expect(await page.getByTestId('import-preview').textContent()).toContain(
      'must be greater than range_min',
    );
    await page.getByText('Nothing was written.').waitFor();
    await screenshot(page, 'import-errors', { fullPage: true });
    expect((await app.api('GET', '/api/instruments?q=PT-901')).body.total).toBe(0);

    await page.getByTestId('import-file').setInputFiles({
      name: 'register.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from([HEADER, ...GOOD].join('\n')),
    });
    await page.getByText('register.csv: ready to import').waitFor();
    expect(await page.getByTestId('import-counts').textContent()).toContain('2 to create');
    expect(await page.getByTestId('import-preview').textContent()).toContain('Steam drum pressure');
    await screenshot(page, 'import-preview', { fullPage: true });
    await page.getByTestId('import-confirm').click();

    const summary = page.getByTestId('import-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toContain('2 created');
    await screenshot(page, 'import-summary', { fullPage: true });
    await summary.getByRole('link', { name: 'PT-901' }).click();
    await page
      .getByRole('heading', { name: /PT-901/ })
      .first()
      .waitFor();
    expect(admin.errors).toEqual([]);
  });
});
