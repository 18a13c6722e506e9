import { useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useImpactAssessment, useUpdateImpactAssessment } from '../api/outcomes.ts';

/**
 * What a failed as-found calibration may have affected: the period since the last good
 * calibration, its readings and alerts, and the engineer's assessment. Nothing shows when the work
 * order has no assessment.
 */
export function ImpactAssessmentPanel({ workOrderId }: { workOrderId: number }) {
  const q = useImpactAssessment(workOrderId);
  const update = useUpdateImpactAssessment();
  const [text, setText] = useState<string | null>(null);
  const ia = q.data;
  if (!ia) return null;
  const value = text ?? ia.assessment ?? '';
  const open = ia.status === 'open';
  return (
    <section className="panel" aria-label="Impact assessment">
      <h2>
        Impact assessment{' '}
        <span className={`badge ${open ? 'severity-warning' : 'pass'}`}>{open ? 'Open' : 'Completed'}</span>
      </h2>
      <p>
        Calibration #{ia.calibration_record_id} of {ia.tag} was found out of tolerance. Measured with it since
        the last good calibration: {formatDateTime(ia.period_from)} – {formatDateTime(ia.period_to)},{' '}
        <strong>{ia.readings_count}</strong> readings and <strong>{ia.alerts_count}</strong> alerts.
      </p>
      {open ? (
        <>
          <Field
            label="Assessment"
            hint="What was measured with it, what decisions relied on it, what must be rechecked."
          >
            {(p) => (
              <textarea
                {...p}
                rows={4}
                maxLength={8000}
                value={value}
                onChange={(e) => setText(e.target.value)}
              />
            )}
          </Field>
          <div className="header-actions">
            <button
              type="button"
              className="button"
              disabled={update.isPending}
              onClick={() => update.mutate({ id: ia.id, patch: { assessment: value } })}
            >
              Save
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={update.isPending || !value.trim()}
              onClick={() => update.mutate({ id: ia.id, patch: { assessment: value, status: 'completed' } })}
            >
              Complete assessment
            </button>
          </div>
          <FormError error={update.error} />
        </>
      ) : (
        <>
          <p style={{ whiteSpace: 'pre-wrap' }}>{ia.assessment}</p>
          <p className="muted">
            Completed by {ia.completed_by_name} on {formatDateTime(ia.completed_at)}
          </p>
        </>
      )}
    </section>
  );
}
