import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useCallback, useMemo, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { EmptyState, ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { type GridWindow, VirtualGrid } from '../../../components/VirtualGrid.tsx';
import { paths } from '../../../config/paths.ts';
import { formatTime } from '../../../lib/format.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { useDebounced } from '../../../lib/use-debounced.ts';
import {
  type CardFilter,
  DASHBOARD_PAGE,
  DASHBOARD_REFRESH_MS,
  useDashboardPages,
} from '../api/get-summary.ts';
import type { CardSort, DashboardSummary, HealthCard } from '../types.ts';
import { cardAgo, InstrumentCard } from './InstrumentCard.tsx';
import { KpiTiles } from './KpiTiles.tsx';

// Fixed card geometry for the windowed grid (app.css .vgrid-row .card has the same height).
const ROW_PITCH = 216;
const GAP = 13;
const MIN_CARD_WIDTH = 230;

/** `intro`: shown under the header (the first-run guide while a new plant is set up). */
export function Dashboard({
  processUnits,
  intro,
}: {
  processUnits: { id: number; name: string }[];
  intro?: ReactNode;
}) {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const unitId = Number(params.get('unit')) || null;
  const [sort, setSort] = useState<CardSort>('problems');
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim(), 300);
  const [problemsOnly, setProblemsOnly] = useState(false);
  const filter: CardFilter = useMemo(
    () => ({ processUnitId: unitId, sort, search, problemsOnly }),
    [unitId, sort, search, problemsOnly],
  );

  // The pages holding the cards the grid has in the DOM; page 0 always (the KPIs and the total).
  // Set only when the list of pages changes, not at each row the grid scrolls by: the dashboard
  // re-renders when data arrives, the grid alone while scrolling.
  const [pages, setPages] = useState<number[]>([]);
  const onWindow = useCallback((w: GridWindow) => {
    const next: number[] = [];
    if (w.to > w.from)
      for (let p = Math.floor(w.from / DASHBOARD_PAGE); p <= Math.floor((w.to - 1) / DASHBOARD_PAGE); p++)
        next.push(p);
    setPages((prev) => (prev.length === next.length && prev.every((p, i) => p === next[i]) ? prev : next));
  }, []);
  const byPage = useDashboardPages(filter, pages);
  const first = byPage.get(0);
  // While a new sort or filter loads, the previous answer stays on screen (no flash of "Loading").
  const shown = useRef<DashboardSummary | undefined>(undefined);
  if (first?.data) shown.current = first.data;
  const summary = first?.data ?? shown.current;
  const fetching = [...byPage.values()].some((q) => q.isFetching);
  const total = summary?.total ?? 0;

  const onOpen = useCallback((card: HealthCard) => navigate(paths.trend.href(card.tag)), [navigate]);
  const renderItem = (i: number) => {
    const card = byPage.get(Math.floor(i / DASHBOARD_PAGE))?.data?.instruments[i % DASHBOARD_PAGE];
    return card ? (
      <InstrumentCard key={card.id} card={card} ago={cardAgo(card)} onOpen={onOpen} />
    ) : (
      <div key={`pending-${i}`} className="card-pending" aria-hidden="true" />
    );
  };
  const refresh = () => queryClient.refetchQueries({ queryKey: queryKeys.dashboard.all, type: 'active' });
  const narrowed = search !== '' || problemsOnly;

  return (
    <>
      <header className="page-header">
        <div>
          <h1>Plant overview</h1>
          <p className="refresh-line" aria-live="polite">
            {first?.dataUpdatedAt ? (
              <>
                Last refresh <strong data-testid="last-refresh">{formatTime(first.dataUpdatedAt)}</strong> ·
                refreshes every {DASHBOARD_REFRESH_MS / 1000} s
              </>
            ) : (
              'Loading…'
            )}
            {fetching && <span className="spinner" role="status" aria-label="Refreshing" />}
          </p>
        </div>
        <div className="header-actions">
          <label className="inline-label">
            <span className="sr-only">Process unit</span>
            <select
              aria-label="Process unit"
              value={unitId ?? ''}
              onChange={(e) => {
                const next = new URLSearchParams(params);
                if (e.target.value) next.set('unit', e.target.value);
                else next.delete('unit');
                setParams(next, { replace: true });
              }}
            >
              <option value="">All process units</option>
              {processUnits.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-label">
            <span className="sr-only">Sort cards</span>
            <select
              aria-label="Sort cards"
              value={sort}
              onChange={(e) => setSort(e.target.value as CardSort)}
            >
              <option value="problems">Problems first</option>
              <option value="health">Worst health first</option>
              <option value="tag">Sort by tag</option>
            </select>
          </label>
          <button type="button" className="button" onClick={refresh} disabled={fetching}>
            Refresh now
          </button>
        </div>
      </header>
      {intro}
      {first?.error && <ErrorMessage error={first.error} onRetry={refresh} />}
      {!summary && !first?.error && <Loading label="Loading the plant overview…" />}
      {summary && (
        <>
          <KpiTiles summary={summary} />
          <section aria-label="Instrument health">
            <div className="cards-toolbar">
              <h2 className="section-title">Instrument health</h2>
              <input
                type="search"
                aria-label="Find a tag"
                placeholder="Find a tag"
                value={searchText}
                maxLength={64}
                onChange={(e) => setSearchText(e.target.value)}
              />
              <label className="inline-check">
                <input
                  type="checkbox"
                  checked={problemsOnly}
                  onChange={(e) => setProblemsOnly(e.target.checked)}
                />
                Problems only
              </label>
              <span className="muted" data-testid="card-count">
                {narrowed ? `${total} of ${summary.total_instruments}` : total} instrument
                {total === 1 ? '' : 's'}
              </span>
            </div>
            {total === 0 ? (
              <div className="panel">
                <EmptyState
                  title={
                    narrowed
                      ? 'No instrument matches'
                      : unitId
                        ? 'No instruments in this process unit'
                        : 'No instruments registered yet'
                  }
                />
              </div>
            ) : (
              <VirtualGrid
                className="cards"
                count={total}
                rowHeight={ROW_PITCH}
                minColumnWidth={MIN_CARD_WIDTH}
                gap={GAP}
                onWindow={onWindow}
                renderItem={renderItem}
              />
            )}
          </section>
        </>
      )}
    </>
  );
}
