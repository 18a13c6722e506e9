import { ValidationError } from '../shared/errors.ts';

export interface RangeAndLimits {
  range_min: number;
  range_max: number;
  nominal_value: number | null;
  alarm_low_critical: number | null;
  alarm_low_warning: number | null;
  alarm_high_warning: number | null;
  alarm_high_critical: number | null;
  signal_low_ma: number;
  signal_high_ma: number;
}

const LIMITS = [
  'alarm_low_critical',
  'alarm_low_warning',
  'alarm_high_warning',
  'alarm_high_critical',
] as const;

/** Cross-field rules the schema cannot say: range order, nominal and limits inside it, limit order. */
export function validateRangeAndLimits(i: RangeAndLimits): void {
  const first = rangeAndLimitProblems(i)[0];
  if (first) throw new ValidationError(first.field, first.message);
}

/** Every breach of those rules at once, in the order the single-instrument API reports the first. */
export function rangeAndLimitProblems(i: RangeAndLimits): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (!(i.range_min < i.range_max)) {
    out.push({
      field: 'range_max',
      message: `range_max (${i.range_max}) must be greater than range_min (${i.range_min})`,
    });
  }
  if (i.nominal_value !== null && (i.nominal_value < i.range_min || i.nominal_value > i.range_max)) {
    out.push({
      field: 'nominal_value',
      message: `nominal_value must lie inside the range ${i.range_min} to ${i.range_max}`,
    });
  }
  let prev: { name: string; value: number } | null = null;
  for (const name of LIMITS) {
    const v = i[name];
    if (v === null) continue;
    if (v < i.range_min || v > i.range_max) {
      out.push({
        field: name,
        message: `${name} must lie inside the range ${i.range_min} to ${i.range_max}`,
      });
    } else if (prev && !(v > prev.value)) {
      out.push({ field: name, message: `${name} (${v}) must be greater than ${prev.name} (${prev.value})` });
    }
    prev = { name, value: v };
  }
  if (!(i.signal_low_ma < i.signal_high_ma)) {
    out.push({ field: 'signal_high_ma', message: 'signal_high_ma must be greater than signal_low_ma' });
  }
  return out;
}
