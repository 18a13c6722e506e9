// Number and label formatting for alert messages: operators read these, so keep them short.

/** At most 4 significant digits below 1000, one decimal above ("9.82", "0.0123", "1234.6"). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  if (Math.abs(v) >= 1000) return String(Number(v.toFixed(1)));
  return String(Number(v.toPrecision(4)));
}

/** "9.82 bar", or "9.82" when the unit is unknown. */
export function withUnit(v: number, unit?: string): string {
  return unit ? `${formatNumber(v)} ${unit}` : formatNumber(v);
}

export function tagLabel(tag?: string): string {
  return tag ?? 'instrument';
}

export function formatDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  if (seconds >= 120) return `${formatNumber(seconds / 60)} min`;
  return `${formatNumber(seconds)} s`;
}
