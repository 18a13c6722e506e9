import { Type } from 'typebox';
import { Id, Nullable, StrictObject, StrictPatch, Timestamp } from '../http/schemas.ts';

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Finite = Type.Number({ minimum: -1e12, maximum: 1e12 });

const deviceFields = {
  manufacturer: Text(100),
  model: Text(100),
  serial_number: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  device_type: Type.Optional(Nullable(Type.String({ maxLength: 60 }))),
  unit: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
  range_min: Type.Optional(Nullable(Finite)),
  range_max: Type.Optional(Nullable(Finite)),
  notes: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
};

export const CreateDeviceBody = StrictObject(deviceFields);
export const PatchDeviceBody = StrictPatch({
  manufacturer: Text(100),
  model: Text(100),
  serial_number: deviceFields.serial_number,
  device_type: Nullable(Type.String({ maxLength: 60 })),
  unit: Nullable(Type.String({ maxLength: 20 })),
  range_min: Nullable(Finite),
  range_max: Nullable(Finite),
  notes: Nullable(Type.String({ maxLength: 4000 })),
});

export const DeviceStatus = Type.Union([
  Type.Literal('installed'),
  Type.Literal('spare'),
  Type.Literal('retired'),
]);

export const DeviceSchema = Type.Object({
  id: Type.Integer(),
  manufacturer: Type.String(),
  model: Type.String(),
  serial_number: Type.String(),
  device_type: Nullable(Type.String()),
  unit: Nullable(Type.String()),
  range_min: Nullable(Type.Number()),
  range_max: Nullable(Type.Number()),
  notes: Nullable(Type.String()),
  status: Type.String({ description: 'installed | spare | retired' }),
  installed_instrument_id: Nullable(Type.Integer()),
  installed_tag: Nullable(Type.String()),
  installed_at: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted_at: Nullable(Type.String()),
});

export const InstallationSchema = Type.Object({
  id: Type.Integer(),
  device_id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  manufacturer: Type.String(),
  model: Type.String(),
  serial_number: Type.String(),
  installed_at: Type.String(),
  removed_at: Nullable(Type.String()),
  current: Type.Boolean(),
  installed_by: Nullable(Type.Integer()),
  installed_by_name: Nullable(Type.String()),
  removed_by: Nullable(Type.Integer()),
  removed_by_name: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  removal_reason: Nullable(Type.String()),
});

export const InstallBody = StrictObject({
  device_id: Id,
  installed_at: Type.Optional(Timestamp),
  reason: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  swap: Type.Optional(
    Type.Boolean({ description: 'remove the device now in the position first (its history keeps it)' }),
  ),
});

export const RemoveBody = StrictObject({
  removed_at: Type.Optional(Timestamp),
  reason: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'why it was removed' }),
});
