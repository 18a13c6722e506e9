import { type FormEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { paths } from '../../../config/paths.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import {
  type ReviewFlag,
  useReportStandardOutOfTolerance,
  useReviewFlag,
  useReviewFlags,
} from '../api/outcomes.ts';

/**
 * Issue 13: a reference standard found out of tolerance. Reporting it flags every calibration it
 * was used for since its last good certificate; each flag is reviewed with a note.
 */
export function StandardReviewPanel({ standardId }: { standardId: number }) {
  const isAdmin = useIsAdmin();
  const flags = useReviewFlags({ reference_standard_id: standardId, limit: 200 });
  const [reporting, setReporting] = useState(false);
  const [reviewing, setReviewing] = useState<ReviewFlag | null>(null);
  return (
    <section className="panel" aria-label="Out-of-tolerance review">
      <h2>Found out of tolerance: calibrations to review</h2>
      {isAdmin && (
        <button type="button" className="button button-danger-outline" onClick={() => setReporting(true)}>
          Report found out of tolerance…
        </button>
      )}
      <QueryState query={flags} loadingLabel="Loading flagged calibrations…">
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState title="No calibrations flagged">
              This standard has not been reported out of tolerance.
            </EmptyState>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Calibration</th>
                  <th scope="col">Instrument</th>
                  <th scope="col">Performed</th>
                  <th scope="col">Review</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((f) => (
                  <tr key={f.id} className={f.status === 'open' ? 'row-fail' : undefined}>
                    <td>#{f.calibration_record_id}</td>
                    <td>
                      <Link to={paths.instrument.href(f.instrument_id)} className="tag-link">
                        {f.tag}
                      </Link>
                    </td>
                    <td>{formatDateTime(f.performed_at)}</td>
                    <td>
                      {f.status === 'open' ? (
                        isAdmin ? (
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => setReviewing(f)}
                          >
                            Review…
                          </button>
                        ) : (
                          <span className="badge severity-warning">To review</span>
                        )
                      ) : (
                        <>
                          Reviewed by {f.reviewed_by_name}, {formatDateTime(f.reviewed_at)}
                          <div className="muted">{f.review_notes}</div>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      {reporting && <ReportModal standardId={standardId} onClose={() => setReporting(false)} />}
      {reviewing && <ReviewModal flag={reviewing} onClose={() => setReviewing(null)} />}
    </section>
  );
}

function NotesModal({
  title,
  intro,
  label,
  pending,
  error,
  onSave,
  onClose,
}: {
  title: string;
  intro: string;
  label: string;
  pending: boolean;
  error: unknown;
  onSave: (notes: string) => void;
  onClose: () => void;
}) {
  const [notes, setNotes] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!notes.trim()) {
      setMissing('Notes are required');
      return;
    }
    onSave(notes.trim());
  };
  return (
    <Modal
      title={title}
      onClose={onClose}
      footer={
        <FormFooter
          formId="notes-form"
          onCancel={onClose}
          pending={pending}
          pendingLabel="Saving…"
          label="Save"
        />
      }
    >
      <p>{intro}</p>
      <form id="notes-form" onSubmit={submit} noValidate>
        <Field label={label} required error={missing}>
          {(p) => (
            <textarea
              {...p}
              rows={3}
              maxLength={4000}
              value={notes}
              onChange={(e) => setNotes(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <FormError error={error} />
      </form>
    </Modal>
  );
}

function ReportModal({ standardId, onClose }: { standardId: number; onClose: () => void }) {
  const report = useReportStandardOutOfTolerance(standardId);
  return (
    <NotesModal
      title="Report the standard found out of tolerance"
      intro="Every calibration done with it since its last good certificate is flagged for review."
      label="What was found"
      pending={report.isPending}
      error={report.error}
      onSave={(notes) => report.mutate({ notes }, { onSuccess: onClose })}
      onClose={onClose}
    />
  );
}

function ReviewModal({ flag, onClose }: { flag: ReviewFlag; onClose: () => void }) {
  const review = useReviewFlag();
  return (
    <NotesModal
      title={`Review calibration #${flag.calibration_record_id} of ${flag.tag}`}
      intro="Record whether the result still stands given the standard's error, and any action taken."
      label="Review notes"
      pending={review.isPending}
      error={review.error}
      onSave={(notes) => review.mutate({ id: flag.id, notes }, { onSuccess: onClose })}
      onClose={onClose}
    />
  );
}
