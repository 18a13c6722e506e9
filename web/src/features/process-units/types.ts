export type { ProcessUnit, ProcessUnitInput } from '../../lib/api-types.ts';
