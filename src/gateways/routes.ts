import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Page, PageQuery } from '../http/schemas.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import {
  createGateway,
  deleteGateway,
  getGateway,
  listGateways,
  type PublicGateway,
  resetGatewayPassword,
  toPublicGateway,
  updateGateway,
} from './gateway-service.ts';
import {
  CreateGatewayBody,
  GatewaySchema,
  GatewayWithPassword,
  PatchGatewayBody,
  ResetGatewayPasswordBody,
} from './schemas.ts';

/** Broker users for field gateways, admin only. Changes reach the embedded broker at once. */
export const gatewayRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const now = () => ctx.clock.now().toISOString();
  const withConnections = (g: PublicGateway) => ({
    ...g,
    connections: ctx.ingestion?.connectionsOf(g.username) ?? 0,
  });

  app.get(
    '/gateways',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['gateways'],
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 100 })),
            is_active: Type.Optional(Type.Boolean()),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(GatewaySchema) },
      },
    },
    async (req) => {
      const page = await listGateways(ctx.db, {
        ...req.query,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      });
      return { ...page, items: page.items.map(withConnections) };
    },
  );

  app.post(
    '/gateways',
    {
      config: { role: 'admin' },
      schema: { tags: ['gateways'], body: CreateGatewayBody, response: { 201: GatewayWithPassword } },
    },
    async (req, reply) => {
      const { gateway, password } = await withAfterCommit(ctx, (after) =>
        createGateway(ctx.db, currentUser(req).id, req.body, now(), ctx.config.mqtt.username, after),
      );
      return reply.status(201).send({ gateway: withConnections(gateway), password });
    },
  );

  app.get(
    '/gateways/:id',
    {
      config: { role: 'admin' },
      schema: { tags: ['gateways'], params: IdParams, response: { 200: GatewaySchema } },
    },
    async (req) => withConnections(toPublicGateway(await getGateway(ctx.db, req.params.id))),
  );

  app.patch(
    '/gateways/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['gateways'],
        params: IdParams,
        body: PatchGatewayBody,
        response: { 200: GatewaySchema },
      },
    },
    async (req) => {
      const g = await withAfterCommit(ctx, (after) =>
        updateGateway(ctx.db, currentUser(req).id, req.params.id, req.body, now(), after),
      );
      return withConnections(g);
    },
  );

  app.post(
    '/gateways/:id/reset-password',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['gateways'],
        params: IdParams,
        body: Type.Optional(ResetGatewayPasswordBody),
        response: { 200: GatewayWithPassword },
      },
    },
    async (req) => {
      const { gateway, password } = await withAfterCommit(ctx, (after) =>
        resetGatewayPassword(ctx.db, currentUser(req).id, req.params.id, req.body?.password, now(), after),
      );
      return { gateway: withConnections(gateway), password };
    },
  );

  app.delete(
    '/gateways/:id',
    {
      config: { role: 'admin' },
      schema: { tags: ['gateways'], params: IdParams },
    },
    async (req, reply) => {
      await withAfterCommit(ctx, (after) =>
        deleteGateway(ctx.db, currentUser(req).id, req.params.id, now(), after),
      );
      return reply.status(204).send();
    },
  );
};
