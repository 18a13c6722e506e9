import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Calibration, maintenance and work-order additions: the condition-based interval kept on the
 * instrument, the SLA breach flag on work orders (set once, kept for SLA reporting), the plan a
 * preventive work order came from, and the kind of a notification.
 */
export async function up(db: Db): Promise<void> {
  const ts = db.getExecutor().adapter instanceof PostgresAdapter ? 'timestamptz' : 'text';

  await db.schema.alterTable('instruments').addColumn('predicted_interval_days', 'integer').execute();
  await db.schema.alterTable('instruments').addColumn('predicted_interval_at', ts).execute();

  await db.schema
    .alterTable('work_orders')
    .addColumn('sla_breached', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('work_orders').addColumn('sla_breached_at', ts).execute();
  await db.schema
    .alterTable('work_orders')
    .addColumn('pm_plan_id', 'integer', (c) => c.references('pm_plans.id'))
    .execute();
  await db.schema.createIndex('work_orders_alert').on('work_orders').column('alert_id').execute();
  await db.schema
    .createIndex('work_orders_calibration_record')
    .on('work_orders')
    .column('calibration_record_id')
    .execute();

  // "Is this calibration superseded by a correction?" is asked for every due-date computation.
  await db.schema
    .createIndex('calibration_records_corrects')
    .on('calibration_records')
    .column('corrects_id')
    .execute();

  await db.schema
    .alterTable('notifications')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('assignment'))
    .execute();

  await db.schema.createIndex('pm_plans_due').on('pm_plans').columns(['is_active', 'next_due']).execute();
  await db.schema
    .createIndex('password_reset_tokens_user')
    .on('password_reset_tokens')
    .column('user_id')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migration 0004 cannot be reverted');
}
