import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import type { ImportAnswer, ImportProblem } from './schemas.ts';
import { type Cell, type FileKind, kindOf, readSheet, type Sheet, SheetError } from './spreadsheet.ts';

/** An uploaded file, read: its name and sha256 go into the audit trail. */
export interface ImportFile {
  name: string;
  sha256: string;
  kind: FileKind;
  sheet: Sheet;
}

/** Reads the upload; a file that cannot be read at all is one problem, not an exception. */
/** The answer before any row is read: counts at zero, for the file given. */
export function emptyAnswer(kind: ImportAnswer['kind'], file: ImportFile, dryRun: boolean): ImportAnswer {
  return {
    kind,
    dry_run: dryRun,
    file: file.name,
    sha256: file.sha256,
    rows: file.sheet.rows.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    errors: [],
    warnings: [],
    process_units_created: [],
    calibrations_created: 0,
    items: [],
  };
}

export async function loadImportFile(
  content: Buffer,
  name: string,
  declaredType: string | undefined,
): Promise<{ file: ImportFile } | { name: string; sha256: string; problem: ImportProblem }> {
  const sha256 = createHash('sha256').update(content).digest('hex');
  const kind = kindOf(content, declaredType);
  try {
    return { file: { name, sha256, kind, sheet: await readSheet(content, kind) } };
  } catch (e) {
    if (!(e instanceof SheetError)) throw e;
    return { name, sha256, problem: { row: e.row, column: null, message: e.message } };
  }
}

/** One audit row for the import itself: which file (name and sha256), what it did. */
export async function recordImportAudit(
  trx: Kysely<DB>,
  actorId: number,
  file: ImportFile,
  summary: {
    kind: string;
    rows: number;
    created: number;
    updated: number;
    unchanged: number;
    calibrations_created: number;
  },
  at: string,
) {
  await recordAudit(trx, {
    userId: actorId,
    action: 'import',
    entityType: 'import',
    entityId: null,
    newValue: {
      kind: summary.kind,
      file: file.name,
      sha256: file.sha256,
      format: file.kind,
      rows: summary.rows,
      created: summary.created,
      updated: summary.updated,
      unchanged: summary.unchanged,
      calibrations_created: summary.calibrations_created,
    },
    at,
  });
}

const display = (c: Cell): string =>
  c === null
    ? ''
    : c instanceof Date
      ? c.toISOString().replace('T00:00:00.000Z', '')
      : typeof c === 'object'
        ? c.bad
        : String(c);

/**
 * The file as the Import page shows it before anything is written: its header and, as text, the
 * first rows and every row an error or warning names (at most 1,000 rows, so the answer stays small).
 */
export function previewOf(sheet: Sheet, problems: ImportProblem[]) {
  const marked = new Set(problems.map((p) => p.row));
  const rows = sheet.rows
    .filter((r, i) => i < 100 || marked.has(r.line))
    .slice(0, 1000)
    .map((r) => ({ row: r.line, cells: r.cells.map(display) }));
  return { header: sheet.header, rows };
}
