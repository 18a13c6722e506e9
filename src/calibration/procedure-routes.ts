import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Ok, Page, PageQuery } from '../http/schemas.ts';
import {
  AssignProcedureBody,
  CreateProcedureBody,
  InstrumentProcedureSchema,
  PatchProcedureBody,
  ProcedureSchema,
} from './procedure-schemas.ts';
import {
  assignProcedure,
  createProcedure,
  deleteProcedure,
  getProcedure,
  instrumentProcedure,
  listProcedures,
  type ProcedureInput,
  updateProcedure,
} from './procedures.ts';

export const calibrationProcedureRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['calibration procedures'];

  app.get(
    '/calibration-procedures',
    {
      config: { role: 'user' },
      schema: {
        tags,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          include_deleted: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: { 200: Page(ProcedureSchema) },
      },
    },
    async (req) =>
      listProcedures(ctx.db, { ...req.query, limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 }),
  );

  app.get(
    '/calibration-procedures/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: ProcedureSchema } } },
    async (req) => getProcedure(ctx.db, req.params.id),
  );

  app.post(
    '/calibration-procedures',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'A calibration procedure: test points (% of span), direction (up, down, up_down), cycles, ' +
          'tolerance rule (pct_span | pct_reading | pct_urv | units; fail and optional adjust limit; ' +
          'guard band) and transfer function (linear, sqrt, pt100, type_k) when input and output differ.',
        body: CreateProcedureBody,
        response: { 201: ProcedureSchema },
      },
    },
    async (req, reply) => {
      const created = await createProcedure(
        ctx.db,
        currentUser(req).id,
        req.body as ProcedureInput,
        ctx.clock.now(),
      );
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/calibration-procedures/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Edits a procedure as a new revision; records keep the revision they followed.',
        params: IdParams,
        body: PatchProcedureBody,
        response: { 200: ProcedureSchema },
      },
    },
    async (req) =>
      updateProcedure(
        ctx.db,
        currentUser(req).id,
        req.params.id,
        req.body as Partial<ProcedureInput>,
        ctx.clock.now(),
      ),
  );

  app.delete(
    '/calibration-procedures/:id',
    { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { 200: Ok } } },
    async (req) => {
      await deleteProcedure(ctx.db, currentUser(req).id, req.params.id, ctx.clock.now());
      return { ok: true };
    },
  );

  app.get(
    '/instruments/:id/calibration-procedure',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: "The procedure the instrument follows: its own, else its type's (source), else none.",
        params: IdParams,
        response: { 200: InstrumentProcedureSchema },
      },
    },
    async (req) => instrumentProcedure(ctx.db, req.params.id),
  );

  app.put(
    '/instruments/:id/calibration-procedure',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Assigns a procedure to the instrument (null removes the assignment).',
        params: IdParams,
        body: AssignProcedureBody,
        response: { 200: InstrumentProcedureSchema },
      },
    },
    async (req) => {
      await assignProcedure(
        ctx.db,
        currentUser(req).id,
        { instrument_id: req.params.id },
        req.body.procedure_id,
        ctx.clock.now(),
      );
      return instrumentProcedure(ctx.db, req.params.id);
    },
  );

  app.put(
    '/instrument-types/:type/calibration-procedure',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Assigns a procedure to every instrument of a type (e.g. pressure) that has none of its own ' +
          '(null removes it).',
        params: Type.Object({ type: Type.String({ minLength: 1, maxLength: 40, pattern: '^\\S+$' }) }),
        body: AssignProcedureBody,
        response: {
          200: Type.Object({
            instrument_type: Type.String(),
            procedure_id: Type.Union([Type.Integer(), Type.Null()]),
          }),
        },
      },
    },
    async (req) => {
      await assignProcedure(
        ctx.db,
        currentUser(req).id,
        { instrument_type: req.params.type },
        req.body.procedure_id,
        ctx.clock.now(),
      );
      return { instrument_type: req.params.type, procedure_id: req.body.procedure_id };
    },
  );
};
