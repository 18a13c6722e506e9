import { type FormEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { paths } from '../../../config/paths.ts';
import { useReportProblem } from '../api/work-requests.ts';
import type { WorkRequest } from '../types.ts';

/** "Report a problem" at an instrument: a request an administrator turns into a work order. */
export function ReportProblemModal({
  instrument,
  onClose,
}: {
  instrument: { id: number; tag: string };
  onClose: () => void;
}) {
  const report = useReportProblem();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<WorkRequest | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return setError('Describe what is wrong');
    report.mutate({ instrument_id: instrument.id, description: text.trim() }, { onSuccess: setDone });
  };

  if (done)
    return (
      <Modal
        title="Problem reported"
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose} autoFocus>
            Done
          </button>
        }
      >
        <p className="success" role="status" data-testid="request-sent">
          Request #{done.id} on {done.tag} is with the administrators. It becomes a work order once one of
          them accepts it; follow it on the <Link to={paths.requests.href()}>requests page</Link>.
        </p>
      </Modal>
    );

  return (
    <Modal
      title={`Report a problem — ${instrument.tag}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="report-problem"
          onCancel={onClose}
          pending={report.isPending}
          pendingLabel="Sending…"
          label="Send report"
        />
      }
    >
      <form id="report-problem" onSubmit={submit} noValidate>
        <Field
          label="What is wrong?"
          required
          error={error}
          hint="What you see, hear or measure, and where. An administrator decides on a work order."
        >
          {(p) => (
            <textarea
              {...p}
              rows={5}
              maxLength={4000}
              value={text}
              autoFocus
              onChange={(e) => {
                setText(e.target.value);
                setError(null);
                if (report.error) report.reset();
              }}
            />
          )}
        </Field>
        <FormError error={report.error} />
      </form>
    </Modal>
  );
}
