import type { ReportChart } from '../shared/pdf-charts.ts';

export type { ReportChart };
// The one shape every report builder returns. JSON, CSV and PDF are three renderings of it, so a
// figure printed on the PDF is the figure in the JSON and the CSV.

export const REPORT_KEYS = [
  'calibration',
  'maintenance',
  'health-status',
  'anomalies',
  'compliance',
  'work-orders',
] as const;
export type ReportKey = (typeof REPORT_KEYS)[number];

/**
 * How a cell is shown. Raw values stay machine-friendly in JSON; CSV and PDF format them:
 * datetime/date in the report time zone, number with `decimals`, percent with a % sign in the PDF,
 * passfail as PASS/FAIL, yesno as Yes/No.
 */
export type ColumnKind = 'text' | 'int' | 'number' | 'percent' | 'datetime' | 'date' | 'passfail' | 'yesno';

export interface Column {
  key: string;
  label: string;
  kind?: ColumnKind;
  decimals?: number;
  /** Relative width in the PDF table (default 1). */
  width?: number;
  /**
   * Part of the row's group (e.g. the calibration a test point belongs to): the PDF prints it on
   * the first row of each group only, and again at the top of a page.
   */
  group?: boolean;
  /** False for detail columns too wide for the page: they are in the JSON and CSV only. */
  pdf?: boolean;
  /** Codes like calibration_overdue print as words in the PDF (so they wrap); JSON and CSV keep the code. */
  words?: boolean;
}

export type CellValue = string | number | boolean | null;
export type Row = Record<string, CellValue>;

export interface ReportTable {
  key: string;
  title: string;
  columns: Column[];
  rows: Row[];
  /** Key of the column whose value marks a new group (see Column.group). */
  groupBy?: string;
}

export interface SummaryField {
  key: string;
  label: string;
  kind?: ColumnKind;
  decimals?: number;
  /** Unit shown after the value in the PDF, e.g. 'h'. */
  unit?: string;
}

export interface ReportPeriod {
  from: string;
  to: string;
  /** How the period was chosen: given by the caller, or the report's default. */
  source: 'query' | 'default';
  /** False for a point-in-time report (health status) where the period only scopes some columns. */
  scopes_rows: boolean;
}

export interface ReportUser {
  id: number;
  full_name: string;
  employee_number: string;
}

export interface ReportData {
  report: ReportKey;
  title: string;
  /** One line under the title describing what the rows are. */
  description: string;
  generated_at: string;
  generated_by: ReportUser;
  plant_name: string;
  period: ReportPeriod;
  /** The applied filters, by query name, with a readable label for each (tag, unit name). */
  filters: { key: string; label: string; value: CellValue; display: string }[];
  summary: Record<string, CellValue>;
  summary_fields: SummaryField[];
  /** Breakdown tables printed before the main table (by unit, by priority, ...). */
  sections: ReportTable[];
  /** The main table: the rows of the CSV export. */
  main: ReportTable;
  /** Definitions printed at the end of the PDF, so a reader knows how each figure was computed. */
  notes: string[];
  /** Print in landscape (wide tables). */
  landscape: boolean;
  /** Pictures printed in the PDF after the summary (vector drawings; not in the CSV). */
  charts?: ReportChart[];
}

export function totalRows(r: ReportData): number {
  return r.main.rows.length + r.sections.reduce((n, s) => n + s.rows.length, 0);
}

/** Percentage rounded to 0.1, or null when nothing was due (0 of 0 is not 100 %). */
export function pct(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round((1000 * part) / whole) / 10;
}

export function round(v: number | null, decimals = 1): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

export function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
