import { useSearchParams } from 'react-router-dom';
import { EmptyState } from '../../../components/Feedback.tsx';
import { useBaselines } from '../api/get-baselines.ts';
import { BaselinesPanel } from './BaselinesPanel.tsx';
import { ModelGroupsPanel } from './ModelGroupsPanel.tsx';
import { ModelVersions } from './ModelVersions.tsx';
import { TrainPanel } from './TrainPanel.tsx';

/** Admin machine-learning console: baselines, training with job progress, versions and rollback. */
export function MlPage({
  tags,
  instruments,
}: {
  tags: string[];
  instruments: { id: number; tag: string }[];
}) {
  const [params, setParams] = useSearchParams();
  const tag = params.get('tag') ?? '';
  const baselines = useBaselines(tag);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Machine learning</h1>
          <p className="subtitle">
            Model groups (drift against twins, one anomaly score per group) and per-instrument Isolation
            Forest models, all trained on admin-confirmed clean data.
          </p>
        </div>
        <label className="inline-label">
          <span className="sr-only">Instrument</span>
          <select
            aria-label="Instrument"
            value={tag}
            onChange={(e) => setParams(e.target.value ? { tag: e.target.value } : {})}
          >
            <option value="">Choose an instrument…</option>
            {tags.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </header>
      <ModelGroupsPanel instruments={instruments} />
      {!tag ? (
        <div className="panel">
          <EmptyState title="Choose an instrument to manage its baselines and models" />
        </div>
      ) : (
        <>
          <section className="panel">
            <h2>1. Reference baselines</h2>
            <BaselinesPanel tag={tag} />
          </section>
          <section className="panel">
            <h2>2. Train</h2>
            <TrainPanel tag={tag} baselineCount={baselines.data ? baselines.data.length : null} />
          </section>
          <section className="panel">
            <h2>3. Model versions</h2>
            <ModelVersions tag={tag} />
          </section>
        </>
      )}
    </div>
  );
}
