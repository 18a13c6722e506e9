import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCalendarDateOrTime, openObjects } from '../../src/http/request-validation.ts';
import { makeStandard, points } from '../cmms/cmms-fixtures.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

/** Every numeric schema under `schema` without an upper bound, as JSON pointers. */
function unbounded(schema: unknown, at: string, integersOnly: boolean): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Record<string, unknown>;
  const out: string[] = [];
  const numeric = s.type === 'integer' || (!integersOnly && s.type === 'number');
  if (numeric && s.maximum === undefined && s.exclusiveMaximum === undefined) out.push(at);
  for (const [k, v] of Object.entries(s))
    if (typeof v === 'object') out.push(...unbounded(v, `${at}/${k}`, integersOnly));
  return out;
}

describe('strict request validation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  it('every route body forbids unknown properties at every depth', () => {
    const routes = t.server.app.routeSchemas.filter((r) => r.url.startsWith('/api'));
    const withBody = routes.filter((r) => r.schema?.body);
    expect(withBody.length).toBeGreaterThan(20);
    for (const r of withBody) expect(openObjects(r.schema?.body), `${r.method} ${r.url}`).toEqual([]);
    // The walker itself finds a nested open object (so the assertion above can fail).
    expect(
      openObjects({
        type: 'object',
        additionalProperties: false,
        properties: { p: { type: 'array', items: { type: 'object', properties: {} } } },
      }),
    ).toEqual(['#/properties/p/items']);
  });

  it('every numeric query and path parameter, and every body integer, has a maximum', () => {
    for (const r of t.server.app.routeSchemas.filter((x) => x.url.startsWith('/api'))) {
      const s = r.schema as Record<string, unknown> | undefined;
      expect(unbounded(s?.querystring, 'querystring', false), `${r.method} ${r.url}`).toEqual([]);
      expect(unbounded(s?.params, 'params', false), `${r.method} ${r.url}`).toEqual([]);
      expect(unbounded(s?.body, 'body', true), `${r.method} ${r.url}`).toEqual([]);
    }
  });

  it('refuses unknown body fields with 400 naming them, and never writes them', async () => {
    const i = await makeInstrument(t);
    const backdate = await t.api('PATCH', `/api/instruments/${i.id}`, {
      body: { created_at: '2020-01-01T00:00:00Z' },
    });
    expect(backdate.status).toBe(400);
    expect(backdate.body.error.details.field).toBe('created_at');
    expect(backdate.body.error.message).toContain('created_at');
    const id = await t.api('PATCH', `/api/instruments/${i.id}`, { body: { id: 66, location: 'x' } });
    expect(id.status).toBe(400);
    expect(id.body.error.details.field).toBe('id');
    const after = await t.api('GET', `/api/instruments/${i.id}`);
    expect(after.body.created_at).toBe(i.created_at);
    expect(after.body.location).toBeNull();
    expect((await t.api('GET', '/api/instruments/66')).status).toBe(404);

    // Nested: a calibration point with a field the API does not know.
    const std = await makeStandard(t, new Date());
    const [p0, ...rest] = points(0, 0);
    const cal = await t.api('POST', '/api/calibrations', {
      body: {
        instrument_id: i.id,
        reference_standard_id: std.id,
        points: [...rest, { ...p0, passed: true }],
      },
    });
    expect(cal.status).toBe(400);
    expect(cal.body.error.details.field).toBe(`points.${rest.length}.passed`);
  });

  it('does not coerce body types', async () => {
    const i = await makeInstrument(t);
    const base = { action_type: 'inspection', description: 'checked impulse lines' };
    const bool = await t.api('POST', '/api/maintenance', { body: { ...base, instrument_id: true } });
    expect(bool.status).toBe(400);
    expect(bool.body.error.details.field).toBe('instrument_id');
    const text = await t.api('POST', '/api/maintenance', {
      body: { ...base, instrument_id: i.id, duration_minutes: '45' },
    });
    expect(text.status).toBe(400);
    expect(text.body.error.details.field).toBe('duration_minutes');
    const ok = await t.api('POST', '/api/maintenance', {
      body: { ...base, instrument_id: i.id, duration_minutes: 45 },
    });
    expect(ok.status).toBe(201);
  });

  it('refuses impossible dates in bodies and queries', async () => {
    const i = await makeInstrument(t);
    const std = {
      identifier: 'RS-DATES',
      description: 'deadweight tester',
      certificate_number: 'C-1',
      accuracy: '0.02%',
    };
    for (const [field, value] of [
      ['calibrated_on', '2026-02-30'],
      ['due_date', '2026-13-01'],
    ]) {
      const body = { ...std, calibrated_on: '2026-01-10', due_date: '2027-01-10', [field]: value };
      const res = await t.api('POST', '/api/reference-standards', { body });
      expect(res.status, `${field}=${value}`).toBe(400);
      expect(res.body.error.details.field).toBe(field);
    }
    const m = await t.api('POST', '/api/maintenance', {
      body: {
        instrument_id: i.id,
        action_type: 'inspection',
        description: 'x',
        performed_at: '2026-02-29T25:00:00Z',
      },
    });
    expect(m.status).toBe(400);
    expect(m.body.error.details.field).toBe('performed_at');
    for (const url of [
      '/api/alerts?from=2026-02-30T00:00:00Z',
      '/api/audit?to=2026-02-29T25:00:00Z',
      '/api/reports/calibration?from=2026-02-30',
      '/api/reports/work-orders?to=2026-13-01',
      '/api/reports/maintenance?from=2026-02-29T25:00:00Z',
    ]) {
      const res = await t.api('GET', url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe('validation_error');
    }
    expect((await t.api('GET', '/api/reports/calibration?from=2024-02-29')).status).toBe(200);
    expect(isCalendarDateOrTime('2024-02-29T23:59:59.5+02:00')).toBe(true);
    expect(isCalendarDateOrTime('2025-02-29')).toBe(false);
  });

  it('answers 400, not 500, to huge or non-finite limits, offsets and ids', async () => {
    for (const url of [
      '/api/instruments?limit=1e309',
      '/api/instruments?offset=1e309',
      '/api/instruments?offset=99999999999999999999',
      '/api/instruments?limit=99999999999999999999',
      '/api/audit?offset=99999999999999999999',
      '/api/instruments/99999999999999999999',
      '/api/instruments/2147483648',
      '/api/alerts?instrument_id=99999999999999999999',
    ]) {
      const res = await t.api('GET', url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.details.field, url).toMatch(/limit|offset|id|instrument_id/);
    }
    const body = await t.api('POST', '/api/maintenance', {
      body: { instrument_id: 1e20, action_type: 'inspection', description: 'x' },
    });
    expect(body.status).toBe(400);
    // Query strings are still text that becomes numbers and booleans.
    const page = await t.api('GET', '/api/instruments?limit=2&offset=0&include_deleted=false');
    expect(page.status).toBe(200);
    expect(page.body.limit).toBe(2);
  });
});
