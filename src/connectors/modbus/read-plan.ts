// Which requests one poll makes: contiguous (or overlapping) registers of one type are read together,
// up to the per-read limit, so a device with 40 mapped registers in a row costs one request, not 40.

import { type ModbusPoint, wordsOf } from './schemas.ts';

export interface PlannedRead {
  registerType: ModbusPoint['register_type'];
  start: number;
  count: number;
  /** The points this read serves: index into the source's point list and where its words start. */
  points: { index: number; offset: number; words: 1 | 2 }[];
}

/** Plans one poll: as few reads as the register layout and `maxRegisters` allow. Pure. */
export function planReads(points: readonly ModbusPoint[], maxRegisters = 125): PlannedRead[] {
  const plans: PlannedRead[] = [];
  for (const registerType of ['holding', 'input'] as const) {
    const spans = points
      .map((p, index) => ({ index, start: p.address, words: wordsOf(p.data_type), type: p.register_type }))
      .filter((s) => s.type === registerType)
      .sort((a, b) => a.start - b.start || a.index - b.index);
    let current: PlannedRead | null = null;
    for (const s of spans) {
      const end = s.start + s.words;
      const fits =
        current !== null &&
        s.start <= current.start + current.count &&
        Math.max(current.start + current.count, end) - current.start <= maxRegisters;
      if (!current || !fits) {
        current = { registerType, start: s.start, count: s.words, points: [] };
        plans.push(current);
      }
      current.count = Math.max(current.count, end - current.start);
      current.points.push({ index: s.index, offset: s.start - current.start, words: s.words });
    }
  }
  return plans;
}
