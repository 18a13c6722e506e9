import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { publishReadings, reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

describe('instrument tags and ranges', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  /** Values stored for the instrument, oldest first (what trends and reports read). */
  const stored = (id: number) =>
    t.server.ctx.db
      .selectFrom('raw_readings')
      .select(['ts', 'value'])
      .where('instrument_id', '=', id)
      .orderBy('ts')
      .execute();

  const publishAndWait = async (i: { id: number; tag: string }, ts: number, value: number, unit: string) => {
    const before = (await stored(i.id)).length;
    await publishReadings(t, [reading(i.tag, ts, value, unit)]);
    await waitUntil(
      () => stored(i.id),
      (rows) => rows.length > before,
      { what: `reading of ${i.tag} stored` },
    );
  };

  it('refuses a tag that differs only in case, on create and on rename (409)', async () => {
    const a = await makeInstrument(t, { tag: 'FT-Case-1' });
    const dup = await t.api('POST', '/api/instruments', {
      body: { tag: 'ft-case-1', type: 'flow', unit: 'm3/h', range_min: 0, range_max: 100 },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({
      code: 'instrument_tag_taken',
      details: { existing_tag: 'FT-Case-1' },
    });

    const b = await makeInstrument(t, { tag: 'FT-Case-2' });
    const rename = await t.api('PATCH', `/api/instruments/${b.id}`, { body: { tag: 'FT-CASE-1' } });
    expect(rename.status).toBe(409);
    expect(rename.body.error.code).toBe('instrument_tag_taken');
    // Renaming an instrument to another case of its own tag is fine.
    expect((await t.api('PATCH', `/api/instruments/${a.id}`, { body: { tag: 'FT-CASE-1' } })).status).toBe(
      200,
    );

    // Racing creates of case variants: the index lets exactly one through, the rest are 409, none 500.
    const variants = ['LT-RACE', 'lt-race', 'Lt-Race', 'lT-rACE', 'LT-race', 'lt-RACE'];
    const results = await Promise.all(
      variants.map((tag) =>
        t.api('POST', '/api/instruments', {
          body: { tag, type: 'level', unit: '%', range_min: 0, range_max: 100 },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);

    // A deleted instrument's tag may be reused, in any case.
    await t.api('DELETE', `/api/instruments/${a.id}`);
    expect((await makeInstrument(t, { tag: 'ft-case-1' })).tag).toBe('ft-case-1');
  });

  it('changes unit or range by PATCH only while there are no readings; after that 409 with the reason', async () => {
    const i = await makeInstrument(t);
    const early = await t.api('PATCH', `/api/instruments/${i.id}`, { body: { range_max: 12 } });
    expect(early.status).toBe(200);

    await publishAndWait(i, Date.now() - 60_000, 5.5, 'bar');
    for (const body of [{ range_max: 20 }, { unit: 'kPa' }, { range_min: -1, range_max: 12 }]) {
      const res = await t.api('PATCH', `/api/instruments/${i.id}`, { body });
      expect(res.status, JSON.stringify(body)).toBe(409);
      expect(res.body.error.code).toBe('instrument_has_readings');
      expect(res.body.error.message).toContain('/rerange');
    }
    const refused = await t.api('PATCH', `/api/instruments/${i.id}`, {
      body: { range_min: -1, range_max: 12 },
    });
    expect(refused.body.error.details.fields).toEqual(['range_min']);
    // Unchanged range values and other fields still go through.
    const same = await t.api('PATCH', `/api/instruments/${i.id}`, {
      body: { unit: 'bar', range_max: 12, location: 'Pump house' },
    });
    expect(same.status).toBe(200);
    const after = await t.api('GET', `/api/instruments/${i.id}`);
    expect(after.body).toMatchObject({ unit: 'bar', range_min: 0, range_max: 12, location: 'Pump house' });
  });

  it('re-ranges through the recorded action: history, audit, live ingestion follows, old readings untouched', async () => {
    const i = await makeInstrument(t);
    const t0 = Date.now() - 120_000;
    await publishAndWait(i, t0, 5.5, 'bar');

    const tech = await makeUser(t, 'technician');
    const body = {
      unit: 'kPa',
      range_min: 0,
      range_max: 1000,
      reason: 'transmitter re-ranged to kPa during turnaround',
      nominal_value: 500,
      alarm_low_critical: 100,
      alarm_low_warning: 200,
      alarm_high_warning: 800,
      alarm_high_critical: 900,
    };
    expect(
      (await t.api('POST', `/api/instruments/${i.id}/rerange`, { token: tech.token, body })).status,
    ).toBe(403);
    const noReason = await t.api('POST', `/api/instruments/${i.id}/rerange`, { body: { unit: 'kPa' } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details.field).toBe('reason');
    const nothing = await t.api('POST', `/api/instruments/${i.id}/rerange`, {
      body: { unit: 'bar', reason: 'no change' },
    });
    expect(nothing.status).toBe(400);
    // Limits must fit the new range; the first one outside it is named.
    const limits = await t.api('POST', `/api/instruments/${i.id}/rerange`, {
      body: { range_max: 5, reason: 'narrower', nominal_value: 2 },
    });
    expect(limits.status).toBe(400);
    expect(limits.body.error.details.field).toBe('alarm_high_warning');

    const res = await t.api('POST', `/api/instruments/${i.id}/rerange`, { body });
    expect(res.status).toBe(200);
    expect(res.body.instrument).toMatchObject({
      unit: 'kPa',
      range_min: 0,
      range_max: 1000,
      alarm_high_critical: 900,
    });
    expect(res.body.change).toMatchObject({
      instrument_id: i.id,
      old_unit: 'bar',
      old_range_min: 0,
      old_range_max: 10,
      new_unit: 'kPa',
      new_range_max: 1000,
      reason: body.reason,
    });

    const history = await t.api('GET', `/api/instruments/${i.id}/range-changes`, { token: tech.token });
    expect(history.status).toBe(200);
    expect(history.body.items).toHaveLength(1);
    expect(history.body.items[0]).toMatchObject({
      id: res.body.change.id,
      changed_by_name: expect.any(String),
    });

    const audit = await t.api('GET', `/api/audit?entity_type=instrument&entity_id=${i.id}&action=rerange`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].old_value).toMatchObject({ unit: 'bar', range_max: 10 });
    expect(audit.body.items[0].new_value).toMatchObject({
      unit: 'kPa',
      range_max: 1000,
      reason: body.reason,
    });

    // instrument.changed reached ingestion: readings in the new unit are accepted from now on...
    await waitUntil(
      () => t.server.ctx.ingestion?.instruments.byTagName(i.tag)?.unit,
      (u) => u === undefined || u === 'kPa',
      { what: 'ingestion cache reloaded' },
    );
    await publishAndWait(i, Date.now(), 550, 'kPa');
    // ...and the reading taken before the change is stored exactly as it was.
    const rows = await stored(i.id);
    expect(rows.map((r) => r.value)).toEqual([5.5, 550]);
    expect(res.body.change.effective_at > new Date(t0).toISOString()).toBe(true);
  });
});
