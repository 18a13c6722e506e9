import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('instrument register and process units', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  it('creates, lists, updates and soft-deletes an instrument, each step in the audit log', async () => {
    const pu = await t.api('POST', '/api/process-units', {
      body: { name: 'Boiler House', plant_area: 'Area 200' },
    });
    expect(pu.status).toBe(201);
    const created = await t.api('POST', '/api/instruments', {
      body: {
        tag: 'PT-101',
        type: 'pressure',
        unit: 'bar',
        range_min: 0,
        range_max: 10,
        nominal_value: 5,
        alarm_high_warning: 8,
        alarm_high_critical: 9,
        process_unit_id: pu.body.id,
        criticality: 'critical',
      },
    });
    expect(created.status).toBe(201);
    // Defaults for the monitoring settings.
    expect(created.body).toMatchObject({
      tag: 'PT-101',
      process_unit_name: 'Boiler House',
      signal_low_ma: 3.8,
      signal_high_ma: 20.5,
      alarm_deadband: 0.1,
      accuracy_class: 0.5,
      calibration_interval_days: 180,
      status: 'active',
      calibration_overdue: false,
    });
    const id = created.body.id;

    const list = await t.api('GET', '/api/instruments?q=pt-1');
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { tag: string }) => i.tag)).toContain('PT-101');

    const patched = await t.api('PATCH', `/api/instruments/${id}`, {
      body: { location: 'Drum gallery', alarm_deadband: 0.2 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ location: 'Drum gallery', alarm_deadband: 0.2 });

    const del = await t.api('DELETE', `/api/instruments/${id}`);
    expect(del.status).toBe(200);
    expect((await t.api('GET', `/api/instruments/${id}`)).status).toBe(404);
    const withDeleted = await t.api('GET', '/api/instruments?include_deleted=true&q=PT-101');
    expect(withDeleted.body.items[0].deleted_at).toBeTruthy();

    const audit = await t.api('GET', `/api/audit?entity_type=instrument&entity_id=${id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action).reverse()).toEqual([
      'create',
      'update',
      'delete',
    ]);
    const update = audit.body.items[1];
    expect(update.old_value).toEqual({ location: null, alarm_deadband: 0.1 });
    expect(update.new_value).toEqual({ location: 'Drum gallery', alarm_deadband: 0.2 });
    expect(update.user_id).toBe(1);
  });

  it('validates fields: 400 naming the field, 409 on a duplicate tag', async () => {
    const base = { tag: 'TT-900', type: 'temperature', unit: '°C', range_min: 0, range_max: 200 };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, type: 'voltage' }, 'type'],
      [{ ...base, range_min: 'low' }, 'range_min'],
      [{ ...base, range_min: 300 }, 'range_max'],
      [{ ...base, nominal_value: 250 }, 'nominal_value'],
      [{ ...base, alarm_high_warning: 150, alarm_high_critical: 120 }, 'alarm_high_critical'],
      [{ ...base, alarm_low_warning: -5 }, 'alarm_low_warning'],
      [{ ...base, criticality: 'extreme' }, 'criticality'],
      [{ ...base, tag: undefined }, 'tag'],
      [{ ...base, tag: 'bad tag!' }, 'tag'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api('POST', '/api/instruments', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_error');
      expect(res.body.error.details.field).toBe(field);
    }
    expect((await t.api('POST', '/api/instruments', { body: base })).status).toBe(201);
    const dup = await t.api('POST', '/api/instruments', { body: base });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('instrument_tag_taken');
    const malformed = await t.api('POST', '/api/instruments', { raw: '{"tag": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    const badPatch = await t.api('PATCH', '/api/instruments/999999', { body: { location: 'x' } });
    expect(badPatch.status).toBe(404);
    const badId = await t.api('GET', '/api/instruments/abc');
    expect(badId.status).toBe(400);
    const unknownUnit = await t.api('POST', '/api/instruments', {
      body: { ...base, tag: 'TT-901', process_unit_id: 9999 },
    });
    expect(unknownUnit.status).toBe(400);
    expect(unknownUnit.body.error.details.field).toBe('process_unit_id');
  });

  it('filters by type, process unit, criticality and status, and paginates', async () => {
    const pu = await t.api('POST', '/api/process-units', { body: { name: 'Tank Farm' } });
    for (let i = 0; i < 5; i++) {
      await makeInstrument(t, {
        tag: `LT-5${i}`,
        type: 'level',
        unit: '%',
        range_min: 0,
        range_max: 100,
        nominal_value: 50,
        alarm_low_critical: 10,
        alarm_low_warning: 20,
        alarm_high_warning: 80,
        alarm_high_critical: 90,
        process_unit_id: pu.body.id,
        criticality: i < 2 ? 'high' : 'low',
      });
    }
    const page1 = await t.api('GET', `/api/instruments?process_unit_id=${pu.body.id}&limit=2&offset=0`);
    expect(page1.body.total).toBe(5);
    expect(page1.body.items.map((i: { tag: string }) => i.tag)).toEqual(['LT-50', 'LT-51']);
    const page3 = await t.api('GET', `/api/instruments?process_unit_id=${pu.body.id}&limit=2&offset=4`);
    expect(page3.body.items.map((i: { tag: string }) => i.tag)).toEqual(['LT-54']);
    const high = await t.api(
      'GET',
      `/api/instruments?type=level&criticality=high&process_unit_id=${pu.body.id}`,
    );
    expect(high.body.total).toBe(2);
    await t.api('PATCH', `/api/instruments/${page3.body.items[0].id}`, {
      body: { status: 'out_of_service' },
    });
    const oos = await t.api('GET', '/api/instruments?status=out_of_service');
    expect(oos.body.items.map((i: { tag: string }) => i.tag)).toEqual(['LT-54']);
    expect((await t.api('GET', '/api/instruments?type=voltage')).status).toBe(400);
    expect((await t.api('GET', '/api/instruments?limit=0')).status).toBe(400);
    // A unit with instruments cannot be deleted; an empty one can.
    expect((await t.api('DELETE', `/api/process-units/${pu.body.id}`)).status).toBe(409);
    const empty = await t.api('POST', '/api/process-units', { body: { name: 'Empty' } });
    expect((await t.api('DELETE', `/api/process-units/${empty.body.id}`)).status).toBe(200);
    expect((await t.api('POST', '/api/process-units', { body: { name: 'Tank Farm' } })).status).toBe(409);
  });

  it('lets technicians read but not change the register', async () => {
    const tech = await makeUser(t);
    expect((await t.api('GET', '/api/instruments', { token: tech.token })).status).toBe(200);
    const res = await t.api('POST', '/api/instruments', {
      token: tech.token,
      body: { tag: 'PT-777', type: 'pressure', unit: 'bar', range_min: 0, range_max: 1 },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect((await t.api('POST', '/api/instruments', { token: null, body: {} })).status).toBe(401);
  });
});
