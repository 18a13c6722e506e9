import { type Static, Type } from 'typebox';

const Name = (description: string) =>
  Type.String({ minLength: 1, maxLength: 200, pattern: '^[^/#+]+$', description });

/** A Sparkplug B source: a broker (the embedded one, or a URL) and which groups to follow. */
export const SparkplugConfigSchema = Type.Object(
  {
    broker: Type.String({
      minLength: 1,
      maxLength: 500,
      pattern: '^(embedded|mqtts?://.+)$',
      description: '"embedded" (this CMMS\'s own broker) or mqtt://host:port / mqtts://host:port',
    }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    password: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'secret: stored encrypted' }),
    ),
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._-]+$' })),
    group_id: Type.Optional(Name('only this Sparkplug group (default: every group, spBv1.0/#)')),
    map_metric_names: Type.Optional(
      Type.Boolean({
        description: 'metrics named exactly like an instrument tag feed it without a point mapping',
      }),
    ),
    rebirth_on_gap: Type.Optional(
      Type.Boolean({
        description: 'send Node Control/Rebirth when a sequence number is skipped (default true)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SparkplugConfig = Static<typeof SparkplugConfigSchema>;

/** One metric of one edge node (or device) -> an instrument, with a linear conversion. */
export const SparkplugPointSchema = Type.Object(
  {
    tag: Type.String({ minLength: 1, maxLength: 100, description: 'the instrument this metric feeds' }),
    group_id: Name('Sparkplug group id'),
    edge_node_id: Name('edge node id'),
    device_id: Type.Optional(Name('device id (omit for a metric of the edge node itself)')),
    metric: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'metric name as in the BIRTH certificate',
    }),
    scale: Type.Optional(
      Type.Number({ description: 'engineering value = raw * scale + offset (default 1)' }),
    ),
    offset: Type.Optional(Type.Number({ description: 'default 0' })),
  },
  { additionalProperties: false },
);
export type SparkplugPoint = Static<typeof SparkplugPointSchema>;
