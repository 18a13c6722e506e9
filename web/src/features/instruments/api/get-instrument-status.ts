import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { InstrumentStatusBody } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

interface RuleCondition {
  condition: string;
  severity: string;
  limit: number;
  active: boolean;
  pending_since: string | null;
}

/**
 * Live detector state of one instrument (GET /api/instruments/{id}/status). The server's schema
 * declares the detector parts open-ended (unknown); these are the fields the panel reads, all
 * optional. The rest of the answer is the schema's.
 */
export type InstrumentStatus = Omit<
  InstrumentStatusBody,
  'rules' | 'signal' | 'cusum' | 'stuck' | 'data_gap' | 'anomaly'
> & {
  rules?: { deadband?: number; conditions?: RuleCondition[] } | null;
  signal?: { fault?: unknown; low_ma?: number; high_ma?: number; last_ma?: number | null } | null;
  cusum?: {
    s_plus?: number;
    s_minus?: number;
    h?: number;
    k?: number;
    ratio_to_h?: number;
    baseline_source?: string | null;
    alarm_up?: boolean;
    alarm_down?: boolean;
    warmup?: { windows: number; required: number; complete: boolean };
  } | null;
  stuck?: { active?: boolean; frozen_seconds?: number | null; window_minutes?: number } | null;
  data_gap?: { active?: boolean; last_seen?: string | null } | null;
  anomaly?: {
    score?: number | null;
    model_threshold?: number;
    anomalous?: boolean;
    window_end?: string | null;
    top_features?: { feature: string }[];
  } | null;
};

export const getInstrumentStatus = (id: number) =>
  apiRequest<InstrumentStatus>(`/api/instruments/${id}/status`);

export const instrumentStatusQueryOptions = (id: number) =>
  queryOptions({
    queryKey: queryKeys.instruments.status(id),
    queryFn: () => getInstrumentStatus(id),
    refetchInterval: 30_000,
  });

export const useInstrumentStatus = (id: number) => useQuery(instrumentStatusQueryOptions(id));
