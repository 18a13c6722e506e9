import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { clearStaleErrors } from '../../../lib/stale-errors.ts';
import { useUpdateWorkOrder } from '../api/update-work-order.ts';
import type { Option, WorkOrder } from '../types.ts';

interface CompleteProps {
  workOrder: WorkOrder;
  /** Calibration records of the instrument a calibration order can be closed with, newest first. */
  calibrationOptions: (Option & { suggested?: boolean })[];
  /** Opens the calibration modal (composed by the app) for a calibration order with no record yet. */
  recordCalibration?: ReactNode;
  onClose: () => void;
}

/** Completion needs notes, actual duration and parts used; a calibration order also its record. */
export function CompleteWorkOrderModal({
  workOrder,
  calibrationOptions,
  recordCalibration,
  onClose,
}: CompleteProps) {
  const update = useUpdateWorkOrder();
  const isCalibration = workOrder.type === 'calibration';
  const suggested = calibrationOptions.find((o) => o.suggested) ?? null;
  const [notes, setNotes] = useState(workOrder.completion_notes ?? '');
  const [minutes, setMinutes] = useState(
    workOrder.actual_duration_minutes !== null ? String(workOrder.actual_duration_minutes) : '',
  );
  const [parts, setParts] = useState(workOrder.parts_used ?? '');
  const [calibrationId, setCalibrationId] = useState(
    workOrder.calibration_record_id
      ? String(workOrder.calibration_record_id)
      : suggested
        ? String(suggested.id)
        : '',
  );
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const serverField = update.error instanceof ApiError ? update.error.field : null;

  // A calibration recorded while this form is open becomes the choice.
  const suggestedId = suggested?.id ?? null;
  useEffect(() => {
    if (suggestedId !== null) setCalibrationId((c) => c || String(suggestedId));
  }, [suggestedId]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m = Number(minutes);
    const errs: Record<string, string | undefined> = {
      notes: notes.trim() ? undefined : 'Describe what was done; completion notes are mandatory',
      minutes:
        minutes.trim() !== '' && Number.isInteger(m) && m >= 0
          ? undefined
          : 'Enter the actual duration in whole minutes',
      parts: parts.trim() ? undefined : 'List the parts used, or write “none”',
      calibration:
        !isCalibration || calibrationId ? undefined : 'Choose the calibration record this work produced',
    };
    setErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    update.mutate(
      {
        id: workOrder.id,
        patch: {
          status: 'completed',
          completion_notes: notes.trim(),
          actual_duration_minutes: m,
          parts_used: parts.trim(),
          ...(isCalibration ? { calibration_record_id: Number(calibrationId) } : {}),
          ...(password ? { signature: { password } } : {}),
        },
      },
      { onSuccess: onClose, onError: () => setPassword('') },
    );
  };

  return (
    <Modal
      title={`Complete work order #${workOrder.id}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="complete-form"
          onCancel={onClose}
          pending={update.isPending}
          pendingLabel="Saving…"
          label="Complete work order"
        />
      }
    >
      <p className="muted">
        {workOrder.tag} — {workOrder.title}
        {workOrder.estimated_duration_minutes !== null && (
          <> · estimated {workOrder.estimated_duration_minutes} min</>
        )}
      </p>
      <form
        id="complete-form"
        onSubmit={submit}
        onChange={clearStaleErrors(errors, setErrors, update)}
        noValidate
      >
        <Field label="Completion notes" error={errors.notes} required>
          {(p) => (
            <textarea
              {...p}
              rows={4}
              maxLength={4000}
              value={notes}
              onChange={(e) => setNotes(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <div className="form-grid">
          <Field label="Actual duration (minutes)" error={errors.minutes} required>
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                value={minutes}
                onChange={(e) => setMinutes(e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Parts used"
            error={errors.parts}
            required
            hint={
              <button
                type="button"
                className="button button-link button-small"
                onClick={() => setParts('none')}
              >
                No parts used
              </button>
            }
          >
            {(p) => (
              <input {...p} value={parts} maxLength={2000} onChange={(e) => setParts(e.target.value)} />
            )}
          </Field>
        </div>
        {isCalibration && (
          <Field
            label="Calibration record"
            error={
              errors.calibration ??
              (serverField === 'calibration_record_id' ? 'Not accepted (see below)' : undefined)
            }
            required
            hint="The calibration this work order produced; it is linked to the order."
          >
            {(p) => (
              <select {...p} value={calibrationId} onChange={(e) => setCalibrationId(e.target.value)}>
                <option value="">
                  {calibrationOptions.length ? 'Choose…' : 'No calibration recorded yet'}
                </option>
                {calibrationOptions.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {isCalibration && recordCalibration}
        <Field
          label="Password (electronic signature)"
          hint="Sign the completion as performed by re-entering your password (required where the plant's signature policy asks for it)."
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <FormError error={update.error} />
      </form>
    </Modal>
  );
}

export function CancelWorkOrderModal({ workOrder, onClose }: { workOrder: WorkOrder; onClose: () => void }) {
  const update = useUpdateWorkOrder();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setError('Say why the work order is cancelled');
      return;
    }
    setError(null);
    update.mutate(
      { id: workOrder.id, patch: { status: 'cancelled', cancel_reason: reason.trim() } },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal
      title={`Cancel work order #${workOrder.id}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Keep it
          </button>
          <button
            type="submit"
            form="cancel-form"
            className="button button-danger"
            disabled={update.isPending}
          >
            {update.isPending ? 'Cancelling…' : 'Cancel work order'}
          </button>
        </>
      }
    >
      <form id="cancel-form" onSubmit={submit} noValidate>
        <Field label="Reason" error={error} required>
          {(p) => (
            <textarea
              {...p}
              rows={3}
              maxLength={2000}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <FormError error={update.error} />
      </form>
    </Modal>
  );
}
