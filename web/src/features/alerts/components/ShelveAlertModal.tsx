import { type FormEvent, useState } from 'react';
import { AlertKindBadge, SeverityBadge } from '../../../components/Badges.tsx';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { useShelveAlert } from '../api/shelve-alert.ts';
import type { Alert } from '../types.ts';

/** Shelf durations offered; the server refuses more than ALERT_SHELVE_MAX_HOURS. */
const DURATIONS = [
  { value: 'one_shot', label: 'Until the condition clears (one-shot)' },
  { value: '15', label: '15 minutes' },
  { value: '30', label: '30 minutes' },
  { value: '60', label: '1 hour' },
  { value: '120', label: '2 hours' },
  { value: '240', label: '4 hours' },
  { value: '480', label: '8 hours' },
  { value: '720', label: '12 hours' },
  { value: '1440', label: '24 hours' },
];

/** Shelve an alert: recorded, out of the active list until it clears or the time is up. */
export function ShelveAlertModal({
  alert,
  subject,
  onClose,
}: {
  alert: Alert;
  subject: string;
  onClose: () => void;
}) {
  const shelve = useShelveAlert();
  const [reason, setReason] = useState('');
  const [duration, setDuration] = useState('60');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setError('Give a reason: why is this alert not needing attention now?');
      return;
    }
    setError(null);
    shelve.mutate(
      {
        id: alert.id,
        reason: reason.trim(),
        minutes: duration === 'one_shot' ? undefined : Number(duration),
      },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal
      title={`Shelve alert on ${subject}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="shelve-form"
          onCancel={onClose}
          pending={shelve.isPending}
          pendingLabel="Shelving…"
          label="Shelve alert"
        />
      }
    >
      <p>
        <SeverityBadge severity={alert.severity} /> <AlertKindBadge type={alert.alert_type} /> {alert.message}
      </p>
      <p className="subtitle">
        A shelved alert stays recorded but leaves the active list, counts and dashboard until the shelf ends.
      </p>
      <form id="shelve-form" onSubmit={submit} noValidate>
        <Field label="Reason" error={error} required hint="Recorded in the audit trail with your name.">
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
        <Field label="Shelve for">
          {(p) => (
            <select {...p} value={duration} onChange={(e) => setDuration(e.target.value)}>
              {DURATIONS.map((d) => (
                <option key={d.value} value={d.value}>
                  {d.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <FormError error={shelve.error} />
      </form>
    </Modal>
  );
}
