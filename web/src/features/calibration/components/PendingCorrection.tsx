import { useState } from 'react';
import { PassFail } from '../../../components/Badges.tsx';
import { FormError, QueryState } from '../../../components/Feedback.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import { useCorrection, useDecideCorrection } from '../api/calibration-corrections.ts';
import { CalibrationPoints } from './CalibrationHistory.tsx';

/**
 * A technician's correction of someone else's calibration, shown under the record it would replace.
 * The record stays in force until an admin approves; admins approve or reject (with a reason) here.
 */
export function PendingCorrection({ id }: { id: number }) {
  const q = useCorrection(id);
  const isAdmin = useIsAdmin();
  const decide = useDecideCorrection();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  return (
    <QueryState query={q} loadingLabel="Loading the pending correction…">
      {(c) => (
        <section className="pending-correction" aria-label={`Pending correction #${c.id}`}>
          <p>
            <strong>Correction #{c.id} awaiting approval</strong> — submitted by {c.requested_by_name} on{' '}
            {formatDateTime(c.requested_at)}. The record above stays in force until an admin approves it.
          </p>
          <p>
            Proposed result:{' '}
            <PassFail
              passed={c.passed}
              label={c.passed ? 'Passed' : c.as_left_passed ? 'Failed as found' : 'Failed as left'}
            />{' '}
            max as-found {c.max_as_found_error_pct.toFixed(3)} %, max as-left{' '}
            {c.max_as_left_error_pct.toFixed(3)} %
          </p>
          <CalibrationPoints c={{ id: c.id, unit: c.unit, points: c.points }} />
          {c.notes && <p className="alert-notes">Notes: {c.notes}</p>}
          {isAdmin && (
            <div className="actions">
              <button
                type="button"
                className="button button-primary"
                disabled={decide.isPending}
                onClick={() => decide.mutate({ id: c.id, verb: 'approve' })}
              >
                Approve correction
              </button>
              {!rejecting ? (
                <button type="button" className="button" onClick={() => setRejecting(true)}>
                  Reject…
                </button>
              ) : (
                <>
                  <label>
                    Reason for rejecting
                    <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
                  </label>
                  <button
                    type="button"
                    className="button button-danger"
                    disabled={decide.isPending || reason.trim() === ''}
                    onClick={() => decide.mutate({ id: c.id, verb: 'reject', notes: reason.trim() })}
                  >
                    Reject correction
                  </button>
                </>
              )}
            </div>
          )}
          <FormError error={decide.error} />
        </section>
      )}
    </QueryState>
  );
}
