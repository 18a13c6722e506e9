import { allOf, type MaintenanceAction } from '../../lib/api-types.ts';

export type { MaintenanceInput, MaintenanceRecord } from '../../lib/api-types.ts';

export const MAINTENANCE_ACTION_TYPES = allOf<MaintenanceAction>()([
  'corrective',
  'preventive',
  'inspection',
  'repair',
  'replacement',
  'adjustment',
  'cleaning',
  'other',
]);
