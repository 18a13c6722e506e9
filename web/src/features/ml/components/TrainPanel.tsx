import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { StatusBadge } from '../../../components/Badges.tsx';
import { FormError } from '../../../components/Feedback.tsx';
import { paths } from '../../../config/paths.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { useJob } from '../../../lib/use-job.ts';
import { useTrainModel } from '../api/train-model.ts';

/** Queue a training run and follow its job to the end; the model list refreshes when it lands. */
export function TrainPanel({ tag, baselineCount }: { tag: string; baselineCount: number | null }) {
  const train = useTrainModel();
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId);
  const qc = useQueryClient();
  const status = job.data?.status;

  useEffect(() => {
    if (status === 'succeeded' || status === 'failed') {
      qc.invalidateQueries({ queryKey: queryKeys.ml.models(tag) });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
    }
  }, [status, tag, qc]);

  const running = status === 'queued' || status === 'running';
  return (
    <div>
      {baselineCount === 0 && (
        <div className="notice" style={{ marginBottom: '0.75rem' }}>
          <p style={{ marginTop: 0 }}>
            No reference baseline is marked for {tag} yet. The model learns what “normal” looks like only from
            baselines, so first:
          </p>
          <ol>
            <li>open the trend and find a stretch (a few hours or more) when {tag} ran normally;</li>
            <li>
              on the <Link to={paths.ml.href(tag)}>Machine learning page</Link>, mark that time range as a
              baseline;
            </li>
            <li>come back here and train.</li>
          </ol>
        </div>
      )}
      <button
        type="button"
        className="button button-primary"
        disabled={train.isPending || running || baselineCount === 0}
        onClick={() =>
          train.mutate(tag, {
            onSuccess: (r) => setJobId(r.job_id),
          })
        }
      >
        {running ? 'Training…' : `Train a new model for ${tag}`}
      </button>
      <FormError error={train.error} />
      {job.data && (
        <div
          className="panel"
          style={{ marginTop: '0.8rem' }}
          role="status"
          aria-live="polite"
          data-testid="train-job"
        >
          <p style={{ marginTop: 0 }}>
            Training run #{job.data.id} <StatusBadge status={job.data.status} />{' '}
            {Math.round(job.data.progress * 100)} % done
          </p>
          <div className="progress" aria-hidden="true">
            <div style={{ width: `${Math.round(job.data.progress * 100)}%` }} />
          </div>
          {job.data.status === 'failed' && <p className="form-error">{job.data.error}</p>}
          {job.data.status === 'succeeded' && job.data.result_summary && (
            <TrainingResult tag={tag} summary={job.data.result_summary} />
          )}
        </div>
      )}
    </div>
  );
}

/** The finished run in words: which version is now watching the instrument, and from how much data. */
function TrainingResult({ tag, summary }: { tag: string; summary: Record<string, unknown> }) {
  const num = (k: string) => (typeof summary[k] === 'number' ? (summary[k] as number) : null);
  const version = num('version');
  const windows = num('windows_used');
  const threshold = num('threshold');
  const ms = num('train_ms');
  return (
    <p className="success" data-testid="train-result">
      Model {version !== null ? `version ${version}` : ''} is now active for {tag}
      {windows !== null ? `, learnt from ${windows} windows of baseline data` : ''}
      {ms !== null ? ` in ${ms < 1000 ? 'under a second' : `${Math.round(ms / 1000)} s`}` : ''}. From now on a
      window scoring above {threshold !== null ? Number(threshold.toPrecision(3)) : 'the threshold'} (0 =
      normal, 1 = most unusual) raises an anomaly alert.
    </p>
  );
}
