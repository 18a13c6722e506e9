import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';

// A plant's register or history as rows of cells, from CSV or XLSX, by maintained parsers
// (csv-parse, exceljs). Line numbers are the file's own (the header is row 1, a skipped blank row
// still counts), so an error names the row the user sees in the spreadsheet.

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 10_000;

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A cell that cannot be a value: a formula with no stored result, or a spreadsheet error (#N/A). */
export interface BadCell {
  bad: string;
}
export type Cell = string | number | boolean | Date | null | BadCell;

export interface SheetRow {
  line: number;
  cells: Cell[];
}

export interface Sheet {
  header: string[];
  rows: SheetRow[];
}

export type FileKind = 'csv' | 'xlsx';

/** Refused before any row is looked at: the answer names it as an error of row 1 or the row limit. */
export class SheetError extends Error {
  constructor(
    message: string,
    readonly row: number,
  ) {
    super(message);
  }
}

/** XLSX is a zip (PK\x03\x04); anything else is read as text. */
export function kindOf(content: Buffer, declared?: string): FileKind {
  if (content.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'xlsx';
  if (declared?.startsWith(XLSX_TYPE)) return 'xlsx';
  return 'csv';
}

export async function readSheet(content: Buffer, kind: FileKind): Promise<Sheet> {
  if (content.length > MAX_IMPORT_BYTES)
    throw new SheetError(`the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`, 1);
  const sheet = kind === 'xlsx' ? await readXlsx(content) : readCsv(content);
  if (sheet.header.every((h) => h === '')) throw new SheetError('the file has no header row', 1);
  if (sheet.rows.length > MAX_IMPORT_ROWS)
    throw new SheetError(
      `the file has ${sheet.rows.length} data rows; at most ${MAX_IMPORT_ROWS} are imported at once (split the file)`,
      sheet.rows[MAX_IMPORT_ROWS].line,
    );
  return sheet;
}

/** `;` when the header has more semicolons than commas (Excel's CSV in locales with a decimal comma). */
function delimiterOf(text: string): string {
  const first = text.split(/\r?\n/, 1)[0];
  const count = (c: string) => first.split(c).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

function readCsv(content: Buffer): Sheet {
  const text = content.toString('utf8');
  if (text.includes('\u0000')) throw new SheetError('the file is neither CSV text nor an XLSX workbook', 1);
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, {
      bom: true,
      delimiter: delimiterOf(text.replace(/^\uFEFF/, '')),
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      trim: true,
      info: true,
    }) as unknown as typeof parsed;
  } catch (err) {
    throw new SheetError(
      `not readable as CSV: ${(err as Error).message}`,
      (err as { lines?: number }).lines ?? 1,
    );
  }
  if (parsed.length === 0) throw new SheetError('the file is empty', 1);
  const [head, ...rest] = parsed;
  return {
    header: head.record.map((h) => h.trim()),
    rows: rest.map(({ record, info }) => ({
      line: info.lines,
      // A CSV cell that starts with "=" is a formula the export did not evaluate.
      cells: record.map((c) => (c === '' ? null : c.startsWith('=') ? { bad: `formula ${c}` } : c)),
    })),
  };
}

function cellOf(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('formula' in v || 'sharedFormula' in v) {
      // The value Excel computed and stored with the formula is what the user saw.
      const result = (v as { result?: ExcelJS.CellValue }).result;
      if (result === undefined || result === null)
        return { bad: `formula ${(v as { formula?: string }).formula ?? ''} has no stored value` };
      if (typeof result === 'object' && !(result instanceof Date) && 'error' in result)
        return { bad: `formula result ${result.error}` };
      return cellOf(result);
    }
    if ('richText' in v) return cellOf(v.richText.map((t) => t.text).join(''));
    if ('text' in v) return cellOf(String(v.text));
    if ('error' in v) return { bad: `cell error ${v.error}` };
  }
  return String(v);
}

async function readXlsx(content: Buffer): Promise<Sheet> {
  // Loaded with the first XLSX (half a second of start-up otherwise).
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  try {
    await wb.xlsx.load(content as unknown as ArrayBuffer);
  } catch (err) {
    throw new SheetError(`not readable as an XLSX workbook: ${(err as Error).message}`, 1);
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new SheetError('the workbook has no worksheet', 1);
  if (ws.actualRowCount > MAX_IMPORT_ROWS + 1)
    throw new SheetError(
      `the sheet has ${ws.actualRowCount - 1} data rows; at most ${MAX_IMPORT_ROWS} are imported at once (split the file)`,
      MAX_IMPORT_ROWS + 2,
    );
  let header: string[] | null = null;
  const rows: SheetRow[] = [];
  ws.eachRow({ includeEmpty: false }, (row, line) => {
    // row.values is 1-based.
    const values = (row.values as ExcelJS.CellValue[]).slice(1);
    const cells = Array.from({ length: values.length }, (_, i) => cellOf(values[i]));
    if (cells.every((c) => c === null)) return;
    if (header === null) {
      header = cells.map((c) => (c === null ? '' : c instanceof Date ? c.toISOString() : String(c)));
      return;
    }
    rows.push({ line, cells });
  });
  if (header === null) throw new SheetError('the sheet is empty', 1);
  return { header, rows };
}
