import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { stringify } from 'csv-stringify/sync';
import { formatCell } from './format.ts';
import type { ReportData, ReportTable } from './report-model.ts';

const BOM = '\uFEFF';
const CHUNK_ROWS = 2000;

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab / carriage return) as a formula; a
 * technician's free text must never do that, so such text gets a leading apostrophe (OWASP's advice).
 */
function neutralise(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/**
 * The main table as RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote or
 * line break, a header row of column labels, and a UTF-8 byte-order mark so Excel reads the
 * encoding right. Rendered in chunks with a turn of the event loop between them.
 */
export async function renderCsv(report: ReportData, timeZone: string, table: ReportTable = report.main) {
  const cols = table.columns;
  const pieces: string[] = [BOM];
  const opts = { record_delimiter: 'windows' as const, quoted_match: /^\s|\s$/ };
  // A CSV has no page header, so date-time columns name their time zone in the label.
  pieces.push(
    stringify([cols.map((c) => (c.kind === 'datetime' ? `${c.label} (${timeZone})` : c.label))], opts),
  );
  for (let i = 0; i < table.rows.length; i += CHUNK_ROWS) {
    const chunk = table.rows.slice(i, i + CHUNK_ROWS).map((row) =>
      cols.map((c) => {
        const text = formatCell(row[c.key] ?? null, c.kind, c.decimals, { timeZone, target: 'csv' });
        return !c.kind || c.kind === 'text' ? neutralise(text) : text;
      }),
    );
    pieces.push(stringify(chunk, opts));
    if (i + CHUNK_ROWS < table.rows.length) await yieldToLoop();
  }
  return Buffer.from(pieces.join(''), 'utf8');
}
