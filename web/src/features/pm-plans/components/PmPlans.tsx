import { type FormEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { PriorityBadge } from '../../../components/Badges.tsx';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { paths } from '../../../config/paths.ts';
import type { WorkOrderPriority } from '../../../lib/api-types.ts';
import { formatDate, fromLocalInput, toLocalInput } from '../../../lib/format.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import { useDeletePmPlan } from '../api/delete-pm-plan.ts';
import { usePmPlans } from '../api/get-pm-plans.ts';
import { useSavePmPlan } from '../api/save-pm-plan.ts';

function NewPlan({
  instrumentId,
  assignees,
}: {
  instrumentId: number;
  assignees: { id: number; label: string }[];
}) {
  const save = useSavePmPlan();
  const [task, setTask] = useState('');
  const [interval, setInterval] = useState('90');
  const [nextDue, setNextDue] = useState(() => toLocalInput(new Date(Date.now() + 7 * 86_400_000)));
  const [priority, setPriority] = useState<WorkOrderPriority>('medium');
  const [assignee, setAssignee] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const days = Number(interval);
    const due = fromLocalInput(nextDue);
    const errs = {
      task: task.trim() ? undefined : 'Describe the task',
      interval: Number.isInteger(days) && days >= 1 && days <= 3650 ? undefined : '1 to 3650 days',
      due: due ? undefined : 'Enter the first due date',
    };
    setErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    save.mutate(
      {
        instrumentId,
        input: {
          task: task.trim(),
          interval_days: days,
          next_due: due ?? undefined,
          priority,
          assigned_to: assignee ? Number(assignee) : null,
        },
      },
      { onSuccess: () => setTask('') },
    );
  };

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label="New preventive maintenance plan"
      style={{ marginTop: '0.8rem' }}
    >
      <h3>New plan</h3>
      <div className="form-grid form-grid-4">
        <Field label="Task" error={errors.task} required>
          {(p) => <input {...p} value={task} maxLength={500} onChange={(e) => setTask(e.target.value)} />}
        </Field>
        <Field label="Every (days)" error={errors.interval} required>
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              value={interval}
              onChange={(e) => setInterval(e.target.value)}
            />
          )}
        </Field>
        <Field label="First due" error={errors.due} required>
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              value={nextDue}
              onChange={(e) => setNextDue(e.target.value)}
            />
          )}
        </Field>
        <Field label="Priority">
          {(p) => (
            <select
              {...p}
              value={priority}
              onChange={(e) => setPriority(e.target.value as WorkOrderPriority)}
            >
              {['low', 'medium', 'high', 'urgent'].map((x) => (
                <option key={x} value={x}>
                  {x[0].toUpperCase() + x.slice(1)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Assign to">
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
      </div>
      <button type="submit" className="button button-primary" disabled={save.isPending}>
        Add plan
      </button>
      <FormError error={save.error} />
    </form>
  );
}

/** Preventive maintenance plans of an instrument; a scan raises the work order when one falls due. */
export function PmPlans({
  instrumentId,
  assignees,
}: {
  instrumentId: number;
  assignees: { id: number; label: string }[];
}) {
  const q = usePmPlans(instrumentId);
  const isAdmin = useIsAdmin();
  const save = useSavePmPlan();
  const remove = useDeletePmPlan();
  return (
    <>
      <QueryState query={q} loadingLabel="Loading plans…">
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState title="No preventive maintenance planned" />
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col" className="num">
                    Every
                  </th>
                  <th scope="col">Next due</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Assigned to</th>
                  <th scope="col">Last work order</th>
                  {isAdmin && (
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {page.items.map((p) => (
                  <tr key={p.id} className={p.is_active ? undefined : 'row-muted'}>
                    <td>
                      {p.task}
                      {!p.is_active && <span className="badge badge-muted"> paused</span>}
                    </td>
                    <td className="num">{p.interval_days} d</td>
                    <td className="nowrap">
                      {formatDate(p.next_due)}{' '}
                      {p.due && p.is_active && <span className="badge severity-warning">Due</span>}
                    </td>
                    <td>
                      <PriorityBadge priority={p.priority} />
                    </td>
                    <td>{p.assigned_to_name ?? '—'}</td>
                    <td>
                      {p.last_work_order_id ? (
                        <Link to={paths.workOrder.href(p.last_work_order_id)}>#{p.last_work_order_id}</Link>
                      ) : (
                        '—'
                      )}
                    </td>
                    {isAdmin && (
                      <td className="actions">
                        <button
                          type="button"
                          className="button button-small"
                          disabled={save.isPending}
                          onClick={() =>
                            save.mutate({ id: p.id, instrumentId, input: { is_active: !p.is_active } })
                          }
                        >
                          {p.is_active ? 'Pause' : 'Resume'}
                        </button>
                        <button
                          type="button"
                          className="button button-small button-danger-outline"
                          disabled={remove.isPending}
                          onClick={() => remove.mutate(p.id)}
                        >
                          Delete
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      <FormError error={save.error ?? remove.error} />
      {isAdmin && <NewPlan instrumentId={instrumentId} assignees={assignees} />}
    </>
  );
}
