import { type ReactNode, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { EmptyState, ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { paths } from '../../../config/paths.ts';
import { formatTime } from '../../../lib/format.ts';
import { DASHBOARD_REFRESH_MS, useDashboardSummary } from '../api/get-summary.ts';
import type { HealthCard } from '../types.ts';
import { InstrumentCard } from './InstrumentCard.tsx';
import { KpiTiles } from './KpiTiles.tsx';

type Sort = 'tag' | 'health';

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
  const unitId = Number(params.get('unit')) || null;
  const [sort, setSort] = useState<Sort>('tag');
  const q = useDashboardSummary(unitId);

  const cards: HealthCard[] = q.data
    ? [...q.data.instruments].sort((a, b) =>
        sort === 'health'
          ? a.health_score - b.health_score || a.tag.localeCompare(b.tag)
          : a.tag.localeCompare(b.tag),
      )
    : [];

  return (
    <>
      <header className="page-header">
        <div>
          <h1>Plant overview</h1>
          <p className="refresh-line" aria-live="polite">
            {q.dataUpdatedAt ? (
              <>
                Last refresh <strong data-testid="last-refresh">{formatTime(q.dataUpdatedAt)}</strong> ·
                refreshes every {DASHBOARD_REFRESH_MS / 1000} s
              </>
            ) : (
              'Loading…'
            )}
            {q.isFetching && <span className="spinner" role="status" aria-label="Refreshing" />}
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
            <select aria-label="Sort cards" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
              <option value="tag">Sort by tag</option>
              <option value="health">Worst health first</option>
            </select>
          </label>
          <button type="button" className="button" onClick={() => q.refetch()} disabled={q.isFetching}>
            Refresh now
          </button>
        </div>
      </header>
      {intro}
      {q.error && <ErrorMessage error={q.error} onRetry={() => q.refetch()} />}
      {q.isPending && <Loading label="Loading the plant overview…" />}
      {q.data && (
        <>
          <KpiTiles summary={q.data} />
          <section aria-label="Instrument health">
            <h2 className="section-title">Instrument health</h2>
            {cards.length === 0 ? (
              <div className="panel">
                <EmptyState
                  title={unitId ? 'No instruments in this process unit' : 'No instruments registered yet'}
                />
              </div>
            ) : (
              <div className="cards">
                {cards.map((c) => (
                  <InstrumentCard
                    key={c.id}
                    card={c}
                    onOpen={(card) => navigate(paths.trend.href(card.tag))}
                  />
                ))}
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
