// OPC UA connector kind: its schemas, secret fields and adapter factory.
import { defineConnectorKind, lazyFactory } from '../kind-spec.ts';
import {
  OPCUA_SECRET_FIELDS,
  type OpcuaConfig,
  OpcuaConfigSchema,
  type OpcuaPoint,
  OpcuaPointSchema,
  opcuaConfigProblems,
  opcuaPointProblems,
} from './schemas.ts';

export {
  OPCUA_SECRET_FIELDS,
  type OpcuaConfig,
  OpcuaConfigSchema,
  type OpcuaPoint,
  OpcuaPointSchema,
  opcuaConfigProblems,
  opcuaPointProblems,
} from './schemas.ts';

export const opcuaKind = defineConnectorKind<OpcuaConfig, OpcuaPoint>({
  label: 'OPC UA',
  configSchema: OpcuaConfigSchema,
  pointSchema: OpcuaPointSchema,
  secretFields: OPCUA_SECRET_FIELDS,
  // node-opcua is loaded with the first OPC UA source, not with the server.
  factory: lazyFactory(async () => (await import('./opcua-adapter.ts')).createOpcuaAdapter),
  problems: (config, points) => [...opcuaConfigProblems(config), ...opcuaPointProblems(points)],
});
