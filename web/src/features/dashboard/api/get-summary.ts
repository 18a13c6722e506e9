import { queryOptions, useQueries } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { CardSort, DashboardSummary } from '../types.ts';

export const DASHBOARD_REFRESH_MS = 30_000;
/** Cards per request: the server's default page. */
export const DASHBOARD_PAGE = 100;

export interface CardFilter {
  processUnitId: number | null;
  sort: CardSort;
  search: string;
  problemsOnly: boolean;
}

export const getDashboardPage = (f: CardFilter, page: number) =>
  apiRequest<DashboardSummary>('/api/dashboard/summary', {
    query: {
      process_unit_id: f.processUnitId,
      sort: f.sort,
      search: f.search || undefined,
      problems_only: f.problemsOnly || undefined,
      limit: DASHBOARD_PAGE,
      offset: page * DASHBOARD_PAGE,
    },
  });

export const dashboardPageQueryOptions = (f: CardFilter, page: number) =>
  queryOptions({
    queryKey: queryKeys.dashboard.page(f, page),
    queryFn: () => getDashboardPage(f, page),
    // Polls only while the tab is visible (TanStack Query pauses the interval when the document is
    // hidden, and refetches on return); pages scrolled out of view stop polling with their query.
    refetchInterval: DASHBOARD_REFRESH_MS,
    refetchIntervalInBackground: false,
  });

/**
 * The first page (it carries the KPI tiles and `total`) and every page holding a visible card.
 * Unchanged cards keep their object identity between refreshes (structural sharing), so a memoised
 * card does not re-render when its data did not change.
 */
export function useDashboardPages(f: CardFilter, pages: number[]) {
  const wanted = [...new Set([0, ...pages])].sort((a, b) => a - b);
  const results = useQueries({ queries: wanted.map((p) => dashboardPageQueryOptions(f, p)) });
  const byPage = new Map<number, (typeof results)[number]>();
  wanted.forEach((p, i) => {
    byPage.set(p, results[i]);
  });
  return byPage;
}
