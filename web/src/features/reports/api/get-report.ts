import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Query } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { ReportJson } from '../types.ts';

export const getReport = (key: string, query: Query) =>
  apiRequest<ReportJson>(`/api/reports/${key}`, { query: { ...query } });

export const reportQueryOptions = (key: string, query: Query) =>
  queryOptions({
    queryKey: queryKeys.reports.report(key, query),
    queryFn: () => getReport(key, query),
    placeholderData: keepPreviousData,
  });

export const useReport = (key: string, query: Query, enabled = true) =>
  useQuery({ ...reportQueryOptions(key, query), enabled });
