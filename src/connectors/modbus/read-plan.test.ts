import { describe, expect, it } from 'vitest';
import { decodeRegisters, scaleValue } from './decode.ts';
import { planReads } from './read-plan.ts';
import { type ModbusPoint, modbusPointProblems } from './schemas.ts';

const pt = (
  tag: string,
  address: number,
  data_type: ModbusPoint['data_type'] = 'uint16',
  register_type: ModbusPoint['register_type'] = 'holding',
): ModbusPoint => ({ tag, address, data_type, register_type });

describe('planReads', () => {
  it('reads contiguous registers of one type in one request', () => {
    const plan = planReads([pt('A', 0), pt('B', 1, 'float32'), pt('C', 3, 'int32'), pt('D', 5, 'int16')]);
    expect(plan).toEqual([
      {
        registerType: 'holding',
        start: 0,
        count: 6,
        points: [
          { index: 0, offset: 0, words: 1 },
          { index: 1, offset: 1, words: 2 },
          { index: 2, offset: 3, words: 2 },
          { index: 3, offset: 5, words: 1 },
        ],
      },
    ]);
  });

  it('splits at a gap, by register type, and sorts by address whatever the mapping order', () => {
    const plan = planReads([pt('far', 20), pt('in', 0, 'uint16', 'input'), pt('b', 1), pt('a', 0)]);
    expect(plan.map((r) => [r.registerType, r.start, r.count, r.points.map((p) => p.index)])).toEqual([
      ['holding', 0, 2, [3, 2]],
      ['holding', 20, 1, [0]],
      ['input', 0, 1, [1]],
    ]);
  });

  it('serves overlapping and repeated mappings from one read', () => {
    const plan = planReads([pt('word', 11), pt('dword', 10, 'uint32'), pt('again', 10, 'uint32')]);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ start: 10, count: 2 });
    expect(plan[0].points.map((p) => p.offset)).toEqual([0, 0, 1]);
  });

  it('never exceeds the per-read limit and never splits a 32-bit value', () => {
    const points = Array.from({ length: 100 }, (_, i) => pt(`F${i}`, i * 2, 'float32'));
    const plan = planReads(points, 125);
    expect(plan.map((r) => [r.start, r.count])).toEqual([
      [0, 124],
      [124, 76],
    ]);
    for (const r of plan) for (const p of r.points) expect(p.offset + p.words).toBeLessThanOrEqual(r.count);
    expect(plan.flatMap((r) => r.points).length).toBe(100);
  });

  it('plans nothing for no points', () => {
    expect(planReads([])).toEqual([]);
  });
});

describe('decodeRegisters and scaleValue', () => {
  it('decodes 16-bit signed and unsigned', () => {
    expect(decodeRegisters([0xfffe], 'int16')).toBe(-2);
    expect(decodeRegisters([0xfffe], 'uint16')).toBe(65534);
  });

  it('decodes 32-bit values in both word orders', () => {
    expect(decodeRegisters([0x0001, 0x0002], 'uint32')).toBe(65538);
    expect(decodeRegisters([0x0002, 0x0001], 'uint32', 'little')).toBe(65538);
    expect(decodeRegisters([0xffff, 0xfffe], 'int32')).toBe(-2);
    expect(decodeRegisters([0x4049, 0x0fdb], 'float32')).toBeCloseTo(Math.PI, 6);
    expect(decodeRegisters([0x0fdb, 0x4049], 'float32', 'little')).toBeCloseTo(Math.PI, 6);
    expect(decodeRegisters([0x7fc0, 0x0000], 'float32')).toBeNaN();
  });

  it('scales raw counts to engineering units', () => {
    const range = { raw_min: 0, raw_max: 32000, eng_min: 0, eng_max: 16 };
    expect(scaleValue(16000, range)).toBe(8);
    expect(scaleValue(4000, { raw_min: 4000, raw_max: 20000, eng_min: -50, eng_max: 150 })).toBe(-50);
    expect(scaleValue(123, { scale: 0.1, offset: -2 })).toBeCloseTo(10.3, 10);
    expect(scaleValue(123, { scale: 0.5 })).toBe(61.5);
    expect(scaleValue(123, undefined)).toBe(123);
  });
});

describe('modbusPointProblems', () => {
  it('names a zero-width range, a value past the last register and a tag mapped twice', () => {
    expect(
      modbusPointProblems([
        { ...pt('A', 65535, 'float32') },
        { ...pt('B', 0), scaling: { raw_min: 5, raw_max: 5, eng_min: 0, eng_max: 1 } },
        pt('A', 2),
      ]),
    ).toEqual([
      {
        field: 'points[0].address',
        message: 'points[0].address: a float32 at 65535 runs past register 65535',
      },
      { field: 'points[1].scaling.raw_max', message: 'points[1].scaling: raw_min and raw_max must differ' },
      { field: 'points[2].tag', message: 'points[2].tag: A is mapped more than once' },
    ]);
    expect(modbusPointProblems([pt('A', 0), pt('B', 1, 'float32')])).toEqual([]);
  });
});
