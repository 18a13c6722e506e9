import { runInWorker } from '../jobs/worker-thread.ts';
import { renderCsv } from './csv-export.ts';
import { exportFileName } from './format.ts';
import { renderPdf } from './pdf-export.ts';
import { type ReportData, totalRows } from './report-model.ts';

export type ExportFormat = 'csv' | 'pdf';

export interface ExportFile {
  body: Buffer;
  contentType: string;
  fileName: string;
}

/**
 * PDFs with more rows than this are drawn in a worker thread even when the request waits for them:
 * two layout passes over thousands of rows are seconds of CPU the HTTP event loop should not spend.
 */
export const PDF_WORKER_ROWS = 1000;

export async function exportReport(
  report: ReportData,
  format: ExportFormat,
  opts: { timeZone: string; onProgress?: (p: number) => void; signal?: AbortSignal },
): Promise<ExportFile> {
  const fileName = exportFileName(report.report, report.period.from, report.period.to, format);
  if (format === 'csv') {
    const body = await renderCsv(report, opts.timeZone);
    opts.onProgress?.(1);
    return { body, contentType: 'text/csv; charset=utf-8', fileName };
  }
  const body =
    totalRows(report) > PDF_WORKER_ROWS
      ? Buffer.from(
          await runInWorker<Uint8Array>(
            new URL('./pdf-render-task.ts', import.meta.url),
            'renderReportPdf',
            { reportJson: JSON.stringify(report), timeZone: opts.timeZone },
            { onProgress: opts.onProgress, signal: opts.signal },
          ),
        )
      : await renderPdf(report, { timeZone: opts.timeZone, onProgress: opts.onProgress });
  return { body, contentType: 'application/pdf', fileName };
}
