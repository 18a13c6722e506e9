import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { Nullable, StrictObject } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { FAULT_KINDS, PARAMS } from './fault-spec.ts';
import type { SimulatorRuntime } from './runtime.ts';

const FaultKindSchema = Type.Union(FAULT_KINDS.map((k) => Type.Literal(k)));

export const FaultStatusSchema = Type.Object({
  tag: Type.String(),
  kind: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  started_at: Type.String(),
  ends_at: Nullable(Type.String()),
});

export const StatusSchema = Type.Object({
  running: Type.Boolean(),
  connected: Type.Boolean(),
  broker: Type.String(),
  instruments: Type.Integer(),
  rate_multiplier: Type.Number(),
  published: Type.Integer(),
  skipped: Type.Integer(),
  started_at: Nullable(Type.String()),
  faults: Type.Array(FaultStatusSchema),
});

const Tag = Type.String({ minLength: 1, maxLength: 40 });

const FaultParamFields = Object.fromEntries(
  ['durationSeconds', ...new Set(Object.values(PARAMS).flat())].map((name) => [
    name,
    Type.Optional(
      name === 'direction' ? Type.Union([Type.Literal('low'), Type.Literal('high')]) : Type.Number(),
    ),
  ]),
);

// Every parameter of any kind is declared here (unknown fields are a 400); which ones suit
// the kind, parseFaultSpec checks and names a bad field.
export const InjectFaultBody = StrictObject({ tag: Tag, kind: FaultKindSchema, ...FaultParamFields });

export const simulatorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['simulator'];
  const runtime = (): SimulatorRuntime => {
    if (!ctx.simulator)
      throw new AppError('simulator_unavailable', 'the simulator is not available in this process', 503);
    return ctx.simulator;
  };

  app.get(
    '/simulator/status',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Whether the simulator runs, where it publishes, and the injected faults.',
        response: { 200: StatusSchema },
      },
    },
    async () => runtime().status(),
  );

  app.post(
    '/simulator/start',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          "Starts publishing every instrument (or `tags`) to the configured broker. `rate_multiplier` publishes n times as often as each instrument's interval.",
        body: Type.Optional(
          StrictObject({
            rate_multiplier: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
            tags: Type.Optional(Type.Array(Tag, { minItems: 1, maxItems: 10_000, uniqueItems: true })),
          }),
        ),
        response: { 200: StatusSchema },
      },
    },
    async (req) =>
      runtime().start(
        { rateMultiplier: req.body?.rate_multiplier, tags: req.body?.tags },
        currentUser(req).id,
      ),
  );

  app.post(
    '/simulator/stop',
    { config: { role: 'admin' }, schema: { tags, response: { 200: StatusSchema } } },
    async (req) => runtime().stop(currentUser(req).id),
  );

  app.post(
    '/simulator/faults',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Injects a fault from now: `{ tag, kind, ...params }`. Kinds and parameters: drift (ratePctPerDay | ratePerDay), bias (offset | offsetPct), stuck [value], spike [magnitude | magnitudePct] [intervalSeconds], out_of_range [direction low|high] [mA], dropout, oscillation periodSeconds [amplitude | amplitudePct]; every kind takes durationSeconds.',
        body: InjectFaultBody,
        response: { 201: FaultStatusSchema },
      },
    },
    async (req, reply) => reply.status(201).send(await runtime().injectFault(req.body, currentUser(req).id)),
  );

  app.delete(
    '/simulator/faults',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: "Clears injected faults: all, one instrument's (`tag`), or one kind (`kind`).",
        querystring: Type.Object({ tag: Type.Optional(Tag), kind: Type.Optional(FaultKindSchema) }),
        response: { 200: Type.Object({ cleared: Type.Integer() }) },
      },
    },
    async (req) => ({
      cleared: await runtime().clearFaults(req.query.tag, req.query.kind, currentUser(req).id),
    }),
  );
};
