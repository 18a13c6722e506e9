import { format, formatDistanceToNowStrict, isValid, parseISO } from 'date-fns';

// Times travel as UTC ISO strings and are shown in the browser's local time.

function toDate(v: string | number | Date | null | undefined): Date | null {
  if (v === null || v === undefined || v === '') return null;
  const d = typeof v === 'string' ? parseISO(v) : new Date(v);
  return isValid(d) ? d : null;
}

export function formatDateTime(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? format(d, 'd MMM yyyy HH:mm') : '—';
}

/** Date and time in the user's own locale and time zone (e.g. "6 Dec 2026, 14:05" or "Dec 6, 2026, 2:05 PM"). */
export function formatLocalDateTime(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(d) : '—';
}

export function formatDateTimeSeconds(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? format(d, 'd MMM yyyy HH:mm:ss') : '—';
}

export function formatDate(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? format(d, 'd MMM yyyy') : '—';
}

export function formatTime(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? format(d, 'HH:mm:ss') : '—';
}

export function formatAgo(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? `${formatDistanceToNowStrict(d)} ago` : '—';
}

/** A measured value with sensible precision for its span. */
export function formatValue(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(Math.max(digits, Math.ceil(Math.log10(abs + 1)) + 1))).toString();
}

export function formatNumber(v: number | null | undefined, decimals = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString(undefined, { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function formatPct(v: number | null | undefined, decimals = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${v.toFixed(decimals)} %`;
}

export function formatMinutes(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m)) return '—';
  if (m < 60) return `${Math.round(m)} min`;
  const h = Math.floor(m / 60);
  const r = Math.round(m % 60);
  return r ? `${h} h ${r} min` : `${h} h`;
}

/** snake_case and kebab-case identifiers as words: "as_found_error_pct" -> "As found error pct". */
export function humanize(key: string): string {
  const s = key.replace(/[_-]+/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** A value for an <input type="datetime-local"> in local time. */
export function toLocalInput(d: Date): string {
  return format(d, "yyyy-MM-dd'T'HH:mm");
}

/** An <input type="datetime-local"> value as a UTC ISO string. */
export function fromLocalInput(v: string): string | null {
  const d = toDate(v);
  return d ? d.toISOString() : null;
}
