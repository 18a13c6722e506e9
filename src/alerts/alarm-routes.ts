// Alarm management routes (issue 14): the KPI page's data and instruments out of service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { DATE_OR_TIME } from '../http/request-validation.ts';
import { Id, IdParams, Nullable, StrictObject } from '../http/schemas.ts';
import { alarmKpis } from './alarm-kpis.ts';
import {
  instrumentsOutOfService,
  openOutOfService,
  outOfServicePeriods,
  returnToService,
  takeOutOfService,
} from './out-of-service.ts';

export const Period = Type.Object({
  id: Type.Integer(),
  instrument_id: Type.Integer(),
  source: Type.String({ description: 'manual | work_order' }),
  work_order_id: Nullable(Type.Integer()),
  reason: Type.String(),
  started_at: Type.String(),
  started_by: Nullable(Type.Integer()),
  started_by_name: Nullable(Type.String()),
  ended_at: Nullable(Type.String()),
  ended_by: Nullable(Type.Integer()),
  end_reason: Nullable(Type.String()),
});

export const OutOfServiceState = Type.Object({
  instrument_id: Type.Integer(),
  out_of_service: Type.Boolean(),
  open: Type.Array(Period),
  history: Type.Array(Period),
});

export const alarmRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['alarms'];
  const now = () => ctx.clock.now().toISOString();

  app.get(
    '/alarm-kpis',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Alarm system KPIs (ISA-18.2 / EEMUA 191) over [from, to) from the alarm event log, each with its ' +
          'target. Default: the last 7 days. from must be before to; at most 92 days.',
        querystring: Type.Object({
          from: Type.Optional(Type.String({ format: DATE_OR_TIME })),
          to: Type.Optional(Type.String({ format: DATE_OR_TIME })),
          process_unit_id: Type.Optional(Id),
        }),
      },
    },
    async (req) => alarmKpis(ctx.reads, req.query, ctx.clock.now()),
  );

  app.get(
    '/out-of-service',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'Ids of the instruments whose alarms are out of service now (the register badge).',
        response: { 200: Type.Object({ instrument_ids: Type.Array(Type.Integer()) }) },
      },
    },
    async () => ({ instrument_ids: await instrumentsOutOfService(ctx.db) }),
  );

  const state = async (instrumentId: number) => {
    const open = await openOutOfService(ctx.db, instrumentId);
    const history = await outOfServicePeriods(ctx.db, instrumentId, '1970-01-01T00:00:00.000Z', now());
    return {
      instrument_id: instrumentId,
      out_of_service: open.length > 0,
      open,
      history: history.reverse().slice(0, 50),
    };
  };

  app.get(
    '/instruments/:id/out-of-service',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: "The instrument's out-of-service state: open periods (manual, work orders) and history.",
        params: IdParams,
        response: { 200: OutOfServiceState },
      },
    },
    async (req) => state(req.params.id),
  );

  app.post(
    '/instruments/:id/out-of-service',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          "Takes the instrument's alarms out of service: raised alarms are recorded as suppressed and its " +
          'data kept out of ML training until it returns to service. 409 instrument_out_of_service if it already is.',
        params: IdParams,
        body: StrictObject({ reason: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }) }),
        response: { 200: OutOfServiceState },
      },
    },
    async (req) => {
      await takeOutOfService(ctx.db, currentUser(req).id, req.params.id, req.body.reason, now());
      return state(req.params.id);
    },
  );

  app.post(
    '/instruments/:id/return-to-service',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Ends the explicit out-of-service period (409 instrument_in_service if there is none). Periods of ' +
          'work orders in progress end when the work order closes.',
        params: IdParams,
        body: Type.Optional(StrictObject({ reason: Type.Optional(Type.String({ maxLength: 2000 })) })),
        response: { 200: OutOfServiceState },
      },
    },
    async (req) => {
      await returnToService(ctx.db, currentUser(req).id, req.params.id, req.body?.reason ?? null, now());
      return state(req.params.id);
    },
  );
};
