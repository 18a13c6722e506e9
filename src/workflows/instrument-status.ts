// GET /api/instruments/{id}/status: the live picture of one instrument in one answer, read across
// the instrument register, the detectors, the models and the alerts.
import type { AppContext } from '../context.ts';
import { type HealthContext, healthInputsJson, healthOf } from '../instruments/health-service.ts';
import { getInstrument } from '../instruments/instrument-service.ts';
import { activeModelRows } from '../ml/model-service.ts';

export async function instrumentStatus(ctx: HealthContext & Pick<AppContext, 'db'>, id: number, now: Date) {
  const instrument = await getInstrument(ctx.db, id, now);
  const [health, [model], openAlerts] = await Promise.all([
    healthOf(ctx, id, now),
    activeModelRows(ctx.db, id),
    ctx.db
      .selectFrom('alert_records')
      .select([
        'id',
        'alert_type',
        'condition_key',
        'severity',
        'status',
        'message',
        'first_seen',
        'last_seen',
      ])
      .where('instrument_id', '=', id)
      .where('status', '<>', 'resolved')
      .where('suppressed', '=', 0)
      .orderBy('last_seen', 'desc')
      .execute(),
  ]);
  const modelRow = model
    ? await ctx.db
        .selectFrom('ml_model_versions')
        .select([
          'version',
          'trained_at',
          'windows_used',
          'contamination',
          'threshold',
          'feature_set_version',
        ])
        .where('instrument_id', '=', id)
        .where('version', '=', model.version)
        .executeTakeFirst()
    : undefined;
  const snap = ctx.monitor.snapshot(id);
  const anomaly = ctx.anomaly.snapshot(id);
  const cusum = snap?.cusum ?? null;
  return {
    instrument_id: instrument.id,
    tag: instrument.tag,
    unit: instrument.unit,
    status: instrument.status,
    generated_at: now.toISOString(),
    live: ctx.live.lastReading(id),
    rules: snap?.rules ?? null,
    signal: snap?.signal ?? null,
    cusum: cusum
      ? {
          ...cusum,
          statistic: Math.max(cusum.s_plus, cusum.s_minus),
          /** max(S+, S-) / h: an alarm at > 1. */
          ratio_to_h: cusum.h > 0 ? Math.max(cusum.s_plus, cusum.s_minus) / cusum.h : null,
        }
      : null,
    stuck: snap?.stuck ?? null,
    data_gap: snap?.data_gap ?? null,
    anomaly,
    model: modelRow ?? null,
    calibration: {
      last_calibration_at: instrument.last_calibration_at,
      next_calibration_due: instrument.next_calibration_due,
      calibration_overdue: instrument.calibration_overdue,
    },
    open_alerts: openAlerts.map((a) => ({
      id: a.id,
      alert_type: a.alert_type,
      condition: a.condition_key,
      severity: a.severity,
      status: a.status,
      message: a.message,
      first_seen: a.first_seen,
      last_seen: a.last_seen,
    })),
    health_score: health?.health_score ?? null,
    health_parts: health?.health_parts ?? null,
    health_inputs: health ? healthInputsJson(health.health_inputs) : null,
  };
}
