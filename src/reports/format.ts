import { formatDate, formatDateTime } from '../shared/local-time.ts';
import type { CellValue, ColumnKind } from './report-model.ts';

// Cell and figure formatting shared by the CSV and PDF renderings. JSON keeps raw values.

export interface FormatOptions {
  timeZone: string;
  target: 'csv' | 'pdf';
}

/**
 * One cell as text. Null is empty in a CSV and a dash in a PDF; percentages carry the % sign in the
 * PDF only, so a spreadsheet reads the CSV column as numbers.
 */
export function formatCell(
  v: CellValue,
  kind: ColumnKind | undefined,
  decimals: number | undefined,
  o: FormatOptions,
): string {
  if (v === null || v === undefined || v === '') return o.target === 'pdf' ? '–' : '';
  switch (kind) {
    case 'datetime':
      return typeof v === 'string' ? formatDateTime(v, o.timeZone) : String(v);
    case 'date':
      return typeof v === 'string' ? formatDate(v, o.timeZone) : String(v);
    case 'int':
      return typeof v === 'number' ? String(Math.round(v)) : String(v);
    case 'number':
      return typeof v === 'number' ? fixed(v, decimals) : String(v);
    case 'percent':
      if (typeof v !== 'number') return String(v);
      return o.target === 'pdf' ? `${v.toFixed(decimals ?? 1)} %` : v.toFixed(decimals ?? 1);
    case 'passfail':
      return v === true || v === 1 ? 'PASS' : v === false || v === 0 ? 'FAIL' : String(v);
    case 'yesno':
      return v === true || v === 1 ? 'Yes' : v === false || v === 0 ? 'No' : String(v);
    default:
      if (typeof v === 'boolean') return v ? 'Yes' : 'No';
      if (typeof v === 'number') return fixed(v, decimals);
      return v;
  }
}

function fixed(v: number, decimals: number | undefined): string {
  if (decimals === undefined) return String(v);
  // Trailing zeros carry the resolution of a measurement, so they stay.
  return v.toFixed(decimals);
}

/** Summary figure for the PDF tiles: "n/a" when there is nothing to divide by. */
export function formatFigure(
  v: CellValue,
  kind: ColumnKind | undefined,
  decimals: number | undefined,
  unit: string | undefined,
  timeZone: string,
): string {
  if (v === null || v === undefined) return 'n/a';
  const text = formatCell(v, kind, decimals, { timeZone, target: 'pdf' });
  return unit ? `${text} ${unit}` : text;
}

/** A file name for an export: cbu-cmms-<report>-<from>-to-<to>.<ext>. */
export function exportFileName(report: string, from: string, to: string, ext: string): string {
  const d = (iso: string) => iso.slice(0, 10).replace(/-/g, '');
  return `cbu-cmms-${report}-${d(from)}-to-${d(to)}.${ext}`;
}
