import { Ajv, type ErrorObject } from 'ajv';
import type { Kysely } from 'kysely';
import { lockChain } from '../audit/audit-log.ts';
import { importedCalibrations, importedKey } from '../calibration/imported-records.ts';
import { analyzeTables } from '../db/analyze.ts';
import type { DB } from '../db/schema.ts';
import {
  createInstruments,
  type InstrumentInput,
  instrumentDefaults,
  listInstruments,
  type PublicInstrument,
  updateInstruments,
} from '../instruments/instrument-service.ts';
import { instrumentsWithReadings, RANGE_FIELDS } from '../instruments/range-changes.ts';
import { CreateInstrumentBody, instrumentFields, PatchInstrumentBody } from '../instruments/schemas.ts';
import { rangeAndLimitProblems } from '../instruments/validation.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { createProcessUnit, listProcessUnits } from '../process-units/process-unit-service.ts';
import { recordImportedCalibrations } from '../workflows/record-imported-calibrations.ts';
import {
  booleanCell,
  type ColumnMap,
  dateCell,
  mapColumns,
  numberCell,
  reader,
  textCell,
} from './columns.ts';
import { emptyAnswer, type ImportFile, recordImportAudit } from './import-file.ts';
import type { ImportAnswer, ImportProblem } from './schemas.ts';
import type { Cell, Sheet } from './spreadsheet.ts';

// The instrument register from a spreadsheet (issue 18 part 1). Every row is checked by the rules of
// POST/PATCH /api/instruments (the same schema, the same cross-field rules) with every problem
// reported at once; only a file with none is written, all of it in one transaction through the
// instruments module's own create and update (their set-based forms: the database is read once for
// the whole file and written a batch of rows per statement), so each change is audited like an API
// edit.

type Field = keyof typeof instrumentFields;
type Kind = 'text' | 'number' | 'integer' | 'boolean';

/** The register's columns: API field names, plus the process unit by name and the last calibration. */
export const INSTRUMENT_COLUMNS: Record<string, { kind: Kind | 'date'; aliases: string[] }> = {
  tag: {
    kind: 'text',
    aliases: ['tag no', 'tag number', 'tag no.', 'instrument tag', 'tag name', 'tagname'],
  },
  type: { kind: 'text', aliases: ['instrument type'] },
  measured_variable: { kind: 'text', aliases: ['measured variable', 'process variable', 'variable', 'pv'] },
  unit: {
    kind: 'text',
    aliases: ['eng. units', 'eng units', 'engineering units', 'eng unit', 'units', 'uom'],
  },
  range_min: { kind: 'number', aliases: ['lrv', 'lower range value', 'range min', 'range low', 'min range'] },
  range_max: {
    kind: 'number',
    aliases: ['urv', 'upper range value', 'range max', 'range high', 'max range'],
  },
  nominal_value: { kind: 'number', aliases: ['nominal', 'normal value', 'normal operating value'] },
  location: { kind: 'text', aliases: [] },
  equipment: { kind: 'text', aliases: ['equipment no', 'equipment tag', 'equipment number'] },
  accuracy_class: {
    kind: 'number',
    aliases: ['accuracy', 'accuracy (%)', 'accuracy class', 'tolerance (%)'],
  },
  criticality: { kind: 'text', aliases: [] },
  status: { kind: 'text', aliases: [] },
  process_unit: { kind: 'text', aliases: ['process unit', 'plant unit', 'unit name', 'process area'] },
  calibration_interval_days: {
    kind: 'integer',
    aliases: ['cal interval (days)', 'calibration interval (days)', 'cal interval', 'calibration interval'],
  },
  use_predicted_interval: { kind: 'boolean', aliases: [] },
  description: { kind: 'text', aliases: ['service', 'service description'] },
  alarm_low_critical: { kind: 'number', aliases: ['ll', 'lolo', 'low low alarm', 'alarm ll'] },
  alarm_low_warning: { kind: 'number', aliases: ['lo', 'low alarm', 'alarm l'] },
  alarm_high_warning: { kind: 'number', aliases: ['hi', 'high alarm', 'alarm h'] },
  alarm_high_critical: { kind: 'number', aliases: ['hh', 'hihi', 'high high alarm', 'alarm hh'] },
  alarm_deadband: { kind: 'number', aliases: [] },
  alarm_on_delay_seconds: { kind: 'integer', aliases: [] },
  publish_interval_seconds: { kind: 'number', aliases: [] },
  stuck_deadband: { kind: 'number', aliases: [] },
  stuck_window_minutes: { kind: 'number', aliases: [] },
  signal_low_ma: { kind: 'number', aliases: [] },
  signal_high_ma: { kind: 'number', aliases: [] },
  max_rate_per_second: { kind: 'number', aliases: [] },
  cusum_k: { kind: 'number', aliases: [] },
  cusum_h: { kind: 'number', aliases: [] },
  last_calibrated_on: {
    kind: 'date',
    aliases: [
      'last calibrated',
      'last calibration',
      'last cal date',
      'last calibration date',
      'date last calibrated',
    ],
  },
};

/** Instrument fields the file may set (process_unit_id comes from the process_unit name). */
const FIELDS = Object.keys(INSTRUMENT_COLUMNS).filter(
  (k): k is Field => k !== 'process_unit' && k !== 'last_calibrated_on',
);

// Every error at once (the API stops at the first): same schemas, allErrors on.
const ajv = new Ajv({ allErrors: true, strictNumbers: true, coerceTypes: false });
const checkCreate = ajv.compile(CreateInstrumentBody);
const checkPatch = ajv.compile(PatchInstrumentBody);

interface ParsedRow {
  line: number;
  tag: string;
  values: Partial<Record<Field, unknown>>;
  processUnit: string | null;
  lastCalibratedOn: string | null;
}

function readValue(kind: Kind | 'date', c: Cell) {
  switch (kind) {
    case 'text':
      return textCell(c);
    case 'number':
    case 'integer':
      return numberCell(c);
    case 'boolean':
      return booleanCell(c);
    case 'date':
      return dateCell(c);
  }
}

function parseRows(sheet: Sheet, cols: ColumnMap, problems: ImportProblem[]): ParsedRow[] {
  const out: ParsedRow[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of sheet.rows) {
    const get = reader(cols, cells, line, problems);
    const values: Partial<Record<Field, unknown>> = {};
    for (const f of FIELDS) {
      const v = get(f, (c) => readValue(INSTRUMENT_COLUMNS[f].kind, c));
      // An empty cell leaves the field as it is (or its default for a new instrument).
      if (v !== undefined && v !== null) values[f] = v;
    }
    const tag = typeof values.tag === 'string' ? values.tag : '';
    if (!tag) {
      if (!problems.some((p) => p.row === line && p.column === cols.label.get('tag')))
        problems.push({ row: line, column: cols.label.get('tag') ?? 'tag', message: 'tag is empty' });
      continue;
    }
    const first = seen.get(tag.toLowerCase());
    if (first !== undefined) {
      problems.push({
        row: line,
        column: cols.label.get('tag') ?? 'tag',
        message: `tag ${tag} is also on row ${first} (tags are unique regardless of case)`,
      });
      continue;
    }
    seen.set(tag.toLowerCase(), line);
    out.push({
      line,
      tag,
      values,
      processUnit: (get('process_unit', textCell) as string | null | undefined) ?? null,
      lastCalibratedOn: (get('last_calibrated_on', dateCell) as string | null | undefined) ?? null,
    });
  }
  return out;
}

/** Schema errors as one problem per field, worded for a spreadsheet user. */
function schemaProblems(errors: ErrorObject[] | null | undefined, row: ParsedRow, cols: ColumnMap) {
  const byField = new Map<string, string>();
  for (const e of errors ?? []) {
    const field = e.instancePath.split('/')[1] ?? String(e.params.missingProperty ?? '');
    if (!field || byField.has(field)) continue;
    let message: string;
    if (e.keyword === 'required') message = `${field} is required for a new instrument`;
    else if (e.keyword === 'const' || e.keyword === 'anyOf') {
      const allowed = (instrumentFields[field as Field] as { anyOf?: { const?: unknown }[] }).anyOf
        ?.map((s) => s.const)
        .filter((v) => v !== undefined);
      message = allowed?.length
        ? `${field} "${String(row.values[field as Field])}" is not one of ${allowed.join(', ')}`
        : `${field} ${e.message}`;
    } else message = `${field} ${e.message}`;
    byField.set(field, message);
  }
  return [...byField].map(([field, message]) => ({
    row: row.line,
    column: cols.label.get(field) ?? field,
    message,
  }));
}

const same = (a: unknown, b: unknown) => a === b || (a == null && b == null);

interface Plan {
  row: ParsedRow;
  existing: PublicInstrument | null;
  /** For a new instrument, every given field; for an existing one, only those that change. */
  fields: Partial<Record<Field, unknown>>;
  processUnitKey: string | null;
  summaryOn: string | null;
}

/** What the database says of the existing instruments, read once for the whole file. */
interface Known {
  units: Map<string, { id: number | null; name: string }>;
  /** Existing instruments with readings stored (their unit and range cannot change by import). */
  withReadings: Set<number>;
  /** importedKey(instrument, date) of the summary records already imported. */
  summaries: Set<string>;
}

function planRow(
  row: ParsedRow,
  existing: PublicInstrument | undefined,
  known: Known,
  cols: ColumnMap,
  ctx: { now: Date; problems: ImportProblem[]; warnings: ImportProblem[] },
): Plan | null {
  const { units } = known;
  const { problems, warnings } = ctx;
  const before = problems.length;
  const unitKey = row.processUnit?.toLowerCase() ?? null;
  const unit = unitKey ? units.get(unitKey) : undefined;
  // A unit still to be created has no id yet: any id satisfies the schema.
  const unitId = unit ? (unit.id ?? 1) : undefined;
  let fields: Partial<Record<Field, unknown>>;
  if (existing) {
    if (existing.tag !== row.tag)
      warnings.push({
        row: row.line,
        column: cols.label.get('tag') ?? 'tag',
        message: `tag ${row.tag} is the existing instrument ${existing.tag} (tags match regardless of case); its tag stays ${existing.tag}`,
      });
    const { tag: _tag, ...given } = row.values;
    fields = Object.fromEntries(
      Object.entries(given).filter(([k, v]) => !same(existing[k as Field], v)),
    ) as Partial<Record<Field, unknown>>;
    const patch = {
      ...fields,
      ...(unit && unit.id !== existing.process_unit_id ? { process_unit_id: unitId } : {}),
    };
    if (!checkPatch(patch)) problems.push(...fresh(schemaProblems(checkPatch.errors, row, cols), problems));
    const merged = { ...existing, ...fields } as PublicInstrument;
    if (LIMIT_FIELDS.every((k) => merged[k] === null || typeof merged[k] === 'number'))
      pushRangeProblems(merged, row, cols, problems);
    const relabels = RANGE_FIELDS.filter((k) => fields[k] !== undefined);
    if (relabels.length > 0 && problems.length === before && known.withReadings.has(existing.id))
      problems.push({
        row: row.line,
        column: cols.label.get(relabels[0]) ?? relabels[0],
        message: `${existing.tag} has readings: its ${relabels.join(', ')} cannot change by import (re-range it on its page, so stored readings keep their meaning)`,
      });
  } else {
    fields = { ...row.values };
    const body = { ...fields, ...(unitId !== undefined ? { process_unit_id: unitId } : {}) };
    if (!checkCreate(body)) problems.push(...fresh(schemaProblems(checkCreate.errors, row, cols), problems));
    const v = body as unknown as InstrumentInput;
    if (typeof v.range_min === 'number' && typeof v.range_max === 'number') {
      const merged = { ...instrumentDefaults(v.range_min, v.range_max), ...v };
      // Cross-field rules over the numbers that are numbers (a bad cell is reported already).
      if (LIMIT_FIELDS.every((k) => merged[k] === null || typeof merged[k] === 'number'))
        pushRangeProblems(merged, row, cols, problems);
    }
  }
  let summaryOn: string | null = null;
  if (row.lastCalibratedOn) {
    if (Date.parse(row.lastCalibratedOn) > ctx.now.getTime())
      problems.push({
        row: row.line,
        column: cols.label.get('last_calibrated_on') ?? 'last_calibrated_on',
        message: 'last_calibrated_on cannot be in the future',
      });
    else if (!existing || !known.summaries.has(importedKey(existing.id, row.lastCalibratedOn)))
      summaryOn = row.lastCalibratedOn;
  }
  if (problems.length > before) return null;
  return { row, existing: existing ?? null, fields, processUnitKey: unitKey, summaryOn };
}

const LIMIT_FIELDS = [
  'range_min',
  'range_max',
  'nominal_value',
  'alarm_low_critical',
  'alarm_low_warning',
  'alarm_high_warning',
  'alarm_high_critical',
  'signal_low_ma',
  'signal_high_ma',
] as const;

/** Problems for cells not already reported (a cell that could not be read is not also "required"). */
function fresh(list: ImportProblem[], reported: ImportProblem[]) {
  return list.filter((p) => !reported.some((r) => r.row === p.row && r.column === p.column));
}

function pushRangeProblems(
  v: Parameters<typeof rangeAndLimitProblems>[0],
  row: ParsedRow,
  cols: ColumnMap,
  problems: ImportProblem[],
) {
  for (const p of rangeAndLimitProblems(v)) {
    const column = cols.label.get(p.field) ?? p.field;
    if (!problems.some((r) => r.row === row.line && r.column === column))
      problems.push({ row: row.line, column, message: p.message });
  }
}

/** Checks (and unless `dryRun`, writes) a register. Returns the answer; written only when it has no errors. */
export async function importInstruments(
  db: Kysely<DB>,
  actorId: number,
  file: ImportFile,
  /** `after`: the register's change event, sent once the import has committed. */
  opts: { dryRun: boolean; now: Date; after: AfterCommit },
): Promise<ImportAnswer> {
  const answer = emptyAnswer('instruments', file, opts.dryRun);
  const { errors: problems, warnings } = answer;
  const cols = mapColumns(
    file.sheet.header,
    Object.fromEntries(Object.entries(INSTRUMENT_COLUMNS).map(([k, v]) => [k, v.aliases])),
  );
  problems.push(...cols.problems);
  for (const u of cols.unknown)
    warnings.push({
      row: 1,
      column: u,
      message: `column "${u}" is not an instrument field and was not imported`,
    });
  if (!cols.index.has('tag')) {
    problems.push({ row: 1, column: null, message: 'the file has no tag column ("tag" or "Tag No.")' });
    return answer;
  }
  const rows = parseRows(file.sheet, cols, problems);
  const existing = new Map(
    (await listInstruments(db, { limit: 1_000_000, offset: 0 }, opts.now)).items.map((i) => [
      i.tag.toLowerCase(),
      i,
    ]),
  );
  const units = new Map<string, { id: number | null; name: string }>(
    (await listProcessUnits(db)).items.map((u) => [u.name.toLowerCase(), { id: u.id, name: u.name }]),
  );
  for (const r of rows) {
    const key = r.processUnit?.toLowerCase();
    if (key && !units.has(key)) {
      units.set(key, { id: null, name: r.processUnit as string });
      answer.process_units_created.push(r.processUnit as string);
      warnings.push({
        row: r.line,
        column: cols.label.get('process_unit') ?? 'process_unit',
        message: `process unit "${r.processUnit}" does not exist and ${opts.dryRun ? 'will be' : 'was'} created`,
      });
    }
  }
  // Rows that would change the unit or range of an existing instrument: do any have readings?
  const matched = rows.flatMap((r) => existing.get(r.tag.toLowerCase()) ?? []);
  const relabelled = rows.flatMap((r) => {
    const e = existing.get(r.tag.toLowerCase());
    return e && RANGE_FIELDS.some((k) => r.values[k] !== undefined && !same(e[k], r.values[k])) ? [e.id] : [];
  });
  const known: Known = {
    units,
    withReadings: await instrumentsWithReadings(db, relabelled),
    summaries: await importedCalibrations(
      db,
      matched.map((e) => e.id),
      'summary',
    ),
  };
  const plans: Plan[] = [];
  for (const r of rows) {
    const plan = planRow(r, existing.get(r.tag.toLowerCase()), known, cols, {
      now: opts.now,
      problems,
      warnings,
    });
    if (plan) plans.push(plan);
  }
  problems.sort((a, b) => a.row - b.row);
  for (const p of plans) {
    const unit = p.processUnitKey ? units.get(p.processUnitKey) : undefined;
    const unitChanges = Boolean(unit && (!p.existing || unit.id !== p.existing.process_unit_id));
    const changes = [
      ...Object.keys(p.fields).filter((k) => k !== 'tag' || !p.existing),
      ...(unitChanges ? ['process_unit'] : []),
    ];
    const action = !p.existing ? 'create' : changes.length ? 'update' : 'unchanged';
    answer[action === 'create' ? 'created' : action === 'update' ? 'updated' : 'unchanged']++;
    if (p.summaryOn) answer.calibrations_created++;
    answer.items.push({
      row: p.row.line,
      tag: p.existing?.tag ?? p.row.tag,
      action,
      instrument_id: p.existing?.id ?? null,
      changes: p.existing ? changes : [],
      process_unit: unit?.name ?? p.existing?.process_unit_name ?? null,
      last_calibrated_on: p.row.lastCalibratedOn,
    });
  }
  if (problems.length > 0) {
    // All or nothing: an answer with errors counts what would have happened, and writes nothing.
    return answer;
  }
  if (opts.dryRun) return answer;
  await db.transaction().execute(async (trx) => {
    // The audit chain first: this transaction writes many audited rows (see lockChain).
    await lockChain(trx);
    const at = opts.now.toISOString();
    for (const [key, u] of units) {
      if (u.id !== null) continue;
      const created = await createProcessUnit(trx, actorId, { name: u.name }, at);
      units.set(key, { id: created.id, name: created.name });
    }
    const unitOf = (p: Plan) =>
      p.processUnitKey ? (units.get(p.processUnitKey)?.id ?? undefined) : undefined;
    // All creations, then all updates, each set-based in the instruments module (validated and
    // audited as the API does); the listeners hear of the changes once, after commit.
    const creating = plans.flatMap((p, n) => (p.existing ? [] : [{ p, n }]));
    const created = await createInstruments(
      trx,
      actorId,
      creating.map(({ p }) => {
        const unitId = unitOf(p);
        return {
          ...(p.fields as unknown as InstrumentInput),
          ...(unitId !== undefined ? { process_unit_id: unitId } : {}),
        };
      }),
      opts.now,
      opts.after,
    );
    creating.forEach(({ n }, i) => {
      answer.items[n].instrument_id = created[i].id;
    });
    await updateInstruments(
      trx,
      actorId,
      plans.flatMap((p, n) => {
        if (!p.existing || answer.items[n].action !== 'update') return [];
        const { tag: _tag, ...patch } = p.fields;
        const unitId = unitOf(p);
        return [
          {
            id: p.existing.id,
            patch: {
              ...(patch as Partial<InstrumentInput>),
              ...(unitId !== undefined && unitId !== p.existing.process_unit_id
                ? { process_unit_id: unitId }
                : {}),
            },
          },
        ];
      }),
      opts.now,
      opts.after,
    );
    const summaries = plans.flatMap((p, n) =>
      p.summaryOn
        ? [
            {
              input: {
                instrument_id: answer.items[n].instrument_id as number,
                performed_at: p.summaryOn,
                kind: 'summary' as const,
                technician_id: null,
                performed_by_name: null,
                reference_standard_id: null,
                reference_standard_text: null,
                notes: null,
                points: [],
              },
              source: { file: file.name, sha256: file.sha256, rows: [p.row.line] },
            },
          ]
        : [],
    );
    await recordImportedCalibrations(trx, actorId, summaries, opts.now, opts.after);
    if (answer.created + answer.updated + summaries.length > 0)
      await recordImportAudit(trx, actorId, file, answer, at);
  });
  // A register import can add thousands of instruments at once (db/analyze.ts).
  if (answer.created > 0) await analyzeTables(db, ['instruments', 'calibration_records']);
  return answer;
}
