import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, apiRequest, downloadFile, type Query } from '../../../lib/api-client.ts';
import type { Job, ReportJobAccepted } from '../../../lib/api-types.ts';

export interface ExportProgress {
  jobId: number;
  rows: number;
  progress: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Downloads a report as CSV or PDF (GET /api/reports/{key}?export=). A large export answers 202
 * with a background job: poll it (GET /api/jobs/{id}) and then fetch its file, reporting progress.
 */
export async function downloadReport(
  key: string,
  query: Query,
  format: 'csv' | 'pdf',
  onProgress: (p: ExportProgress | null) => void,
): Promise<string> {
  const fallback = `${key}-report.${format}`;
  const first = await downloadFile(`/api/reports/${key}`, { ...query, export: format }, fallback);
  if (first.kind === 'file') return first.name;
  const { job_id, rows } = first.body as ReportJobAccepted;
  for (;;) {
    const job = await apiRequest<Job>(`/api/jobs/${job_id}`);
    onProgress({ jobId: job_id, rows, progress: job.progress });
    if (job.status === 'succeeded') break;
    if (job.status === 'failed')
      throw new ApiError(422, 'job_failed', `the export failed: ${job.error ?? 'unknown error'}`);
    await sleep(1000);
  }
  const done = await downloadFile(`/api/jobs/${job_id}/result`, {}, fallback);
  return done.kind === 'file' ? done.name : fallback;
}

export function useDownloadReport() {
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const mutation = useMutation({
    mutationFn: ({ key, query, format }: { key: string; query: Query; format: 'csv' | 'pdf' }) =>
      downloadReport(key, query, format, setProgress),
    onSettled: () => setProgress(null),
  });
  return { ...mutation, progress };
}
