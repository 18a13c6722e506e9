import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { DAY_MS, makeStandard, points } from './cmms-fixtures.ts';

describe('reference standard certificate dates', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  it('refuses a calibration dated before the standard was certified (422), accepts one from that day on', async () => {
    const now = new Date();
    const inst = await makeInstrument(t);
    const std = await makeStandard(t, now, { calibratedDaysAgo: 10, validDays: 365 });
    const calibrate = (performedAt: Date) =>
      t.api('POST', '/api/calibrations', {
        body: {
          instrument_id: inst.id,
          reference_standard_id: std.id,
          performed_at: performedAt.toISOString(),
          points: points(0.1, 0.1),
        },
      });

    const early = await calibrate(new Date(now.getTime() - 20 * DAY_MS));
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('reference_standard_not_yet_certified');
    expect(early.body.error.message).toContain(std.identifier);
    const certified = new Date(now.getTime() - 10 * DAY_MS).toISOString().slice(0, 10);
    expect(early.body.error.details).toMatchObject({
      reference_standard_id: std.id,
      calibrated_on: certified,
    });
    // The day before the certificate is refused too; nothing was stored.
    const dayBefore = await calibrate(new Date(Date.parse(`${certified}T23:59:00Z`) - DAY_MS));
    expect(dayBefore.status).toBe(422);
    expect((await t.api('GET', `/api/instruments/${inst.id}/calibrations`)).body.total).toBe(0);

    // On the certificate's own day and after, the standard is usable.
    expect((await calibrate(new Date(`${certified}T08:00:00Z`))).status).toBe(201);
    expect((await calibrate(new Date(now.getTime() - DAY_MS))).status).toBe(201);
  });
});
