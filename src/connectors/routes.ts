import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../context.ts';
import { currentUser } from '../http/auth-guard.ts';
import { IdParams, Nullable, StrictObject, StrictPatch } from '../http/schemas.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import { UnprocessableError } from '../shared/errors.ts';
import { CONNECTOR_REGISTRY } from './registry.ts';
import {
  createSource,
  deleteSource,
  findLiveSource,
  getSource,
  listSources,
  MAX_POINTS,
  type PublicSource,
  setSourceEnabled,
  testableConfig,
  updateSource,
} from './source-service.ts';
import { CONNECTOR_KINDS, type ConnectorKind } from './types.ts';

const lit = (xs: readonly string[]) => Type.Union(xs.map((x) => Type.Literal(x)));

export const ConnectorKindSchema = Type.Object({
  kind: Type.String(),
  label: Type.String(),
  secret_fields: Type.Array(Type.String()),
  config_schema: Type.Unknown(),
  point_schema: Type.Unknown(),
});

export const ConnectorStatusSchema = Type.Object({
  state: Type.Union([
    Type.Literal('stopped'),
    Type.Literal('connecting'),
    Type.Literal('connected'),
    Type.Literal('error'),
  ]),
  last_error: Nullable(Type.String()),
  last_reading_at: Nullable(Type.String()),
  readings_per_minute: Type.Number(),
  details: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()])),
  ),
});

export const ConnectorSourceSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  name: Type.String(),
  enabled: Type.Boolean(),
  config: Type.Record(Type.String(), Type.Unknown(), { description: 'the config without its secret fields' }),
  secrets_set: Type.Array(Type.String(), { description: 'secret fields that hold a value (never returned)' }),
  points: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  status: ConnectorStatusSchema,
  created_at: Type.String(),
  updated_at: Type.String(),
});

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const ConfigBody = Type.Unknown({
  description:
    "the kind's config object (GET /api/connectors/kinds gives its schema); secret fields in clear",
});
const PointsBody = Type.Array(Type.Unknown(), {
  maxItems: MAX_POINTS,
  description: "point mappings, each validated with the kind's point schema",
});
export const ConnectorTestResult = Type.Object({ ok: Type.Boolean(), message: Type.String() });

export const connectorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['connectors'];
  const withStatus = (s: PublicSource) => ({ ...s, status: statusOf(ctx, s.id) });
  const box = () => {
    if (!ctx.connectorSecrets) throw new Error('connector secrets are not set up');
    return ctx.connectorSecrets;
  };

  app.get(
    '/connectors/kinds',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'The connector kinds of this build, with the JSON schemas of their config and point mapping.',
        response: {
          200: Type.Array(ConnectorKindSchema),
        },
      },
    },
    async () =>
      CONNECTOR_KINDS.flatMap((kind) => {
        const spec = CONNECTOR_REGISTRY[kind];
        return spec
          ? [
              {
                kind,
                label: spec.label,
                secret_fields: [...spec.secretFields],
                config_schema: spec.configSchema,
                point_schema: spec.pointSchema,
              },
            ]
          : [];
      }),
  );

  app.get(
    '/connectors/sources',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Every connector source with its live status.',
        response: { 200: Type.Object({ items: Type.Array(ConnectorSourceSchema) }) },
      },
    },
    async () => ({ items: (await listSources(ctx.db)).map(withStatus) }),
  );

  app.get(
    '/connectors/sources/:id',
    {
      config: { role: 'admin' },
      schema: { tags, params: IdParams, response: { 200: ConnectorSourceSchema } },
    },
    async (req) => withStatus(await getSource(ctx.db, req.params.id)),
  );

  app.post(
    '/connectors/sources',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Adds a source. Secret config fields (password, private_key) are stored encrypted and never returned. ' +
          'A name already in use is 409 connector_source_name_taken.',
        body: StrictObject({
          kind: lit(CONNECTOR_KINDS),
          name: Name,
          enabled: Type.Optional(Type.Boolean()),
          config: ConfigBody,
          points: Type.Optional(PointsBody),
        }),
        response: { 201: ConnectorSourceSchema },
      },
    },
    async (req, reply) => {
      const s = await withAfterCommit(ctx, (after) =>
        createSource(ctx.db, box(), currentUser(req).id, req.body, ctx.clock.now(), after),
      );
      return reply.status(201).send(withStatus(s));
    },
  );

  app.patch(
    '/connectors/sources/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Changes name, config or points (the source restarts). A secret field left out keeps its stored value; null removes it.',
        params: IdParams,
        body: StrictPatch({ name: Name, config: ConfigBody, points: PointsBody }),
        response: { 200: ConnectorSourceSchema },
      },
    },
    async (req) => {
      const s = await withAfterCommit(ctx, (after) =>
        updateSource(ctx.db, box(), currentUser(req).id, req.params.id, req.body, ctx.clock.now(), after),
      );
      return withStatus(s);
    },
  );

  for (const action of ['enable', 'disable'] as const) {
    app.post(
      `/connectors/sources/:id/${action}`,
      {
        config: { role: 'admin' },
        schema: {
          tags,
          description: `${action === 'enable' ? 'Starts' : 'Stops'} the source. Already ${action}d: 409.`,
          params: IdParams,
          response: { 200: ConnectorSourceSchema },
        },
      },
      async (req) => {
        const s = await withAfterCommit(ctx, (after) =>
          setSourceEnabled(
            ctx.db,
            currentUser(req).id,
            req.params.id,
            action === 'enable',
            ctx.clock.now(),
            after,
          ),
        );
        return withStatus(s);
      },
    );
  }

  app.delete(
    '/connectors/sources/:id',
    { config: { role: 'admin' }, schema: { tags, params: IdParams } },
    async (req, reply) => {
      await withAfterCommit(ctx, (after) =>
        deleteSource(ctx.db, currentUser(req).id, req.params.id, ctx.clock.now(), after),
      );
      return reply.status(204).send();
    },
  );

  app.post(
    '/connectors/sources/:id/test',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Tries to connect with the stored config, or with `config` given here (stored secrets fill any left out). ' +
          'Answers ok false with the reason when the connection fails.',
        params: IdParams,
        body: Type.Optional(StrictObject({ config: Type.Optional(ConfigBody) })),
        response: { 200: ConnectorTestResult },
      },
    },
    async (req) => {
      const row = await findLiveSource(ctx.db, req.params.id);
      if (!row) await getSource(ctx.db, req.params.id); // 404
      const stored = row ?? null;
      const config = testableConfig(
        box(),
        stored?.kind ?? '',
        req.params.id,
        req.body?.config ?? publicConfigOf(stored),
        stored,
      );
      // The stored points too, so the test reads what the source maps (its first registers, its nodes).
      return runTest(ctx, {
        id: req.params.id,
        kind: stored?.kind as ConnectorKind,
        name: stored?.name ?? '',
        config,
        points: stored ? (JSON.parse(stored.points) as Record<string, unknown>[]) : [],
      });
    },
  );

  app.post(
    '/connectors/test',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Tries a config before it is saved ("Test connection" in the new-source form).',
        body: StrictObject({ kind: lit(CONNECTOR_KINDS), config: ConfigBody }),
        response: { 200: ConnectorTestResult },
      },
    },
    async (req) => {
      const config = testableConfig(box(), req.body.kind, null, req.body.config, null);
      return runTest(ctx, { id: 0, kind: req.body.kind, name: 'test', config, points: [] });
    },
  );
};

/** The stored config with its secrets left out (testableConfig opens them again). */
function publicConfigOf(row: { config: string } | null): Record<string, unknown> {
  if (!row) return {};
  const c = JSON.parse(row.config) as Record<string, unknown>;
  for (const [k, v] of Object.entries(c)) if (typeof v === 'string' && v.startsWith('enc:v1:')) delete c[k];
  return c;
}

async function runTest(
  ctx: AppContext,
  s: {
    id: number;
    kind: ConnectorKind;
    name: string;
    config: Record<string, unknown>;
    points: Record<string, unknown>[];
  },
): Promise<{ ok: boolean; message: string }> {
  if (!ctx.connectors)
    throw new UnprocessableError('connector_kind_unavailable', 'connectors are not running in this process');
  try {
    const message = await ctx.connectors.test({ ...s, enabled: false });
    return { ok: true, message };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function statusOf(ctx: AppContext, id: number) {
  const s = ctx.connectors?.status(id) ?? {
    state: 'stopped' as const,
    lastError: null,
    lastReadingAt: null,
    readingsPerMinute: 0,
  };
  return {
    state: s.state,
    last_error: s.lastError,
    last_reading_at: s.lastReadingAt,
    readings_per_minute: s.readingsPerMinute,
    ...(s.details ? { details: s.details } : {}),
  };
}
