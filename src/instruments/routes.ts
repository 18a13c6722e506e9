import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { Id, IdParams, Ok, Page, PageQuery } from '../http/schemas.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import {
  createInstrument,
  deleteInstrument,
  getInstrument,
  listInstruments,
  updateInstrument,
} from './instrument-service.ts';
import { listRangeChanges, rerangeInstrument } from './range-changes.ts';
import {
  CreateInstrumentBody,
  Criticality,
  InstrumentSchema,
  InstrumentStatus,
  InstrumentType,
  PatchInstrumentBody,
  RangeChangeSchema,
  RerangeBody,
} from './schemas.ts';

export const instrumentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['instruments'];

  app.get(
    '/instruments',
    {
      config: { role: 'user' },
      schema: {
        tags,
        querystring: Type.Object({
          q: Type.Optional(
            Type.String({
              maxLength: 100,
              description:
                'search (case-insensitive) in tag, description, process unit name, measured variable, ' +
                "location, equipment, and the installed device's manufacturer, model and serial number",
            }),
          ),
          type: Type.Optional(InstrumentType),
          process_unit_id: Type.Optional(Id),
          criticality: Type.Optional(Criticality),
          status: Type.Optional(InstrumentStatus),
          include_deleted: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: { 200: Page(InstrumentSchema) },
      },
    },
    async (req) => {
      const page = await listInstruments(
        ctx.reads,
        { ...req.query, limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 },
        ctx.clock.now(),
      );
      return { ...page, items: page.items.map((i) => ({ ...i, last_reading: ctx.live.lastReading(i.id) })) };
    },
  );

  app.get(
    '/instruments/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: InstrumentSchema } } },
    async (req) => {
      const i = await getInstrument(ctx.db, req.params.id, ctx.clock.now());
      return { ...i, last_reading: ctx.live.lastReading(i.id) };
    },
  );

  app.post(
    '/instruments',
    {
      config: { role: 'admin' },
      schema: { tags, body: CreateInstrumentBody, response: { 201: InstrumentSchema } },
    },
    async (req, reply) => {
      const created = await withAfterCommit(ctx, (after) =>
        createInstrument(ctx.db, currentUser(req).id, req.body, ctx.clock.now(), after),
      );
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/instruments/:id',
    {
      config: { role: 'admin' },
      schema: { tags, params: IdParams, body: PatchInstrumentBody, response: { 200: InstrumentSchema } },
    },
    async (req) => {
      return withAfterCommit(ctx, (after) =>
        updateInstrument(ctx.db, currentUser(req).id, req.params.id, req.body, ctx.clock.now(), after),
      );
    },
  );

  app.post(
    '/instruments/:id/rerange',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Changes the unit and/or range of an instrument that already has readings (a plain PATCH ' +
          'is refused with 409 then). The change is recorded with its effective time and reason; ' +
          'stored readings are never relabelled: those before `effective_at` keep the old unit and range.',
        params: IdParams,
        body: RerangeBody,
        response: { 200: Type.Object({ instrument: InstrumentSchema, change: RangeChangeSchema }) },
      },
    },
    async (req) => {
      return withAfterCommit(ctx, (after) =>
        rerangeInstrument(ctx.db, currentUser(req).id, req.params.id, req.body, ctx.clock.now(), after),
      );
    },
  );

  app.get(
    '/instruments/:id/range-changes',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'The re-ranges of an instrument, oldest first.',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(RangeChangeSchema) }) },
      },
    },
    async (req) => listRangeChanges(ctx.db, req.params.id),
  );

  app.delete(
    '/instruments/:id',
    { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { 200: Ok } } },
    async (req) => {
      await withAfterCommit(ctx, (after) =>
        deleteInstrument(ctx.db, currentUser(req).id, req.params.id, ctx.clock.now(), after),
      );
      return { ok: true };
    },
  );
};
