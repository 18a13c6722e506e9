// Modbus TCP connector kind: its schemas, secret fields (none) and adapter factory.
import { defineConnectorKind } from '../kind-spec.ts';
import { createModbusAdapter } from './modbus-adapter.ts';
import {
  MODBUS_SECRET_FIELDS,
  type ModbusConfig,
  ModbusConfigSchema,
  type ModbusPoint,
  ModbusPointSchema,
  modbusPointProblems,
} from './schemas.ts';

export { createModbusAdapter } from './modbus-adapter.ts';
export { planReads } from './read-plan.ts';
export {
  MODBUS_SECRET_FIELDS,
  type ModbusConfig,
  ModbusConfigSchema,
  type ModbusPoint,
  ModbusPointSchema,
  modbusPointProblems,
} from './schemas.ts';

export const modbusKind = defineConnectorKind<ModbusConfig, ModbusPoint>({
  label: 'Modbus TCP',
  configSchema: ModbusConfigSchema,
  pointSchema: ModbusPointSchema,
  secretFields: MODBUS_SECRET_FIELDS,
  factory: createModbusAdapter,
  problems: (_config, points) => modbusPointProblems(points),
});
