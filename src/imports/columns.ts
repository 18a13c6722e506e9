import type { ImportProblem } from './schemas.ts';
import type { Cell } from './spreadsheet.ts';

// Header matching and cell reading shared by the register and history imports. A header matches
// a field by its API name or an alias, case-insensitively, ignoring dots, underscores and spacing
// ("Tag No." = "tag no" = "TAG_NO").

export const normHeader = (h: string) => h.toLowerCase().replace(/[._]+/g, ' ').replace(/\s+/g, ' ').trim();

export interface ColumnMap {
  /** field -> cell index */
  index: Map<string, number>;
  /** field -> the header as the file has it (what an error names) */
  label: Map<string, string>;
  unknown: string[];
  problems: ImportProblem[];
}

/** Maps the header to fields; unknown columns are reported, a field given twice is an error. */
export function mapColumns(header: string[], aliases: Record<string, string[]>): ColumnMap {
  const byName = new Map<string, string>();
  for (const [field, names] of Object.entries(aliases)) {
    byName.set(normHeader(field), field);
    for (const n of names) byName.set(normHeader(n), field);
  }
  const out: ColumnMap = { index: new Map(), label: new Map(), unknown: [], problems: [] };
  header.forEach((h, i) => {
    if (h === '') return;
    const field = byName.get(normHeader(h));
    if (!field) {
      out.unknown.push(h);
      return;
    }
    if (out.index.has(field)) {
      out.problems.push({
        row: 1,
        column: h,
        message: `columns "${out.label.get(field)}" and "${h}" both give ${field}`,
      });
      return;
    }
    out.index.set(field, i);
    out.label.set(field, h);
  });
  return out;
}

export class CellProblem extends Error {}

/** Text of a cell, trimmed; null when empty. */
export function textCell(c: Cell): string | null {
  if (c === null) return null;
  if (typeof c === 'object' && !(c instanceof Date)) throw new CellProblem(`${c.bad}: put the value itself`);
  if (c instanceof Date) return c.toISOString().slice(0, 10);
  const s = String(c).trim();
  return s === '' ? null : s;
}

const NUMBER_RE = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)(e[+-]?\d+)?$/i;

/** A number, from a numeric cell or text ("1.5", or "1,5" as a decimal comma). */
export function numberCell(c: Cell): number | null {
  if (typeof c === 'number') return c;
  const s = textCell(c);
  if (s === null) return null;
  if (!NUMBER_RE.test(s)) throw new CellProblem(`"${s}" is not a number`);
  const n = Number(s.replace(',', '.'));
  if (!Number.isFinite(n)) throw new CellProblem(`"${s}" is not a number`);
  return n;
}

export function booleanCell(c: Cell): boolean | null {
  if (typeof c === 'boolean') return c;
  if (typeof c === 'number' && (c === 0 || c === 1)) return c === 1;
  const s = textCell(c)?.toLowerCase();
  if (s === undefined || s === null) return null;
  if (['true', 'yes', 'y', '1'].includes(s)) return true;
  if (['false', 'no', 'n', '0'].includes(s)) return false;
  throw new CellProblem(`"${s}" is not yes/no (true, false, yes, no, 1, 0)`);
}

const DAY_MS = 86_400_000;
/** Excel's day 0 is 1899-12-30 (its 1900 leap-year bug folded in). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A moment as ISO 8601 UTC: a date cell, an Excel serial number (45292 = 2024-01-01, fractions are
 * the time of day) or ISO text ("2024-01-01", "2024-01-01 08:30", "2024-01-01T08:30:00+02:00").
 * A time without an offset is UTC. A date the calendar does not have (2026-02-30) is refused.
 */
export function dateCell(c: Cell): string | null {
  if (c instanceof Date) {
    if (Number.isNaN(c.getTime())) throw new CellProblem('is not a date');
    return c.toISOString();
  }
  if (typeof c === 'number') {
    if (!(c > 0 && c < 2_958_466)) throw new CellProblem(`${c} is not an Excel date serial number`);
    return new Date(EXCEL_EPOCH + Math.round(c * DAY_MS)).toISOString();
  }
  const s = textCell(c);
  if (s === null) return null;
  if (/^\d+(\.\d+)?$/.test(s)) return dateCell(Number(s));
  const m = ISO_RE.exec(s);
  if (!m) throw new CellProblem(`"${s}" is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)`);
  const t = Date.parse(
    `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${m[7] ?? 'Z'}`,
  );
  const d = new Date(t);
  if (Number.isNaN(t) || (!m[7] && (d.getUTCMonth() + 1 !== Number(m[2]) || d.getUTCDate() !== Number(m[3]))))
    throw new CellProblem(`"${s}" is not a date the calendar has`);
  return d.toISOString();
}

/** Reads one field of a row with `read`, turning a bad cell into a problem for that row and column. */
export function reader(cols: ColumnMap, cells: Cell[], line: number, problems: ImportProblem[]) {
  return <T>(field: string, read: (c: Cell) => T | null): T | null | undefined => {
    const i = cols.index.get(field);
    if (i === undefined) return undefined;
    try {
      return read(cells[i] ?? null);
    } catch (e) {
      if (!(e instanceof CellProblem)) throw e;
      const label = cols.label.get(field) ?? field;
      problems.push({ row: line, column: label, message: `${label}: ${e.message}` });
      return undefined;
    }
  };
}
