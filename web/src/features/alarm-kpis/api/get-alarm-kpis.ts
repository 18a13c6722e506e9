import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { AlarmKpis } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type { AlarmKpis };

export interface KpiFilters {
  from?: string;
  to?: string;
  process_unit_id?: number;
}

export const getAlarmKpis = (f: KpiFilters) => apiRequest<AlarmKpis>('/api/alarm-kpis', { query: { ...f } });

export const useAlarmKpis = (f: KpiFilters) =>
  useQuery({
    queryKey: queryKeys.alarmKpis({ ...f }),
    queryFn: () => getAlarmKpis(f),
    placeholderData: keepPreviousData,
  });
