import { ApiError, type ApiErrorCode, downloadFile } from '../../../lib/api-client.ts';
import { getToken } from '../../../lib/session.ts';
import type { ImportAnswer, ImportKind } from '../types.ts';

export type UploadPhase = { phase: 'uploading'; sent: number; total: number } | { phase: 'server' };

/**
 * Sends the file as a multipart upload. XMLHttpRequest, not fetch: its upload progress events are
 * the honest part of the progress bar (bytes sent); once sent, the server checks (and writes) the
 * file in one request, shown as "working" without a made-up percentage. A 200 or 422 is an answer.
 */
export function uploadImport(
  kind: ImportKind,
  file: File,
  dryRun: boolean,
  onProgress: (p: UploadPhase) => void,
): Promise<ImportAnswer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const qs = new URLSearchParams({ dry_run: String(dryRun), filename: file.name });
    xhr.open('POST', `/api/imports/${kind}?${qs}`);
    const token = getToken();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) =>
      onProgress({ phase: 'uploading', sent: e.loaded, total: e.total || file.size });
    xhr.upload.onload = () => onProgress({ phase: 'server' });
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'network error'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 200 || xhr.status === 422) return resolve(body as ImportAnswer);
      const err = (
        body as { error?: { code: ApiErrorCode; message: string; details?: Record<string, unknown> } }
      )?.error;
      reject(
        new ApiError(
          xhr.status,
          err?.code ?? `http_${xhr.status}`,
          err?.message ?? xhr.statusText,
          err?.details,
        ),
      );
    };
    const form = new FormData();
    form.append('file', file, file.name);
    onProgress({ phase: 'uploading', sent: 0, total: file.size });
    xhr.send(form);
  });
}

export const downloadTemplate = (kind: ImportKind, ext: 'csv' | 'xlsx') =>
  downloadFile(`/api/imports/${kind}/template.${ext}`, {}, `${kind}-template.${ext}`);
