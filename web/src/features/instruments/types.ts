import {
  allOf,
  type Criticality,
  type Instrument,
  type InstrumentState,
  type InstrumentType,
} from '../../lib/api-types.ts';

export const INSTRUMENT_TYPES = allOf<InstrumentType>()(['pressure', 'temperature', 'flow', 'level']);
export const CRITICALITIES = allOf<Criticality>()(['low', 'medium', 'high', 'critical']);
export const INSTRUMENT_STATUSES = allOf<InstrumentState>()(['active', 'maintenance', 'out_of_service']);

export type { Instrument, InstrumentInput, InstrumentPatch } from '../../lib/api-types.ts';
export type LastReading = NonNullable<Instrument['last_reading']>;

export const TYPE_WORD: Record<string, string> = {
  pressure: 'Pressure',
  temperature: 'Temperature',
  flow: 'Flow',
  level: 'Level',
} satisfies Record<InstrumentType, string>;
