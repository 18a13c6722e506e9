import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Instrument } from '../types.ts';

export const getInstrument = (id: number) => apiRequest<Instrument>(`/api/instruments/${id}`);

export const instrumentQueryOptions = (id: number) =>
  queryOptions({ queryKey: queryKeys.instruments.detail(id), queryFn: () => getInstrument(id) });

export const useInstrument = (id: number, enabled = true) =>
  useQuery({ ...instrumentQueryOptions(id), enabled: enabled && id > 0 });
