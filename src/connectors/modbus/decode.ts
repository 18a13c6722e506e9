// Registers -> engineering value: the data type and word order give the raw number, the point's
// scaling turns raw counts into the instrument's units. Pure.

import type { ModbusPoint } from './schemas.ts';

/** The raw value of `words` (16-bit registers, as read) for a data type and word order. */
export function decodeRegisters(
  words: readonly number[],
  dataType: ModbusPoint['data_type'],
  wordOrder: ModbusPoint['word_order'] = 'big',
): number {
  const buf = Buffer.alloc(4);
  if (dataType === 'int16' || dataType === 'uint16') {
    buf.writeUInt16BE(words[0] & 0xffff, 0);
    return dataType === 'int16' ? buf.readInt16BE(0) : buf.readUInt16BE(0);
  }
  const [hi, lo] = wordOrder === 'little' ? [words[1], words[0]] : [words[0], words[1]];
  buf.writeUInt16BE(hi & 0xffff, 0);
  buf.writeUInt16BE(lo & 0xffff, 2);
  if (dataType === 'int32') return buf.readInt32BE(0);
  if (dataType === 'uint32') return buf.readUInt32BE(0);
  return buf.readFloatBE(0);
}

/** Raw value -> engineering units by the point's scaling (none: the raw value as it is). */
export function scaleValue(raw: number, scaling: ModbusPoint['scaling']): number {
  if (!scaling) return raw;
  if ('raw_min' in scaling)
    return (
      scaling.eng_min +
      ((raw - scaling.raw_min) * (scaling.eng_max - scaling.eng_min)) / (scaling.raw_max - scaling.raw_min)
    );
  return raw * scaling.scale + (scaling.offset ?? 0);
}
