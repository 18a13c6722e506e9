import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { OfflineSavedModal } from '../../../components/OfflineSavedModal.tsx';
import type { MaintenanceAction } from '../../../lib/api-types.ts';
import { fromLocalInput, humanize, toLocalInput } from '../../../lib/format.ts';
import { useCreateMaintenance } from '../api/create-maintenance.ts';
import { MAINTENANCE_ACTION_TYPES, type MaintenanceRecord } from '../types.ts';

interface Props {
  instrument: { id: number; tag: string };
  workOrderId?: number;
  onClose: () => void;
  onRecorded?: (r: MaintenanceRecord) => void;
}

/** Records maintenance done on an instrument, in place; alerts are suppressed for a while after. */
export function MaintenanceModal({ instrument, workOrderId, onClose, onRecorded }: Props) {
  const create = useCreateMaintenance();
  const [actionType, setActionType] = useState<MaintenanceAction>('inspection');
  const [description, setDescription] = useState('');
  const [parts, setParts] = useState('');
  const [minutes, setMinutes] = useState('');
  const [performedAt, setPerformedAt] = useState(() => toLocalInput(new Date()));
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [done, setDone] = useState<MaintenanceRecord | null>(null);
  const [queued, setQueued] = useState(false);

  // Editing a field clears its stale message and the server's last refusal.
  const edit =
    <T extends string>(key: string, set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setErrors((es) => (es[key] ? { ...es, [key]: undefined } : es));
      if (create.error) create.reset();
    };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m = minutes.trim() === '' ? null : Number(minutes);
    const at = fromLocalInput(performedAt);
    const errs = {
      description: description.trim() ? undefined : 'Describe the work done',
      minutes: m === null || (Number.isInteger(m) && m >= 0) ? undefined : 'Whole minutes, 0 or more',
      performedAt: !at
        ? 'Enter when the work was done'
        : Date.parse(at) > Date.now() + 60_000
          ? 'Cannot be in the future'
          : undefined,
    };
    setErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    create.mutate(
      {
        input: {
          instrument_id: instrument.id,
          action_type: actionType,
          description: description.trim(),
          parts_used: parts.trim() || null,
          duration_minutes: m,
          performed_at: at ?? undefined,
          ...(workOrderId ? { work_order_id: workOrderId } : {}),
        },
        label: `${humanize(actionType)} on ${instrument.tag}`,
      },
      {
        onSuccess: (sent) => {
          if (sent.queued) {
            setQueued(true);
            return;
          }
          setDone(sent.result);
          onRecorded?.(sent.result);
        },
      },
    );
  };

  if (queued)
    return <OfflineSavedModal what={`${humanize(actionType)} on ${instrument.tag}`} onClose={onClose} />;

  if (done)
    return (
      <Modal
        title="Maintenance recorded"
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose} autoFocus>
            Done
          </button>
        }
      >
        <p className="success" role="status">
          {humanize(done.action_type)} on {done.tag} recorded (#{done.id}). New alerts on this instrument are
          suppressed for the post-maintenance window.
        </p>
      </Modal>
    );

  return (
    <Modal
      title={`Record maintenance — ${instrument.tag}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="maintenance-form"
          onCancel={onClose}
          pending={create.isPending}
          pendingLabel="Saving…"
          label="Save maintenance"
        />
      }
    >
      <form id="maintenance-form" onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field label="Action" required>
            {(p) => (
              <select
                {...p}
                value={actionType}
                onChange={(e) =>
                  edit<MaintenanceAction>('actionType', setActionType)(e.target.value as MaintenanceAction)
                }
              >
                {MAINTENANCE_ACTION_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {humanize(t)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Performed at" required error={errors.performedAt}>
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                value={performedAt}
                max={toLocalInput(new Date())}
                onChange={(e) => edit('performedAt', setPerformedAt)(e.target.value)}
              />
            )}
          </Field>
          <Field label="Duration (minutes)" error={errors.minutes}>
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                value={minutes}
                onChange={(e) => edit('minutes', setMinutes)(e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field label="Description" required error={errors.description}>
          {(p) => (
            <textarea
              {...p}
              rows={3}
              maxLength={4000}
              value={description}
              onChange={(e) => edit('description', setDescription)(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <Field label="Parts used">
          {(p) => (
            <input
              {...p}
              maxLength={2000}
              value={parts}
              onChange={(e) => edit('parts', setParts)(e.target.value)}
            />
          )}
        </Field>
        <FormError error={create.error} />
      </form>
    </Modal>
  );
}
