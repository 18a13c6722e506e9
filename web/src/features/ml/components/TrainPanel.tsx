import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { StatusBadge } from '../../../components/Badges.tsx';
import { FormError } from '../../../components/Feedback.tsx';
import { humanize } from '../../../lib/format.ts';
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
        <p className="notice">
          No reference baseline is marked for {tag}. Mark a time range of clean data first; training uses only
          baseline windows.
        </p>
      )}
      <button
        type="button"
        className="button button-primary"
        disabled={train.isPending || running}
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
            Job #{job.data.id} <StatusBadge status={job.data.status} /> {Math.round(job.data.progress * 100)}{' '}
            %
          </p>
          <div className="progress" aria-hidden="true">
            <div style={{ width: `${Math.round(job.data.progress * 100)}%` }} />
          </div>
          {job.data.status === 'failed' && <p className="form-error">{job.data.error}</p>}
          {job.data.status === 'succeeded' && job.data.result_summary && (
            <dl className="facts facts-compact">
              {Object.entries(job.data.result_summary)
                .filter(([, v]) => v === null || typeof v !== 'object')
                .map(([k, v]) => (
                  <div key={k} className="fact">
                    <dt>{humanize(k)}</dt>
                    <dd>{typeof v === 'number' ? Number(v.toPrecision(4)) : String(v)}</dd>
                  </div>
                ))}
            </dl>
          )}
        </div>
      )}
    </div>
  );
}
