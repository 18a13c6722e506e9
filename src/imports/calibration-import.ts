import type { Kysely } from 'kysely';
import { lockChain } from '../audit/audit-log.ts';
import {
  type ImportedCalibration,
  type ImportSource,
  importedCalibrations,
  importedKey,
} from '../calibration/imported-records.ts';
import type { PointInput } from '../calibration/point-errors.ts';
import { analyzeTables } from '../db/analyze.ts';
import type { DB } from '../db/schema.ts';
import { type InstrumentRange, listInstrumentRanges } from '../instruments/instrument-service.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { listReferenceStandards } from '../reference-standards/reference-standard-service.ts';
import { listUsers } from '../users/user-service.ts';
import { recordImportedCalibrations } from '../workflows/record-imported-calibrations.ts';
import { dateCell, mapColumns, numberCell, reader, textCell } from './columns.ts';
import { emptyAnswer, type ImportFile, recordImportAudit } from './import-file.ts';
import type { ImportAnswer, ImportProblem } from './schemas.ts';

// Calibration history from a plant's sheets (issue 18 part 2), long format: one row per test point;
// rows with the same tag and performed_at form one record. Records are written through the
// calibration module's imported-records path, all of the file or none of it.

export const CALIBRATION_COLUMNS: Record<string, string[]> = {
  tag: ['tag no', 'tag number', 'instrument tag'],
  performed_at: ['date', 'calibration date', 'cal date', 'performed on', 'calibrated on', 'date calibrated'],
  performed_by: ['technician', 'calibrated by', 'performed by', 'performer'],
  reference_standard: ['standard', 'calibrator', 'reference standard', 'calibrator id', 'standard id'],
  reference_value: ['reference', 'applied', 'applied value', 'input', 'test point', 'reference value'],
  as_found: ['as found', 'found'],
  as_left: ['as left', 'left'],
  notes: ['remarks', 'comment', 'comments'],
};

const REQUIRED = ['tag', 'performed_at', 'reference_value', 'as_found'];

interface Group {
  key: string;
  tag: string;
  performed_at: string;
  performed_by: string | null;
  standard: string | null;
  notes: string[];
  lines: number[];
  points: PointInput[];
}

function groupRows(
  file: ImportFile,
  answer: ImportAnswer,
): { groups: Group[]; label: (f: string) => string } {
  const { errors: problems, warnings } = answer;
  const cols = mapColumns(file.sheet.header, CALIBRATION_COLUMNS);
  problems.push(...cols.problems);
  for (const u of cols.unknown)
    warnings.push({
      row: 1,
      column: u,
      message: `column "${u}" is not a calibration field and was not imported`,
    });
  const missing = REQUIRED.filter((f) => !cols.index.has(f));
  if (missing.length) {
    problems.push({ row: 1, column: null, message: `the file has no ${missing.join(', ')} column` });
    return { groups: [], label: (f) => f };
  }
  const groups = new Map<string, Group>();
  for (const { line, cells } of file.sheet.rows) {
    const before = problems.length;
    const get = reader(cols, cells, line, problems);
    const need = <T>(field: string, v: T | null | undefined): T | undefined => {
      if (v === null)
        problems.push({ row: line, column: cols.label.get(field) ?? field, message: `${field} is empty` });
      return v ?? undefined;
    };
    const tag = need('tag', get('tag', textCell));
    const at = need('performed_at', get('performed_at', dateCell));
    const ref = need('reference_value', get('reference_value', numberCell));
    const found = need('as_found', get('as_found', numberCell));
    // No as-left: the instrument was left as found (no adjustment).
    const left = get('as_left', numberCell) ?? found;
    const by = get('performed_by', textCell) ?? null;
    const standard = get('reference_standard', textCell) ?? null;
    const notes = get('notes', textCell) ?? null;
    if (
      problems.length > before ||
      !tag ||
      !at ||
      ref === undefined ||
      found === undefined ||
      left === undefined
    )
      continue;
    const key = `${tag.toLowerCase()}|${at}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, tag, performed_at: at, performed_by: by, standard, notes: [], lines: [], points: [] };
      groups.set(key, g);
    } else {
      for (const [field, a, b] of [
        ['performed_by', g.performed_by, by],
        ['reference_standard', g.standard, standard],
      ] as const) {
        if (b !== null && a !== null && a.toLowerCase() !== b.toLowerCase())
          problems.push({
            row: line,
            column: cols.label.get(field) ?? field,
            message: `one calibration has one ${field}: "${a}" on row ${g.lines[0]}, "${b}" here`,
          });
      }
      g.performed_by ??= by;
      g.standard ??= standard;
    }
    if (notes && !g.notes.includes(notes)) g.notes.push(notes);
    g.lines.push(line);
    g.points.push({ reference_value: ref, as_found: found, as_left: left });
  }
  return { groups: [...groups.values()], label: (f) => cols.label.get(f) ?? f };
}

function checkGroup(
  g: Group,
  inst: InstrumentRange | undefined,
  now: Date,
  problems: ImportProblem[],
  label: (f: string) => string,
) {
  if (!inst) {
    problems.push({
      row: g.lines[0],
      column: label('tag'),
      message: `no instrument with tag ${g.tag} (import the register first)`,
    });
    return false;
  }
  let ok = true;
  if (Date.parse(g.performed_at) > now.getTime()) {
    problems.push({
      row: g.lines[0],
      column: label('performed_at'),
      message: 'performed_at cannot be in the future',
    });
    ok = false;
  }
  const span = inst.range_max - inst.range_min;
  g.points.forEach((p, i) => {
    // The rule of the calibration API: a test point within the range, give or take 10 % of span.
    if (p.reference_value < inst.range_min - 0.1 * span || p.reference_value > inst.range_max + 0.1 * span) {
      problems.push({
        row: g.lines[i],
        column: label('reference_value'),
        message: `reference_value ${p.reference_value} lies outside the range ${inst.range_min} to ${inst.range_max} ${inst.unit} of ${inst.tag}`,
      });
      ok = false;
    }
  });
  return ok;
}

export async function importCalibrationHistory(
  db: Kysely<DB>,
  actorId: number,
  file: ImportFile,
  /** `after`: the calibration states' event, sent once the import has committed. */
  opts: { dryRun: boolean; now: Date; after: AfterCommit },
): Promise<ImportAnswer> {
  const answer = emptyAnswer('calibrations', file, opts.dryRun);
  const { groups, label } = groupRows(file, answer);
  const instruments = new Map((await listInstrumentRanges(db)).map((i) => [i.tag.toLowerCase(), i]));
  const users = new Map<string, number>();
  for (const u of (await listUsers(db, { limit: 1_000_000, offset: 0 })).items) {
    users.set(u.employee_number.toLowerCase(), u.id);
    users.set(u.full_name.toLowerCase(), u.id);
  }
  const standards = new Map(
    (await listReferenceStandards(db, { limit: 1_000_000, offset: 0 }, opts.now)).items.map((s) => [
      s.identifier.toLowerCase(),
      s.id,
    ]),
  );
  const done = await importedCalibrations(
    db,
    groups.flatMap((g) => instruments.get(g.tag.toLowerCase())?.id ?? []),
    'history',
  );
  const byInstrument = new Map<number, { input: ImportedCalibration; source: ImportSource }[]>();
  for (const g of groups) {
    const inst = instruments.get(g.tag.toLowerCase());
    if (!checkGroup(g, inst, opts.now, answer.errors, label) || !inst) continue;
    const imported = done.has(importedKey(inst.id, g.performed_at));
    const technicianId = g.performed_by ? (users.get(g.performed_by.toLowerCase()) ?? null) : null;
    const standardId = g.standard ? (standards.get(g.standard.toLowerCase()) ?? null) : null;
    answer.items.push({
      row: g.lines[0],
      tag: inst.tag,
      action: imported ? 'unchanged' : 'create',
      instrument_id: inst.id,
      changes: [],
      process_unit: inst.process_unit_name,
      last_calibrated_on: null,
      performed_at: g.performed_at,
      points: g.points.length,
      rows: g.lines,
    });
    if (imported) {
      answer.unchanged++;
      continue;
    }
    answer.created++;
    answer.calibrations_created++;
    const list = byInstrument.get(inst.id) ?? [];
    list.push({
      input: {
        instrument_id: inst.id,
        performed_at: g.performed_at,
        kind: 'history',
        technician_id: technicianId,
        performed_by_name: g.performed_by,
        reference_standard_id: standardId,
        reference_standard_text: g.standard,
        notes: g.notes.length ? g.notes.join('; ') : null,
        points: g.points,
      },
      source: { file: file.name, sha256: file.sha256, rows: g.lines },
    });
    byInstrument.set(inst.id, list);
  }
  answer.errors.sort((a, b) => a.row - b.row);
  if (answer.errors.length > 0 || opts.dryRun) return answer;
  await db.transaction().execute(async (trx) => {
    // The audit chain first: this transaction writes many audited rows (see lockChain).
    await lockChain(trx);
    // Each instrument's records oldest first (ids in the order they happened), all in one call.
    const items = [...byInstrument.values()].flatMap((list) =>
      list.sort((a, b) => a.input.performed_at.localeCompare(b.input.performed_at)),
    );
    await recordImportedCalibrations(trx, actorId, items, opts.now, opts.after);
    if (answer.created > 0) await recordImportAudit(trx, actorId, file, answer, opts.now.toISOString());
  });
  // A history import can add thousands of records at once (db/analyze.ts).
  if (answer.created > 0) await analyzeTables(db, ['calibration_records', 'calibration_points']);
  return answer;
}
