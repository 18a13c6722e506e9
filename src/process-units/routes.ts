import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Nullable, Ok, Page, StrictObject, StrictPatch } from '../http/schemas.ts';
import {
  createProcessUnit,
  deleteProcessUnit,
  getProcessUnit,
  listProcessUnits,
  toPublicProcessUnit,
  updateProcessUnit,
} from './process-unit-service.ts';

export const ProcessUnit = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Nullable(Type.String()),
  plant_area: Nullable(Type.String()),
  instrument_count: Type.Integer(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export const ProcessUnitBody = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  plant_area: Type.Optional(Nullable(Type.String({ maxLength: 120 }))),
});

export const processUnitRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const now = () => ctx.clock.now().toISOString();
  const tags = ['process-units'];

  app.get(
    '/process-units',
    { config: { role: 'user' }, schema: { tags, response: { 200: Page(ProcessUnit) } } },
    async () => listProcessUnits(ctx.db),
  );
  app.get(
    '/process-units/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: ProcessUnit } } },
    async (req) => toPublicProcessUnit(await getProcessUnit(ctx.db, req.params.id)),
  );
  app.post(
    '/process-units',
    { config: { role: 'admin' }, schema: { tags, body: ProcessUnitBody, response: { 201: ProcessUnit } } },
    async (req, reply) =>
      reply.status(201).send(await createProcessUnit(ctx.db, currentUser(req).id, req.body, now())),
  );
  app.patch(
    '/process-units/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        params: IdParams,
        body: StrictPatch(ProcessUnitBody.properties),
        response: { 200: ProcessUnit },
      },
    },
    async (req) => updateProcessUnit(ctx.db, currentUser(req).id, req.params.id, req.body, now()),
  );
  app.delete(
    '/process-units/:id',
    { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { 200: Ok } } },
    async (req) => {
      await deleteProcessUnit(ctx.db, currentUser(req).id, req.params.id, now());
      return { ok: true };
    },
  );
};
