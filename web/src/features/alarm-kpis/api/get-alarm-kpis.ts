import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export interface KpiFilters {
  from?: string;
  to?: string;
  process_unit_id?: number;
}

interface Target {
  max: number;
  text: string;
}

export interface AlarmKpis {
  from: string;
  to: string;
  total_alarms: number;
  periods_10_minutes: number;
  average_per_10_minutes: number;
  average_per_hour: number;
  flood_periods: number;
  flood_percent: number;
  peak_10_minutes: { count: number; start: string | null };
  chattering: {
    count: number;
    alarms: {
      tag: string | null;
      alert_type: string;
      condition: string;
      raises: number;
      max_raises_per_minute: number;
    }[];
  };
  stale: {
    count: number;
    alarms: {
      alert_id: number;
      tag: string | null;
      alert_type: string;
      severity: string;
      message: string;
      raised_at: string;
      open_hours: number;
    }[];
  };
  bad_actors: {
    instrument_id: number | null;
    tag: string | null;
    alert_type: string;
    raises: number;
    percent: number;
  }[];
  top10_percent: number;
  by_priority: { severity: string; count: number; percent: number; target_percent: number }[];
  series_start: string;
  rate_series: number[];
  targets: {
    per_10_minutes: Target;
    per_hour: Target;
    flood_percent: Target;
    peak_10_minutes: Target;
    chattering: Target;
    stale: Target;
    top10_percent: Target;
    priority_percent: { text: string };
  };
}

export const getAlarmKpis = (f: KpiFilters) => apiRequest<AlarmKpis>('/api/alarm-kpis', { query: { ...f } });

export const useAlarmKpis = (f: KpiFilters) =>
  useQuery({
    queryKey: queryKeys.alarmKpis({ ...f }),
    queryFn: () => getAlarmKpis(f),
    placeholderData: keepPreviousData,
  });
