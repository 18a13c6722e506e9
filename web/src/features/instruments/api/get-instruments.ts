import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Instrument } from '../types.ts';

export interface InstrumentFilters {
  q?: string;
  type?: string;
  process_unit_id?: number;
  criticality?: string;
  status?: string;
  limit?: number;
  offset?: number;
}

export const getInstruments = (f: InstrumentFilters) =>
  apiRequest<Page<Instrument>>('/api/instruments', { query: { ...f } });

export const instrumentsQueryOptions = (f: InstrumentFilters) =>
  queryOptions({
    queryKey: queryKeys.instruments.list({ ...f }),
    queryFn: () => getInstruments(f),
    placeholderData: keepPreviousData,
  });

export const useInstruments = (f: InstrumentFilters) => useQuery(instrumentsQueryOptions(f));
