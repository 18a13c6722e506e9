// The Sparkplug B connector kind: its schemas, its secret fields and its adapter factory.
import { defineConnectorKind } from '../kind-spec.ts';
import { SparkplugAdapter } from './adapter.ts';
import {
  type SparkplugConfig,
  SparkplugConfigSchema,
  type SparkplugPoint,
  SparkplugPointSchema,
} from './schemas.ts';

export { SparkplugAdapter } from './adapter.ts';
export { SparkplugConfigSchema, SparkplugPointSchema } from './schemas.ts';

export const sparkplugKind = defineConnectorKind<SparkplugConfig, SparkplugPoint>({
  label: 'MQTT Sparkplug B',
  configSchema: SparkplugConfigSchema,
  pointSchema: SparkplugPointSchema,
  secretFields: ['password'],
  factory: ({ sourceId, name, config, points, sink, log, env }) =>
    new SparkplugAdapter({
      sourceId,
      name,
      config,
      points,
      sink,
      log,
      embeddedBroker: () => env.embeddedBroker(),
      knownTag: (tag) => sink.knows?.(tag) ?? false,
    }),
});
