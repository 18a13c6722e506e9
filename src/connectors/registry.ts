// The kinds of connector this build knows: each with the TypeBox schemas of its source config and
// of one point mapping, the config fields that are secrets (stored encrypted, never returned), and
// the factory that builds its adapter. Adding a protocol is one entry here.
//
// Every point schema has a `tag` (the instrument the point feeds); every schema refuses unknown
// fields (additionalProperties: false), so a typo in a mapping is a 400, not a silent default.

import type { ConnectorKindSpec } from './kind-spec.ts';
import { modbusKind } from './modbus/index.ts';
import { opcuaKind } from './opcua/index.ts';
import { sparkplugKind } from './sparkplug/index.ts';
import type { ConnectorKind } from './types.ts';

export type { ConnectorKindSpec } from './kind-spec.ts';

export const CONNECTOR_REGISTRY: Partial<Record<ConnectorKind, ConnectorKindSpec>> = {
  sparkplug: sparkplugKind,
  opcua: opcuaKind,
  modbus: modbusKind,
};

export function connectorKind(kind: string): ConnectorKindSpec | undefined {
  return Object.hasOwn(CONNECTOR_REGISTRY, kind) ? CONNECTOR_REGISTRY[kind as ConnectorKind] : undefined;
}
