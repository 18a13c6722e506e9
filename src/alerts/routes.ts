import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import {
  Id,
  IdParams,
  Literals,
  Nullable,
  Page,
  PageQuery,
  StrictObject,
  Timestamp,
  toUtc,
} from '../http/schemas.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import { listAlarmEvents } from './alarm-events.ts';
import { alarmScanNow } from './alarm-scheduler.ts';
import { acknowledgeAlert, getAlert, listAlerts, resolveAlert } from './alert-service.ts';
import { shelveAlert, unshelveAlert } from './shelving.ts';
import { ALERT_STATUSES, ALERT_TYPES, SEVERITIES } from './types.ts';

export const AlertSchema = Type.Object({
  id: Type.Integer(),
  instrument_id: Nullable(Type.Integer()),
  tag: Nullable(Type.String()),
  /** Set (e.g. 'ingestion') on an alert about a source rather than an instrument. */
  source: Nullable(Type.String({ description: 'ingestion: the alert is about the data source' })),
  alert_type: Type.String({ description: ALERT_TYPES.join(' | ') }),
  severity: Type.String({ description: SEVERITIES.join(' | ') }),
  status: Type.String({ description: ALERT_STATUSES.join(' | ') }),
  condition: Type.String(),
  message: Type.String(),
  details: Nullable(Type.Record(Type.String(), Type.Unknown())),
  first_seen: Type.String(),
  last_seen: Type.String(),
  occurrence_count: Type.Integer(),
  cleared_at: Nullable(Type.String()),
  suppressed: Type.Boolean(),
  acknowledged_by: Nullable(Type.Integer()),
  acknowledged_by_name: Nullable(Type.String()),
  acknowledged_at: Nullable(Type.String()),
  resolved_by: Nullable(Type.Integer()),
  resolved_by_name: Nullable(Type.String()),
  resolved_at: Nullable(Type.String()),
  resolution_notes: Nullable(Type.String()),
  shelved: Type.Boolean(),
  shelved_at: Nullable(Type.String()),
  shelved_until: Nullable(
    Type.String({ description: 'null while shelved: one-shot, until the condition clears' }),
  ),
  shelved_by: Nullable(Type.Integer()),
  shelved_by_name: Nullable(Type.String()),
  shelve_reason: Nullable(Type.String()),
  work_order_id: Nullable(Type.Integer()),
  created_at: Type.String(),
});

export const AlarmEventsSchema = Type.Array(
  Type.Object({
    id: Type.Integer(),
    at: Type.String(),
    event: Type.String(),
    severity: Type.String(),
    user_id: Nullable(Type.Integer()),
    user_name: Nullable(Type.String()),
    details: Nullable(Type.Record(Type.String(), Type.Unknown())),
  }),
);

export const ShelveBody = StrictObject({
  reason: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }),
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 43_200 })),
});

export const alertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['alerts'];
  const now = () => ctx.clock.now().toISOString();

  app.get(
    '/alerts',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Alerts, newest first. Without `status` only active (not resolved, not shelved, not suppressed) ' +
          'alerts are listed; `status=shelved` lists the shelved ones, `include_shelved` adds them.',
        querystring: Type.Object({
          status: Type.Optional(Literals([...ALERT_STATUSES, 'active', 'shelved', 'all'])),
          alert_type: Type.Optional(Literals(ALERT_TYPES)),
          severity: Type.Optional(Literals(SEVERITIES)),
          instrument_id: Type.Optional(Id),
          tag: Type.Optional(Type.String({ maxLength: 40 })),
          from: Type.Optional(Timestamp),
          to: Type.Optional(Timestamp),
          include_suppressed: Type.Optional(Type.Boolean()),
          include_shelved: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: { 200: Page(AlertSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      return listAlerts(ctx.reads, {
        ...q,
        from: toUtc(q.from),
        to: toUtc(q.to),
        limit: q.limit ?? 50,
        offset: q.offset ?? 0,
      });
    },
  );

  app.get(
    '/alerts/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: AlertSchema } } },
    async (req) => getAlert(ctx.db, req.params.id),
  );

  app.post(
    '/alerts/:id/acknowledge',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'raised -> acknowledged. Of concurrent requests exactly one wins; the others (and any alert ' +
          'not raised) get 409 alert_invalid_transition.',
        params: IdParams,
        body: Type.Optional(StrictObject({ notes: Type.Optional(Type.String({ maxLength: 2000 })) })),
        response: { 200: AlertSchema },
      },
    },
    async (req) => acknowledgeAlert(ctx.db, currentUser(req).id, req.params.id, now(), req.body?.notes),
  );

  app.post(
    '/alerts/:id/resolve',
    {
      config: { role: 'user' },
      schema: {
        tags,
        params: IdParams,
        body: StrictObject({ notes: Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S' }) }),
        response: { 200: AlertSchema },
      },
    },
    async (req) => {
      return withAfterCommit(ctx, (after) =>
        resolveAlert(ctx.db, currentUser(req).id, req.params.id, req.body.notes, now(), after),
      );
    },
  );

  app.post(
    '/alerts/:id/shelve',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Shelves an open alert with a reason: for `minutes` (at most ALERT_SHELVE_MAX_HOURS), or without ' +
          'minutes one-shot until its condition clears. A shelved alert is recorded but not active. An ' +
          'alert already shelved, resolved, or acknowledged meanwhile gets 409 alert_invalid_transition.',
        params: IdParams,
        body: ShelveBody,
        response: { 200: AlertSchema },
      },
    },
    async (req) =>
      shelveAlert(
        ctx.db,
        currentUser(req).id,
        req.params.id,
        req.body,
        now(),
        ctx.config.alarms.shelveMaxHours,
      ),
  );

  app.post(
    '/alerts/:id/unshelve',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Returns a shelved alert to the active list (409 alert_invalid_transition if not shelved).',
        params: IdParams,
        body: Type.Optional(StrictObject({ reason: Type.Optional(Type.String({ maxLength: 2000 })) })),
        response: { 200: AlertSchema },
      },
    },
    async (req) => {
      const alert = await unshelveAlert(
        ctx.db,
        currentUser(req).id,
        req.params.id,
        req.body?.reason ?? null,
        now(),
      );
      return alert as NonNullable<typeof alert>;
    },
  );

  app.get(
    '/alerts/:id/events',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: "The alert's journal: raise, clear, acknowledge, shelve, unshelve, resolve, suppress.",
        params: IdParams,
        response: {
          200: AlarmEventsSchema,
        },
      },
    },
    async (req) => {
      await getAlert(ctx.db, req.params.id);
      return listAlarmEvents(ctx.reads, req.params.id);
    },
  );

  app.post(
    '/alerts/scan-now',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Runs the alarm scan now (expired shelves return, auto-resolve) on the server clock.',
        response: {
          200: Type.Object({ at: Type.String(), unshelved: Type.Integer(), auto_resolved: Type.Integer() }),
        },
      },
    },
    async () => alarmScanNow(ctx),
  );
};
