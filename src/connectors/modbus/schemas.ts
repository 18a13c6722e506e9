// A Modbus TCP source: the device (config) and the registers mapped to instruments (points).

import { type Static, Type } from 'typebox';
import { StrictObject } from '../../http/schemas.ts';
import type { ConfigProblem } from '../kind-spec.ts';

export const ModbusConfigSchema = StrictObject({
  host: Type.String({
    minLength: 1,
    maxLength: 253,
    description: 'Device or gateway host name or IP address',
  }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, description: 'TCP port (default 502)' })),
  unit_id: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 255, description: 'Modbus unit (slave) id (default 1)' }),
  ),
  poll_interval_ms: Type.Optional(
    Type.Integer({ minimum: 100, maximum: 3_600_000, description: 'Time between polls (default 1000)' }),
  ),
  timeout_ms: Type.Optional(
    Type.Integer({ minimum: 100, maximum: 60_000, description: 'Time a request may take (default 2000)' }),
  ),
  max_registers_per_read: Type.Optional(
    Type.Integer({
      minimum: 2,
      maximum: 125,
      description: 'Longest single read (default 125, the protocol limit; some devices allow fewer)',
    }),
  ),
});
export type ModbusConfig = Static<typeof ModbusConfigSchema>;

const finite = (description: string) => Type.Number({ description });

/** raw_min..raw_max counts map linearly onto eng_min..eng_max (a 4-20 mA card's 0..32000, say). */
const RangeScaling = StrictObject({
  raw_min: finite('Raw count at the bottom of the range'),
  raw_max: finite('Raw count at the top of the range'),
  eng_min: finite('Engineering value at raw_min'),
  eng_max: finite('Engineering value at raw_max'),
});
/** value = raw * scale + offset. */
const FactorScaling = StrictObject({
  scale: finite('Multiplier applied to the raw value'),
  offset: Type.Optional(finite('Added after scaling (default 0)')),
});

export const ModbusPointSchema = StrictObject({
  tag: Type.String({ minLength: 1, maxLength: 100, description: 'Instrument tag the value is for' }),
  register_type: Type.Union([Type.Literal('holding'), Type.Literal('input')]),
  address: Type.Integer({ minimum: 0, maximum: 65_535, description: 'Zero-based register address' }),
  data_type: Type.Union([
    Type.Literal('int16'),
    Type.Literal('uint16'),
    Type.Literal('int32'),
    Type.Literal('uint32'),
    Type.Literal('float32'),
  ]),
  word_order: Type.Optional(
    Type.Union([Type.Literal('big'), Type.Literal('little')], {
      description: '32-bit values: big = high word first (default), little = low word first (word swap)',
    }),
  ),
  scaling: Type.Optional(Type.Union([RangeScaling, FactorScaling])),
});
export type ModbusPoint = Static<typeof ModbusPointSchema>;

/** Credentials a Modbus source stores encrypted: none, Modbus TCP has no authentication. */
export const MODBUS_SECRET_FIELDS: readonly string[] = [];

/** Registers a data type spans. */
export const wordsOf = (t: ModbusPoint['data_type']): 1 | 2 => (t === 'int16' || t === 'uint16' ? 1 : 2);

/**
 * What the schema cannot say: a scaling range of zero width, a 32-bit value running past the last
 * register, one tag mapped twice. One problem per finding, named by field (empty when the points are fine).
 */
export function modbusPointProblems(points: ModbusPoint[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  points.forEach((p, i) => {
    const at = `points[${i}]`;
    if (seen.has(p.tag))
      problems.push({ field: `${at}.tag`, message: `${at}.tag: ${p.tag} is mapped more than once` });
    seen.add(p.tag);
    if (p.address + wordsOf(p.data_type) > 65_536)
      problems.push({
        field: `${at}.address`,
        message: `${at}.address: a ${p.data_type} at ${p.address} runs past register 65535`,
      });
    const s = p.scaling;
    if (s && 'raw_min' in s && s.raw_min === s.raw_max)
      problems.push({
        field: `${at}.scaling.raw_max`,
        message: `${at}.scaling: raw_min and raw_max must differ`,
      });
  });
  return problems;
}
