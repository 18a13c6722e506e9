import { ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { formatDate, humanize } from '../../../lib/format.ts';
import { useCalibrationInterval } from '../api/get-calibration-interval.ts';

interface Props {
  instrumentId: number;
  /** Admins switch between the fixed and the predicted interval (composed by the app). */
  onSwitch?: (usePredicted: boolean) => void;
  switching?: boolean;
}

/** The fixed interval beside the condition-based prediction and what the prediction rests on. */
export function CalibrationIntervalPanel({ instrumentId, onSwitch, switching }: Props) {
  const q = useCalibrationInterval(instrumentId);
  if (q.isPending) return <Loading label="Loading calibration interval…" />;
  if (q.error) return <ErrorMessage error={q.error} onRetry={() => q.refetch()} />;
  const c = q.data;
  const p = c.prediction;
  return (
    <div>
      <dl className="fact-grid">
        <div>
          <dt>Fixed interval</dt>
          <dd>
            {c.fixed_interval_days} days{' '}
            {!c.use_predicted_interval && <span className="badge pass">in use</span>}
            <div className="muted">due {formatDate(c.next_due_fixed)}</div>
          </dd>
        </div>
        <div>
          <dt>Predicted interval</dt>
          <dd>
            {c.predicted_interval_days !== null ? `${c.predicted_interval_days} days` : '—'}{' '}
            {c.use_predicted_interval && <span className="badge pass">in use</span>}
            {c.next_due_predicted && <div className="muted">due {formatDate(c.next_due_predicted)}</div>}
          </dd>
        </div>
        <div>
          <dt>Basis</dt>
          <dd>{humanize(p.basis)}</dd>
        </div>
        <div>
          <dt>Drift rate used</dt>
          <dd>
            {p.rate_used_pct_per_day !== null ? `${p.rate_used_pct_per_day.toFixed(4)} % of span / day` : '—'}
          </dd>
        </div>
      </dl>
      <p className="muted">{p.explanation}</p>
      {onSwitch && (
        <button
          type="button"
          className="button button-small"
          disabled={switching || (!c.use_predicted_interval && c.predicted_interval_days === null)}
          onClick={() => onSwitch(!c.use_predicted_interval)}
        >
          {c.use_predicted_interval ? 'Switch to the fixed interval' : 'Use the predicted interval'}
        </button>
      )}
    </div>
  );
}
