import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useOutOfService, useSetOutOfService } from '../api/out-of-service.ts';

/**
 * The instrument's alarm out-of-service state (ISA-18.2): a badge while out of service (explicitly
 * or while a work order is in progress) and, for admins, the action to take it out or return it.
 */
export function OutOfServiceControl({
  instrumentId,
  tag,
  canChange,
}: {
  instrumentId: number;
  tag: string;
  canChange: boolean;
}) {
  const q = useOutOfService(instrumentId);
  const [open, setOpen] = useState(false);
  if (!q.data) return null;
  const manual = q.data.open.find((p) => p.source === 'manual');
  const why = q.data.open
    .map((p) => (p.source === 'work_order' ? `work order #${p.work_order_id} in progress` : p.reason))
    .join('; ');
  return (
    <>
      {q.data.out_of_service && (
        <span
          className="badge severity-warning"
          title={`Alarms suppressed since ${formatDateTime(q.data.open[q.data.open.length - 1].started_at)}: ${why}`}
        >
          Out of service
        </span>
      )}
      {canChange && (
        <button type="button" className="button" onClick={() => setOpen(true)}>
          {manual ? 'Return to service…' : 'Take out of service…'}
        </button>
      )}
      {open && (
        <OutOfServiceModal
          instrumentId={instrumentId}
          tag={tag}
          returning={!!manual}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}

/** Take an instrument out of service, or return it (the register and the instrument page). */
export function OutOfServiceModal({
  instrumentId,
  tag,
  returning,
  onClose,
}: {
  instrumentId: number;
  tag: string;
  returning: boolean;
  onClose: () => void;
}) {
  const set = useSetOutOfService();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!returning && !reason.trim()) {
      setError('Give a reason: why are its alarms out of service?');
      return;
    }
    setError(null);
    set.mutate({ id: instrumentId, out: !returning, reason: reason.trim() }, { onSuccess: onClose });
  };
  return (
    <Modal
      title={returning ? `Return ${tag} to service` : `Take ${tag} out of service`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="oos-form"
          onCancel={onClose}
          pending={set.isPending}
          pendingLabel="Saving…"
          label={returning ? 'Return to service' : 'Take out of service'}
        />
      }
    >
      <p className="subtitle">
        {returning
          ? 'Its alarms are raised again; conditions still present become active alerts.'
          : 'Its alarms are recorded as suppressed (not raised as active) and its data are kept out of ML training until it returns to service.'}
      </p>
      <form id="oos-form" onSubmit={submit} noValidate>
        <Field
          label="Reason"
          error={error}
          required={!returning}
          hint="Recorded in the audit trail with your name."
        >
          {(p) => (
            <textarea
              {...p}
              rows={3}
              maxLength={2000}
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                setError(null);
              }}
              autoFocus
            />
          )}
        </Field>
        <FormError error={set.error} />
      </form>
    </Modal>
  );
}
