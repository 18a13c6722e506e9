import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { assertStandardUsable } from '../reference-standards/reference-standard-service.ts';
import { AppError, ValidationError } from '../shared/errors.ts';
import type { Direction } from './point-errors.ts';
import { preparePoints, type RawPoint } from './procedure-enforcement.ts';
import { effectiveProcedure } from './procedures.ts';

// Results from documenting calibrators, as CSV (docs/calibration.md). Three column layouts map to
// one shape; rows group into records by (tag, date); every row is validated and every problem is
// reported with its line number (400 calibration_import_invalid); only a file with none is
// recorded, all of it in one transaction (src/workflows/import-calibrations.ts) through
// recordCalibration, the very flow the calibration modal's request uses.

export type ImportFormat = 'cbu' | 'beamex' | 'fluke';

export interface ImportProblem {
  row: number;
  column?: string;
  message: string;
}

interface Row {
  line: number;
  get: (name: string) => string | undefined;
}

interface PointRow {
  line: number;
  step: number | null;
  direction: Direction | undefined;
  applied: number;
  as_found: number;
  as_left: number | undefined;
}

export interface Group {
  tag: string;
  performed_at: string;
  standard: string;
  notes: string | null;
  work_order_id?: number;
  reduced_check?: boolean;
  lines: number[];
  points: PointRow[];
  /** cbu only: the applied value is the input (input_value column) rather than the reference. */
  appliedIsInput?: boolean;
}

/** Column names per layout (matched case-insensitively, surrounding spaces ignored). */
export const FORMATS: Record<ImportFormat, Record<string, string[]>> = {
  cbu: {
    tag: ['tag'],
    performed_at: ['performed_at'],
    standard: ['reference_standard'],
    step: ['point'],
    direction: ['direction'],
    reference: ['reference_value'],
    input: ['input_value'],
    as_found: ['as_found'],
    as_left: ['as_left'],
    notes: ['notes'],
    work_order: ['work_order_id'],
    reduced: ['reduced_check'],
  },
  // Beamex-style (CMX / MC6 result export): one row per point, found and left side by side.
  beamex: {
    tag: ['position id'],
    performed_at: ['calibration date'],
    standard: ['calibrator id', 'calibrator serial no'],
    step: ['point no'],
    direction: ['direction'],
    reference: ['input applied'],
    as_found: ['output as found'],
    as_left: ['output as left'],
    notes: ['remarks'],
  },
  // Fluke-style (754 / DPCTrack2 export): one row per point per test, As Found and As Left rows.
  fluke: {
    tag: ['tag'],
    performed_at: ['test date'],
    standard: ['calibrator serial'],
    test: ['test type'],
    step: ['step'],
    reference: ['actual input'],
    as_found: ['actual output'],
    notes: ['comment'],
  },
};

const REQUIRED: Record<ImportFormat, string[]> = {
  cbu: ['tag', 'performed_at', 'standard', 'as_found', 'as_left'],
  beamex: ['tag', 'performed_at', 'standard', 'reference', 'as_found', 'as_left'],
  fluke: ['tag', 'performed_at', 'standard', 'test', 'step', 'reference', 'as_found'],
};

export const MAX_IMPORT_ROWS = 2000;

function parseRows(csv: string, format: ImportFormat, problems: ImportProblem[]) {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(csv.replace(/^\uFEFF/, ''), {
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      info: true,
      delimiter: csv.split('\n', 1)[0].includes(';') && !csv.split('\n', 1)[0].includes(',') ? ';' : ',',
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    problems.push({ row: line, message: `not readable as CSV: ${(err as Error).message}` });
    return null;
  }
  const records = parsed.map((p) => p.record);
  if (records.length < 2) {
    problems.push({ row: 1, message: 'the file needs a header row and at least one data row' });
    return null;
  }
  if (records.length - 1 > MAX_IMPORT_ROWS) {
    problems.push({ row: MAX_IMPORT_ROWS + 2, message: `at most ${MAX_IMPORT_ROWS} data rows per file` });
    return null;
  }
  const header = records[0].map((h) => h.trim().toLowerCase());
  const spec = FORMATS[format];
  const index: Record<string, number> = {};
  for (const [key, names] of Object.entries(spec)) {
    const i = header.findIndex((h) => names.includes(h));
    if (i >= 0) index[key] = i;
  }
  const missing = REQUIRED[format].filter((k) => index[k] === undefined);
  if (format === 'cbu' && index.reference === undefined && index.input === undefined)
    missing.push('reference');
  if (missing.length) {
    problems.push({
      row: 1,
      message: `missing column(s) for the ${format} layout: ${missing
        .map((k) => (k === 'reference' && format === 'cbu' ? 'reference_value or input_value' : spec[k][0]))
        .join(', ')}`,
    });
    return null;
  }
  // The file's own line numbers (blank lines skipped still count), as an editor shows them.
  return parsed.slice(1).map(
    ({ record: cells, info }): Row => ({
      line: info.lines,
      get: (key) => {
        const at = index[key];
        const v = at === undefined ? undefined : cells[at];
        return v === undefined || v === '' ? undefined : v;
      },
    }),
  );
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO 8601 or "YYYY-MM-DD HH:MM[:SS]" (UTC unless it carries an offset). */
function parseDate(v: string): string | null {
  const m = DATE_RE.exec(v.trim());
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${m[7] ?? 'Z'}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const d = new Date(t);
  // A date the calendar does not have (2026-02-30) rolls over in Date: refuse it.
  if (!m[7] && (d.getUTCMonth() + 1 !== Number(m[2]) || d.getUTCDate() !== Number(m[3]))) return null;
  return d.toISOString();
}

function num(row: Row, key: string, label: string, problems: ImportProblem[], required = true) {
  const v = row.get(key);
  if (v === undefined) {
    if (required) problems.push({ row: row.line, column: label, message: `${label} is empty` });
    return undefined;
  }
  const n = Number(v.replace(',', '.'));
  if (!Number.isFinite(n) || Math.abs(n) > 1e12) {
    problems.push({ row: row.line, column: label, message: `${label} "${v}" is not a number` });
    return undefined;
  }
  return n;
}

function direction(row: Row, problems: ImportProblem[]): Direction | undefined {
  const v = row.get('direction')?.toLowerCase();
  if (v === undefined) return undefined;
  if (['up', 'u', '↑', 'increasing', 'rising'].includes(v)) return 'up';
  if (['down', 'd', '↓', 'decreasing', 'falling'].includes(v)) return 'down';
  problems.push({ row: row.line, column: 'direction', message: `direction "${v}" is neither up nor down` });
  return undefined;
}

/** Rows to records, with every row-level problem collected. */
export function groupRows(csv: string, format: ImportFormat): { groups: Group[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const rows = parseRows(csv, format, problems);
  if (!rows) return { groups: [], problems };
  const spec = FORMATS[format];
  const groups = new Map<string, Group>();
  // Fluke-style: As Found and As Left rows of a step pair up.
  const flukeLeft = new Map<string, { line: number; value: number }>();
  for (const row of rows) {
    const tag = row.get('tag');
    const dateText = row.get('performed_at');
    const standard = row.get('standard');
    if (!tag) problems.push({ row: row.line, column: spec.tag[0], message: 'tag is empty' });
    if (!standard)
      problems.push({ row: row.line, column: spec.standard[0], message: 'reference standard is empty' });
    const performed = dateText ? parseDate(dateText) : null;
    if (!performed)
      problems.push({
        row: row.line,
        column: spec.performed_at[0],
        message: dateText ? `date "${dateText}" is not YYYY-MM-DD HH:MM or ISO 8601` : 'date is empty',
      });
    const applied = num(
      row,
      row.get('input') !== undefined ? 'input' : 'reference',
      format === 'cbu'
        ? row.get('input') !== undefined
          ? 'input_value'
          : 'reference_value'
        : spec.reference[0],
      problems,
    );
    const found = num(row, 'as_found', spec.as_found[0], problems);
    const left = format === 'fluke' ? undefined : num(row, 'as_left', spec.as_left[0], problems);
    const stepText = row.get('step');
    const step = stepText === undefined ? null : Number(stepText);
    if (stepText !== undefined && !(Number.isInteger(step) && (step as number) >= 0)) {
      problems.push({
        row: row.line,
        column: spec.step[0],
        message: `point number "${stepText}" is not a whole number`,
      });
    }
    const dir = direction(row, problems);
    if (!tag || !standard || !performed || applied === undefined || found === undefined) continue;
    const key = `${tag.toLowerCase()}|${performed}`;
    let g = groups.get(key);
    if (!g) {
      g = { tag, performed_at: performed, standard, notes: row.get('notes') ?? null, lines: [], points: [] };
      if (format === 'cbu') {
        g.appliedIsInput = row.get('input') !== undefined;
        const wo = row.get('work_order');
        if (wo !== undefined) {
          const n = Number(wo);
          if (Number.isInteger(n) && n > 0) g.work_order_id = n;
          else
            problems.push({
              row: row.line,
              column: 'work_order_id',
              message: `work order "${wo}" is not an id`,
            });
        }
        const red = row.get('reduced')?.toLowerCase();
        if (red !== undefined) g.reduced_check = ['true', 'yes', '1'].includes(red);
      }
      groups.set(key, g);
    } else if (g.standard !== standard) {
      problems.push({
        row: row.line,
        column: spec.standard[0],
        message: `one record uses one standard: ${g.standard} above, ${standard} here`,
      });
    }
    g.lines.push(row.line);
    if (format === 'fluke') {
      const test = row
        .get('test')
        ?.toLowerCase()
        .replace(/[^a-z]/g, '');
      if (test === 'asleft') {
        flukeLeft.set(`${key}|${step}`, { line: row.line, value: found });
        continue;
      }
      if (test !== 'asfound') {
        problems.push({
          row: row.line,
          column: 'Test Type',
          message: `test type "${row.get('test')}" is neither As Found nor As Left`,
        });
        continue;
      }
    }
    g.points.push({ line: row.line, step, direction: dir, applied, as_found: found, as_left: left });
  }
  for (const [key, g] of groups) {
    if (format === 'fluke') {
      for (const p of g.points) {
        const l = flukeLeft.get(`${key}|${p.step}`);
        // A step left alone (no adjustment) has no As Left row: it was left as found.
        p.as_left = l?.value ?? p.as_found;
        flukeLeft.delete(`${key}|${p.step}`);
      }
    }
    if (g.points.some((p) => p.step !== null)) g.points.sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
    if (g.points.length === 0)
      problems.push({ row: g.lines[0], message: `no test points for ${g.tag} on ${g.performed_at}` });
  }
  for (const l of flukeLeft.values())
    problems.push({
      row: l.line,
      column: 'Step',
      message: 'an As Left row without the As Found row of its step',
    });
  return { groups: [...groups.values()], problems };
}

/** Maps a service error about `points.N.field` (or a record field) back to the file's rows. */
function toProblems(err: unknown, g: Group): ImportProblem[] {
  if (!(err instanceof AppError) || err.status >= 500) throw err;
  const field = String(err.details?.field ?? '');
  const m = /^points\.(\d+)(?:\.(\w+))?/.exec(field);
  if (m && g.points[Number(m[1])]) {
    return [{ row: g.points[Number(m[1])].line, column: m[2], message: `${g.tag}: ${err.message}` }];
  }
  return [{ row: g.lines[0], ...(field ? { column: field } : {}), message: `${g.tag}: ${err.message}` }];
}

async function resolveGroup(db: Kysely<DB>, g: Group) {
  const inst = await db
    .selectFrom('instruments')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['tag']), '=', g.tag.toLowerCase()))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!inst) throw new ValidationError('tag', `no instrument with tag ${g.tag}`);
  const std = await db
    .selectFrom('reference_standards')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['identifier']), '=', g.standard.toLowerCase()))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!std)
    throw new ValidationError('reference_standard', `no reference standard with identifier ${g.standard}`);
  const { row: proc } = await effectiveProcedure(db, inst);
  const asInput = g.appliedIsInput ?? proc?.transfer_function != null;
  const points: RawPoint[] = g.points.map((p) => ({
    ...(asInput ? { input_value: p.applied } : { reference_value: p.applied }),
    ...(p.direction ? { direction: p.direction } : {}),
    as_found: p.as_found,
    as_left: p.as_left as number,
  }));
  return { inst, standardId: std.id, points };
}

/** One record of the file, checked and ready to record. */
export interface ImportedRecord {
  g: Group;
  inst: { id: number };
  standardId: number;
  points: RawPoint[];
}

/** The 400 listing every problem of the file, in line order; nothing is imported. */
export function importRefused(list: ImportProblem[]) {
  list.sort((a, b) => a.row - b.row);
  return new AppError(
    'calibration_import_invalid',
    `${list.length} problem(s) in the file; nothing was imported. First: row ${list[0].row}: ${list[0].message}`,
    400,
    { field: 'csv', errors: list },
  );
}

/** Every record of the file checked before anything is written, so one reply lists every problem. */
export async function checkImport(
  db: Kysely<DB>,
  input: { format: ImportFormat; csv: string },
): Promise<ImportedRecord[]> {
  const { groups, problems } = groupRows(input.csv, input.format);
  const prepared: ImportedRecord[] = [];
  for (const g of groups) {
    try {
      const r = await resolveGroup(db, g);
      const { certificate } = await assertStandardUsable(db, r.standardId, g.performed_at);
      await preparePoints(db, r.inst, r.points, { reduced_check: g.reduced_check }, certificate);
      prepared.push({ g, ...r });
    } catch (err) {
      problems.push(...toProblems(err, g));
    }
  }
  if (problems.length) throw importRefused(problems);
  return prepared;
}

/** What one record of the file asks to record. */
export function importedCalibration({ g, inst, standardId, points }: ImportedRecord) {
  return {
    instrument_id: inst.id,
    performed_at: g.performed_at,
    reference_standard_id: standardId,
    notes: g.notes,
    points,
    ...(g.reduced_check !== undefined ? { reduced_check: g.reduced_check } : {}),
    ...(g.work_order_id !== undefined ? { work_order_id: g.work_order_id } : {}),
  };
}

/** A recording error of one record, as the problems of its rows. */
export const importRecordRefused = (err: unknown, r: ImportedRecord) => importRefused(toProblems(err, r.g));
