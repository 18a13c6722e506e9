import type { WorkerTools } from '../jobs/worker-thread.ts';
import { renderPdf } from './pdf-export.ts';
import type { ReportData } from './report-model.ts';

/**
 * Worker-thread entry (see jobs/runInWorker): renders a report's PDF off the HTTP event loop. The
 * report arrives as JSON text: copying one string costs the sending thread far less than the
 * structured clone of thousands of row objects.
 */
export async function renderReportPdf(
  input: { reportJson: string; timeZone: string },
  tools: WorkerTools,
): Promise<Uint8Array> {
  const report = JSON.parse(input.reportJson) as ReportData;
  return renderPdf(report, { timeZone: input.timeZone, onProgress: tools.progress });
}
