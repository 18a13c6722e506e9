import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert, resolveAlert } from '../../src/alerts/alert-service.ts';
import { AfterCommit } from '../../src/notifications/after-commit.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { publishReadings, reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const DAY = 86_400_000;

describe('GET /api/dashboard/summary', () => {
  let t: TestApp;
  let unitId = 0;
  const inst: Record<string, { id: number; tag: string }> = {};

  beforeAll(async () => {
    t = await startTestApp();
    const now = t.server.ctx.clock.now();
    const at = now.toISOString();
    const db = t.server.ctx.db;
    unitId = (await t.api('POST', '/api/process-units', { body: { name: 'Leach Plant' } })).body.id;
    inst.live = await makeInstrument(t, { process_unit_id: unitId, criticality: 'critical' });
    inst.alarmed = await makeInstrument(t, { process_unit_id: unitId });
    inst.modelled = await makeInstrument(t);
    inst.old = await makeInstrument(t, { calibration_interval_days: 30 });
    // Registered 40 days ago with a 30-day interval and never calibrated: overdue.
    await db
      .updateTable('instruments')
      .set({ created_at: new Date(now.getTime() - 40 * DAY).toISOString(), updated_at: at })
      .where('id', '=', inst.old.id)
      .execute();
    // Written behind the services' backs: the register in memory learns it as its periodic refresh would.
    await t.server.ctx.ingestion.instruments.refresh();

    const raise = (
      id: number,
      alertType: 'rule_violation' | 'drift' | 'anomaly',
      conditionKey: string,
      severity: 'warning' | 'critical',
    ) =>
      raiseAlert(db, {
        instrumentId: id,
        alertType,
        conditionKey,
        severity,
        message: `${alertType} ${conditionKey}`,
        at,
      });
    await raise(inst.alarmed.id, 'rule_violation', 'high_critical', 'critical');
    await raise(inst.alarmed.id, 'drift', 'cusum_up', 'warning');
    await raise(inst.alarmed.id, 'anomaly', 'isolation_forest', 'warning');
    const gone = await raise(inst.modelled.id, 'rule_violation', 'low_warning', 'warning');
    await resolveAlert(db, 1, gone.alert.id, 'transmitter replaced', at, new AfterCommit());
    await db
      .insertInto('ml_model_versions')
      .values({
        instrument_id: inst.modelled.id,
        tag: inst.modelled.tag,
        version: 1,
        trained_at: at,
        trained_by: null,
        windows_used: 500,
        contamination: 0.05,
        threshold: 0.6,
        feature_set_version: 1,
        is_active: 1,
        model_file: 'models/x.json',
        metrics: null,
        created_at: at,
        updated_at: at,
      })
      .execute();

    const wo = async (id: number, title: string) =>
      (
        await t.api('POST', '/api/work-orders', {
          body: { instrument_id: id, title, type: 'corrective', priority: 'medium' },
        })
      ).body.id as number;
    await wo(inst.live.id, 'open one');
    const started = await wo(inst.alarmed.id, 'in progress one');
    const cancelled = await wo(inst.modelled.id, 'cancelled one');
    await t.api('PATCH', `/api/work-orders/${started}`, { body: { status: 'in_progress' } });
    await t.api('PATCH', `/api/work-orders/${cancelled}`, {
      body: { status: 'cancelled', cancel_reason: 'not needed' },
    });

    await publishReadings(t, [reading(inst.live.tag, now, 5.25)]);
  });
  afterAll(() => t?.stop());

  const summary = async (q = '') => {
    const res = await t.api('GET', `/api/dashboard/summary${q}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  it('counts the four KPIs', async () => {
    const s = await summary();
    const activeAlerts = await t.api('GET', '/api/alerts?limit=1');
    expect(s).toMatchObject({
      total_instruments: 4,
      calibration_overdue: 1,
      active_alerts: 3,
      open_work_orders: 2,
    });
    expect(s.active_alerts).toBe(activeAlerts.body.total);
  });

  it('gives each instrument a health card with badges and the live reading', async () => {
    const s = await waitUntil(
      () => summary(),
      (b) => b.instruments.find((c: any) => c.id === inst.live.id)?.last_reading !== null,
      { what: 'the published reading on the card' },
    );
    const card = (k: string) => s.instruments.find((c: any) => c.id === inst[k].id);
    expect(card('live')).toMatchObject({
      tag: inst.live.tag,
      type: 'pressure',
      unit: 'bar',
      process_unit_id: unitId,
      process_unit_name: 'Leach Plant',
      criticality: 'critical',
      last_reading: { value: 5.25, quality: 'good' },
      health_score: 100,
      badges: { rule: 'ok', drift: 'ok', ml: 'no_model', quality: 'good' },
      open_alerts: 0,
    });
    // 20 (critical rule) + 10/2 (drift) + 10/2 (anomaly) = 30 for alerts, 15 for no data: 55.
    expect(card('alarmed')).toMatchObject({
      health_score: 55,
      health_parts: { alerts: 30, freshness: 15 },
      badges: { rule: 'critical', drift: 'drifting', ml: 'anomaly', quality: 'no_data' },
      open_alerts: 3,
      worst_severity: 'critical',
    });
    expect(card('modelled').badges.ml).toBe('ok');
    expect(card('old')).toMatchObject({ calibration_overdue: true });
    expect(card('old').health_parts.calibration).toBeGreaterThan(10);
  });

  it('narrows tiles and cards to a process unit', async () => {
    const s = await summary(`?process_unit_id=${unitId}`);
    expect(s.instruments.map((c: any) => c.tag).sort()).toEqual([inst.live.tag, inst.alarmed.tag].sort());
    expect(s).toMatchObject({
      total_instruments: 2,
      calibration_overdue: 0,
      active_alerts: 3,
      open_work_orders: 2,
    });
    const bad = await t.api('GET', '/api/dashboard/summary?process_unit_id=999999');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('process_unit_id');
  });

  it('follows a predicted calibration interval refreshed without an instrument event', async () => {
    const made = await makeInstrument(t, { calibration_interval_days: 365, use_predicted_interval: true });
    const due = async () =>
      (await summary(`?search=${made.tag}`)).instruments.find((c: any) => c.id === made.id)
        ?.next_calibration_due as string;
    const created = Date.parse((await t.api('GET', `/api/instruments/${made.id}`)).body.created_at as string);
    expect(Date.parse(await due()) - created).toBe(365 * DAY);
    // What the hourly refresh writes (src/instruments/predicted-interval.ts): the value only, no event.
    await t.server.ctx.db
      .updateTable('instruments')
      .set({ predicted_interval_days: 90 })
      .where('id', '=', made.id)
      .execute();
    expect(Date.parse(await due()) - created).toBe(90 * DAY);
  });
});
