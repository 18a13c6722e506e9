import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { RANGES, type RangeKey, type TrendSeries } from '../types.ts';

export interface TrendWindow {
  from: string;
  to: string;
}

/** The series and the window it was asked for (the chart's x-axis spans exactly that). */
export async function getTrend(tag: string, range: RangeKey): Promise<TrendSeries & { window: TrendWindow }> {
  const to = new Date();
  const from = new Date(to.getTime() - RANGES[range].ms);
  const window = { from: from.toISOString(), to: to.toISOString() };
  const series = await apiRequest<TrendSeries>('/api/readings/trends', { query: { tag, ...window } });
  return { ...series, window };
}

export const trendQueryOptions = (tag: string, range: RangeKey) =>
  queryOptions({
    queryKey: queryKeys.trends.series(tag, range),
    queryFn: () => getTrend(tag, range),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });

export const useTrend = (tag: string, range: RangeKey) => useQuery(trendQueryOptions(tag, range));
