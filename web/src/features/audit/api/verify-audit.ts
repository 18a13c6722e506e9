import { useMutation } from '@tanstack/react-query';
import { apiRequest, downloadFile } from '../../../lib/api-client.ts';
import type { AuditVerifyReport } from '../types.ts';

/** Verifies the trail; with an exported checkpoint (parsed JSON), also against it. */
export const verifyAudit = (checkpoint?: unknown) =>
  checkpoint === undefined
    ? apiRequest<AuditVerifyReport>('/api/audit/verify')
    : apiRequest<AuditVerifyReport>('/api/audit/verify', { method: 'POST', body: { checkpoint } });

// A mutation, not a query: verify walks the whole table, so it runs when the admin asks.
export const useVerifyAudit = () =>
  useMutation({ mutationFn: (checkpoint?: unknown) => verifyAudit(checkpoint) });

/** Saves a signed checkpoint of the trail's head (GET /api/audit/checkpoint) as a file. */
export const useDownloadCheckpoint = () =>
  useMutation({ mutationFn: () => downloadFile('/api/audit/checkpoint', {}, 'audit-checkpoint.json') });
