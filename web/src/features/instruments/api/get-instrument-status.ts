import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/**
 * Live detector state of one instrument (GET /api/instruments/{id}/status). The detectors report
 * open-ended detail; the panel shows the parts every instrument has and tolerates the rest.
 */
export interface InstrumentStatus {
  instrument_id: number;
  tag: string;
  health_score: number;
  health_parts?: Record<string, number>;
  last_reading?: { timestamp: string; value: number; quality: string } | null;
  rules?: {
    state?: string;
    conditions?: { condition?: string; active?: boolean; severity?: string }[];
  } | null;
  rule_state?: string | null;
  cusum?: {
    s_plus?: number;
    s_minus?: number;
    h?: number;
    k?: number;
    mean?: number | null;
    sigma?: number | null;
    baseline_source?: string | null;
    state?: string;
    [k: string]: unknown;
  } | null;
  stuck?: {
    active?: boolean;
    since?: string | null;
    frozen_seconds?: number | null;
    [k: string]: unknown;
  } | null;
  anomaly?: { score?: number | null; at?: string | null; state?: string; [k: string]: unknown } | null;
  anomaly_score?: number | null;
  model?: { version?: number; trained_at?: string; [k: string]: unknown } | null;
  active_model_version?: number | null;
  data_gap?: { active?: boolean; last_seen?: string | null } | null;
  [k: string]: unknown;
}

export const getInstrumentStatus = (id: number) =>
  apiRequest<InstrumentStatus>(`/api/instruments/${id}/status`);

export const instrumentStatusQueryOptions = (id: number) =>
  queryOptions({
    queryKey: queryKeys.instruments.status(id),
    queryFn: () => getInstrumentStatus(id),
    refetchInterval: 30_000,
  });

export const useInstrumentStatus = (id: number) => useQuery(instrumentStatusQueryOptions(id));
