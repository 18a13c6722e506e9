// The spec's four sample instruments, as the simulator sees them. Used by tests and demos; the
// database seed owns the real records.
import type { SimInstrument } from './signals.ts';

export const SAMPLE_INSTRUMENTS: readonly SimInstrument[] = [
  {
    id: 1,
    tag: 'PT-101',
    type: 'pressure',
    unit: 'bar',
    rangeMin: 0,
    rangeMax: 10,
    nominalValue: 5.2,
    publishIntervalSeconds: 5,
  },
  {
    id: 2,
    tag: 'TT-201',
    type: 'temperature',
    unit: '°C',
    rangeMin: 0,
    rangeMax: 200,
    nominalValue: 85,
    publishIntervalSeconds: 10,
  },
  {
    id: 3,
    tag: 'FT-301',
    type: 'flow',
    unit: 'm³/h',
    rangeMin: 0,
    rangeMax: 100,
    nominalValue: 42,
    publishIntervalSeconds: 2,
  },
  {
    id: 4,
    tag: 'LT-401',
    type: 'level',
    unit: '%',
    rangeMin: 0,
    rangeMax: 100,
    nominalValue: 60,
    publishIntervalSeconds: 10,
  },
];
