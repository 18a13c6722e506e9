// OPC UA data values -> our readings: status code severity to quality, variants to numbers. Pure.

import { DataType, type DataValue, VariantArrayType } from 'node-opcua-client';
import type { ConnectorReading } from '../types.ts';

/**
 * The severity bits of a status code (the top two): Good -> good, Uncertain -> uncertain, Bad ->
 * bad. The pipeline turns bad into a fault and uncertain into a flagged reading.
 */
export function qualityOf(statusCode: number): ConnectorReading['quality'] {
  const severity = statusCode >>> 30;
  if (severity === 0) return 'good';
  if (severity === 1) return 'uncertain';
  return 'bad';
}

/** The number a variant holds, or NaN when it is not one scalar number (or boolean, as 0/1). */
export function numberOf(dv: DataValue): number {
  const v = dv.value;
  if (!v || v.arrayType !== VariantArrayType.Scalar) return Number.NaN;
  switch (v.dataType) {
    case DataType.Boolean:
      return v.value ? 1 : 0;
    case DataType.Double:
    case DataType.Float:
    case DataType.SByte:
    case DataType.Byte:
    case DataType.Int16:
    case DataType.UInt16:
    case DataType.Int32:
    case DataType.UInt32:
      return typeof v.value === 'number' ? v.value : Number.NaN;
    case DataType.Int64:
    case DataType.UInt64: {
      // node-opcua holds 64-bit integers as [high, low] unsigned 32-bit words.
      const [hi, lo] = v.value as [number, number];
      const high = v.dataType === DataType.Int64 && hi >= 2 ** 31 ? hi - 2 ** 32 : hi;
      return high * 2 ** 32 + lo;
    }
    default:
      return Number.NaN;
  }
}

/** Event time: the source's timestamp, else the server's, else now. */
export function timeOf(dv: DataValue, now: number): number {
  return dv.sourceTimestamp?.getTime() ?? dv.serverTimestamp?.getTime() ?? now;
}
