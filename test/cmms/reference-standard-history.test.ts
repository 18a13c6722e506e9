import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, DAY_MS, points } from './cmms-fixtures.ts';

// Issue 13 item 4: a standard's certificates are a history (a new one is a new row), carry the
// expanded uncertainty, and every calibration point keeps the uncertainty and its TUR.

const day = (d: Date) => d.toISOString().slice(0, 10);

describe('reference standard certificates, uncertainty and TUR', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp();
    tech = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  it('adds certificates as new rows; calibrations keep the certificate of their day; TUR per point', async () => {
    const now = new Date();
    const std = await t.api('POST', '/api/reference-standards', {
      body: {
        identifier: `DPI-${Date.now()}`,
        description: 'Druck DPI 620',
        certificate_number: 'OLD-CERT',
        accuracy: '0.02 % FS',
        calibrated_on: day(new Date(now.getTime() - 400 * DAY_MS)),
        due_date: day(new Date(now.getTime() - 20 * DAY_MS)),
        uncertainty_value: 0.02,
        uncertainty_unit: 'bar',
      },
    });
    expect(std.status).toBe(201);
    expect(std.body).toMatchObject({ uncertainty_value: 0.02, uncertainty_unit: 'bar', expired: true });
    const id = std.body.id;
    const inst = await makeInstrument(t, { accuracy_class: 0.5 });

    // Old certificate: 0.02 bar against ±0.05 bar (0.5 % of 10 bar): TUR 2.5, warned.
    const past = await calibrate(
      t,
      {
        instrument_id: inst.id,
        reference_standard_id: id,
        performed_at: new Date(now.getTime() - 30 * DAY_MS).toISOString(),
        points: points(0.1, 0.1),
      },
      tech.token,
    );
    expect(past).toMatchObject({
      reference_standard_certificate: 'OLD-CERT',
      reference_standard_uncertainty: '±0.02 bar',
      min_tur: 2.5,
    });
    expect(past.points[0]).toMatchObject({ std_uncertainty: 0.02, tur: 2.5 });
    expect(past.warnings.map((w: { code: string }) => w.code)).toEqual(['tur_below_4']);
    // Expired now: refused until a new certificate arrives.
    const refused = await t.api('POST', '/api/calibrations', {
      token: tech.token,
      body: { instrument_id: inst.id, reference_standard_id: id, points: points(0.1, 0.1) },
    });
    expect(refused.status).toBe(422);

    // Editing the certificate is refused; a technician cannot add one; an older one is 400.
    const edit = await t.api('PATCH', `/api/reference-standards/${id}`, {
      body: { certificate_number: 'FIXED' },
    });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('reference_standard_certificate_immutable');
    const newCert = {
      certificate_number: 'NEW-CERT',
      calibrated_on: day(new Date(now.getTime() - 10 * DAY_MS)),
      due_date: day(new Date(now.getTime() + 355 * DAY_MS)),
      uncertainty_value: 0.05,
      uncertainty_unit: '%',
      issued_by: 'ZABS calibration laboratory',
    };
    expect(
      (
        await t.api('POST', `/api/reference-standards/${id}/certificates`, {
          token: tech.token,
          body: newCert,
        })
      ).status,
    ).toBe(403);
    const older = await t.api('POST', `/api/reference-standards/${id}/certificates`, {
      body: { ...newCert, calibrated_on: day(new Date(now.getTime() - 500 * DAY_MS)) },
    });
    expect(older.status).toBe(400);
    expect(older.body.error.details.field).toBe('calibrated_on');
    const half = await t.api('POST', `/api/reference-standards/${id}/certificates`, {
      body: { ...newCert, uncertainty_unit: undefined },
    });
    expect(half.status).toBe(400);
    const added = await t.api('POST', `/api/reference-standards/${id}/certificates`, { body: newCert });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ certificate_number: 'NEW-CERT', current: true });

    const history = await t.api('GET', `/api/reference-standards/${id}/certificates`, { token: tech.token });
    expect(
      history.body.items.map((c: { certificate_number: string; current: boolean }) => [
        c.certificate_number,
        c.current,
      ]),
    ).toEqual([
      ['NEW-CERT', true],
      ['OLD-CERT', false],
    ]);
    const standard = await t.api('GET', `/api/reference-standards/${id}`);
    expect(standard.body).toMatchObject({
      certificate_number: 'NEW-CERT',
      expired: false,
      uncertainty_unit: '%',
    });

    // 0.05 % of the applied value: at 10 bar 0.005 bar, TUR 10; at 0 bar no uncertainty, no TUR.
    const fresh = await calibrate(
      t,
      { instrument_id: inst.id, reference_standard_id: id, points: points(0.1, 0.1) },
      tech.token,
    );
    expect(fresh.reference_standard_certificate).toBe('NEW-CERT');
    expect(fresh.points[4]).toMatchObject({ reference_value: 10, std_uncertainty: 0.005, tur: 10 });
    expect(fresh.points[0].tur).toBeNull();
    expect(fresh.warnings).toEqual([]);
    // The old record still names the certificate in force on its day.
    const again = await t.api('GET', `/api/calibrations/${past.id}`);
    expect(again.body.reference_standard_certificate).toBe('OLD-CERT');

    const audit = await t.api('GET', `/api/audit?entity_type=reference_standard&entity_id=${id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action)).toContain('add_certificate');
  });

  it('one of concurrent new certificates wins, the other is 409', async () => {
    const now = new Date();
    const std = await t.api('POST', '/api/reference-standards', {
      body: {
        identifier: `RACE-${Date.now()}`,
        description: 'x',
        certificate_number: 'C0',
        accuracy: 'a',
        calibrated_on: day(new Date(now.getTime() - 100 * DAY_MS)),
        due_date: day(new Date(now.getTime() + 100 * DAY_MS)),
      },
    });
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        t.api('POST', `/api/reference-standards/${std.body.id}/certificates`, {
          body: {
            certificate_number: `C${n}`,
            calibrated_on: day(now),
            due_date: day(new Date(now.getTime() + 365 * DAY_MS)),
          },
        }),
      ),
    );
    const codes = results.map((r) => r.status).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    // The losers: 409 on a lost race, or 400 once the winner's certificate is current (not newer).
    expect(codes.every((c) => c === 201 || c === 409 || c === 400)).toBe(true);
    const history = await t.api('GET', `/api/reference-standards/${std.body.id}/certificates`);
    expect(history.body.total).toBe(2);
  });
});
