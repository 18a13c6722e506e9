import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest, downloadFile } from '../../../lib/api-client.ts';
import type { Attachment, ErrorCode } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { getToken } from '../../../lib/session.ts';

export type { Attachment };

export type AttachmentTarget = 'calibration_record' | 'work_order';

const base = (type: AttachmentTarget, id: number) =>
  `/api/${type === 'calibration_record' ? 'calibrations' : 'work-orders'}/${id}/attachments`;

export const useAttachments = (type: AttachmentTarget, id: number) =>
  useQuery({
    queryKey: queryKeys.attachments.forRecord(type, id),
    queryFn: () => apiRequest<{ items: Attachment[]; total: number }>(base(type, id)),
  });

/** The file goes as the request body (the server checks its type on the content). */
async function upload(type: AttachmentTarget, id: number, file: File): Promise<Attachment> {
  const res = await fetch(`${base(type, id)}?filename=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${getToken() ?? ''}`,
      'content-type': file.type || 'application/octet-stream',
      accept: 'application/json',
    },
    body: file,
  }).catch(() => {
    throw new ApiError(0, 'network_error', 'network error');
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    throw new ApiError(
      res.status,
      (body?.error?.code as ErrorCode | undefined) ?? `http_${res.status}`,
      body?.error?.message ?? res.statusText,
      body?.error?.details ?? {},
    );
  }
  return body as Attachment;
}

export function useUploadAttachment(type: AttachmentTarget, id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (file: File) => upload(type, id, file),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.attachments.forRecord(type, id) }),
  });
}

export const downloadAttachment = (a: Attachment) =>
  downloadFile(`/api/attachments/${a.id}/download`, {}, a.filename);
