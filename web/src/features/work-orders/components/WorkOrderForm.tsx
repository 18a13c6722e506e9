import { type FormEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { Modal } from '../../../components/Modal.tsx';
import { paths } from '../../../config/paths.ts';
import type { WorkOrderPriority, WorkOrderType } from '../../../lib/api-types.ts';
import { fromLocalInput, toLocalInput } from '../../../lib/format.ts';
import { useCreateWorkOrderFromAlert } from '../api/create-from-alert.ts';
import { useCreateWorkOrder } from '../api/create-work-order.ts';
import { useUpdateWorkOrder } from '../api/update-work-order.ts';
import { type Option, TYPE_WORD, WORK_ORDER_PRIORITIES, WORK_ORDER_TYPES, type WorkOrder } from '../types.ts';

/** The tag once: alert messages already start with it ("FT-301 high alarm: ..."). */
function taggedTitle(tag: string, message: string): string {
  const t = message.trim();
  const named = t.toLowerCase().startsWith(tag.toLowerCase()) && /^([\s:,;.(—-]|$)/.test(t.slice(tag.length));
  return (named ? t : `${tag}: ${t}`).slice(0, 200);
}

interface Props {
  /** Editing an existing order (admin planning fields). */
  workOrder?: WorkOrder | null;
  /** Raising from an alert: the instrument, type and priority follow it unless changed. */
  fromAlert?: {
    id: number;
    tag: string;
    message: string;
    suggestedType: WorkOrderType;
    suggestedPriority: WorkOrderPriority;
  } | null;
  instruments: Option[];
  assignees: Option[];
  /** Preselected instrument for a new order. */
  instrumentId?: number;
  onClose: () => void;
  onSaved?: (wo: WorkOrder) => void;
}

/** Plan a work order: create (admin), raise from an alert (admin) or edit its planning fields. */
export function WorkOrderForm({
  workOrder,
  fromAlert,
  instruments,
  assignees,
  instrumentId,
  onClose,
  onSaved,
}: Props) {
  const create = useCreateWorkOrder();
  const fromAlertMutation = useCreateWorkOrderFromAlert();
  const update = useUpdateWorkOrder();
  const mutation = workOrder ? update : fromAlert ? fromAlertMutation : create;

  const [instrument, setInstrument] = useState(String(workOrder?.instrument_id ?? instrumentId ?? ''));
  const [title, setTitle] = useState(
    workOrder?.title ?? (fromAlert ? taggedTitle(fromAlert.tag, fromAlert.message) : ''),
  );
  const [description, setDescription] = useState(workOrder?.description ?? '');
  const [type, setType] = useState<WorkOrderType>(
    // The server's answer holds one of its types and priorities (its schema declares a string).
    (workOrder?.type as WorkOrderType | undefined) ?? fromAlert?.suggestedType ?? 'corrective',
  );
  const [priority, setPriority] = useState<WorkOrderPriority>(
    (workOrder?.priority as WorkOrderPriority | undefined) ?? fromAlert?.suggestedPriority ?? 'medium',
  );
  const [assignee, setAssignee] = useState(workOrder?.assigned_to ? String(workOrder.assigned_to) : '');
  const [due, setDue] = useState(workOrder?.due_date ? toLocalInput(new Date(workOrder.due_date)) : '');
  const [estimate, setEstimate] = useState(
    workOrder?.estimated_duration_minutes !== null && workOrder?.estimated_duration_minutes !== undefined
      ? String(workOrder.estimated_duration_minutes)
      : '',
  );
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [created, setCreated] = useState<WorkOrder | null>(null);
  // A change to any field makes the messages about the last attempt stale.
  const clearStale = () => {
    if (Object.values(errors).some(Boolean)) setErrors({});
    if (mutation.error) mutation.reset();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const est = estimate.trim() === '' ? null : Number(estimate);
    const errs: Record<string, string | undefined> = {
      instrument: workOrder || fromAlert || instrument ? undefined : 'Choose the instrument',
      title: title.trim() ? undefined : 'Enter a title',
      estimate: est === null || (Number.isInteger(est) && est >= 0) ? undefined : 'Whole minutes, 0 or more',
      due: due && !fromLocalInput(due) ? 'Enter a valid date and time' : undefined,
    };
    setErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    const planning = {
      title: title.trim(),
      description: description.trim() || null,
      type,
      priority,
      assigned_to: assignee ? Number(assignee) : null,
      estimated_duration_minutes: est,
      // Without a due date the server sets one from the priority's SLA.
      ...(due ? { due_date: fromLocalInput(due) } : {}),
    };
    const done = (wo: WorkOrder) => {
      onSaved?.(wo);
      // From an alert the admin stays on the alerts page: confirm, with the way to the new order.
      if (fromAlert) setCreated(wo);
      else onClose();
    };
    if (workOrder) update.mutate({ id: workOrder.id, patch: planning }, { onSuccess: done });
    else if (fromAlert)
      fromAlertMutation.mutate({ alert_id: fromAlert.id, ...planning }, { onSuccess: done });
    else create.mutate({ instrument_id: Number(instrument), ...planning }, { onSuccess: done });
  };

  const title_ = workOrder
    ? `Edit work order #${workOrder.id}`
    : fromAlert
      ? `Work order from alert on ${fromAlert.tag}`
      : 'New work order';

  if (created)
    return (
      <Modal
        title="Work order created"
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose} autoFocus>
            Done
          </button>
        }
      >
        <p className="success" role="status" data-testid="work-order-created">
          <Link to={paths.workOrder.href(created.id)} onClick={onClose}>
            Work order #{created.id}
          </Link>{' '}
          was created from the alert on {created.tag} and linked to it: {created.title}.
        </p>
      </Modal>
    );

  return (
    <Modal
      title={title_}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="wo-form"
            className="button button-primary"
            disabled={mutation.isPending}
          >
            {mutation.isPending ? 'Saving…' : workOrder ? 'Save' : 'Create work order'}
          </button>
        </>
      }
    >
      <form id="wo-form" onSubmit={submit} onChange={clearStale} noValidate>
        <div className="form-grid">
          {!workOrder && !fromAlert && (
            <Field label="Instrument" error={errors.instrument} required>
              {(p) => (
                <select {...p} value={instrument} onChange={(e) => setInstrument(e.target.value)}>
                  <option value="">Choose…</option>
                  {instruments.map((i) => (
                    <option key={i.id} value={i.id}>
                      {i.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <Field label="Type" required>
            {(p) => (
              <select {...p} value={type} onChange={(e) => setType(e.target.value as WorkOrderType)}>
                {WORK_ORDER_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {TYPE_WORD[t]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Priority" required hint="Sets the SLA due date when none is given.">
            {(p) => (
              <select
                {...p}
                value={priority}
                onChange={(e) => setPriority(e.target.value as WorkOrderPriority)}
              >
                {WORK_ORDER_PRIORITIES.map((t) => (
                  <option key={t} value={t}>
                    {t[0].toUpperCase() + t.slice(1)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Assigned to" hint="The assignee is notified.">
            {(p) => (
              <select {...p} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
                <option value="">Unassigned</option>
                {assignees.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Due" error={errors.due} hint="Empty: from the priority's SLA.">
            {(p) => (
              <input {...p} type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
            )}
          </Field>
          <Field label="Estimated duration (minutes)" error={errors.estimate}>
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                value={estimate}
                onChange={(e) => setEstimate(e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field label="Title" error={errors.title} required>
          {(p) => <input {...p} value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />}
        </Field>
        <Field label="Description">
          {(p) => (
            <textarea
              {...p}
              rows={3}
              maxLength={4000}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </Field>
        <FormError error={mutation.error} />
      </form>
    </Modal>
  );
}
