import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { AuditEntry } from '../types.ts';

export const useAuditEntries = (f: { limit: number; offset: number }) =>
  useQuery({
    queryKey: queryKeys.audit.list({ ...f }),
    queryFn: () => apiRequest<Page<AuditEntry>>('/api/audit', { query: { ...f } }),
    placeholderData: keepPreviousData,
  });
