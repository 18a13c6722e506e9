import { type FormEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { EmptyState, ErrorMessage, FormError, Loading } from '../../../components/Feedback.tsx';
import { Field, FilterSelect } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { paths } from '../../../config/paths.ts';
import type { WorkOrderPriority, WorkOrderType } from '../../../lib/api-types.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { useFilterParams } from '../../../lib/use-filter-params.ts';
import { TYPE_WORD, WORK_ORDER_PRIORITIES, WORK_ORDER_TYPES } from '../../work-orders/types.ts';
import { useAcceptRequest, useRejectRequest, useWorkRequests } from '../api/work-requests.ts';
import { STATUS_WORD, WORK_REQUEST_STATUSES, type WorkRequest } from '../types.ts';

const PAGE = 25;
const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

interface Props {
  isAdmin: boolean;
  assignees: { id: number; label: string }[];
}

/** Problems reported from the field; administrators turn them into work orders or reject them. */
export function RequestsPage({ isAdmin, assignees }: Props) {
  const [params, setParam] = useFilterParams();
  const status = params.get('status') ?? 'open';
  const list = useWorkRequests({
    status: status === 'all' ? undefined : status,
    reported_by: params.get('mine') ? 'me' : undefined,
    limit: PAGE,
    offset: Number(params.get('offset')) || 0,
  });
  const [accepting, setAccepting] = useState<WorkRequest | null>(null);
  const [rejecting, setRejecting] = useState<WorkRequest | null>(null);

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Requests</h1>
          <p className="subtitle">
            Problems reported at instruments (“Report a problem” on an instrument page or its QR label).
            {isAdmin ? ' Accept one to raise a work order, or reject it with a reason.' : ''}
          </p>
        </div>
      </header>
      <search className="filters" aria-label="Filter requests">
        <FilterSelect
          label="State"
          value={status === 'all' ? '' : status}
          onChange={(v) => setParam('status', v === 'open' ? '' : v || 'all')}
          allLabel="All"
          options={WORK_REQUEST_STATUSES.map((s) => ({ value: s, label: STATUS_WORD[s] }))}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={!!params.get('mine')}
            onChange={(e) => setParam('mine', e.target.checked ? '1' : '')}
          />
          Reported by me
        </label>
      </search>
      <section className="panel panel-flush" aria-busy={list.isFetching}>
        {list.isPending && <Loading label="Loading requests…" />}
        {list.error && !list.data && <ErrorMessage error={list.error} onRetry={() => list.refetch()} />}
        {list.data && list.data.items.length === 0 && <EmptyState title="No requests match" />}
        {list.data && list.data.items.length > 0 && (
          <>
            <div className="table-scroll">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Instrument</th>
                    <th scope="col">Problem</th>
                    <th scope="col">Reported</th>
                    <th scope="col">State</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((r) => (
                    <tr key={r.id} data-request-id={r.id}>
                      <td className="mono">{r.id}</td>
                      <td>
                        <Link className="tag-link" to={paths.instrument.href(r.instrument_id)}>
                          {r.tag}
                        </Link>
                      </td>
                      <td className="break" style={{ whiteSpace: 'pre-line' }}>
                        {r.description}
                      </td>
                      <td>
                        <div>{r.reported_by_name ?? `User ${r.reported_by}`}</div>
                        <div className="muted">{formatDateTime(r.created_at)}</div>
                      </td>
                      <td>
                        <span
                          className={`badge ${r.status === 'rejected' ? 'badge-muted' : r.status === 'open' ? 'status-raised' : 'status-active'}`}
                        >
                          {STATUS_WORD[r.status] ?? r.status}
                        </span>
                        {r.work_order_id && (
                          <div>
                            <Link to={paths.workOrder.href(r.work_order_id)}>
                              Work order #{r.work_order_id}
                            </Link>
                          </div>
                        )}
                        {r.status === 'rejected' && r.review_notes && (
                          <div className="muted">{r.review_notes}</div>
                        )}
                      </td>
                      <td className="actions actions-wrap">
                        {isAdmin && r.status === 'open' && (
                          <>
                            <button
                              type="button"
                              className="button button-small button-primary"
                              onClick={() => setAccepting(r)}
                            >
                              Raise work order
                            </button>
                            <button
                              type="button"
                              className="button button-small"
                              onClick={() => setRejecting(r)}
                            >
                              Reject
                            </button>
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination
              total={list.data.total}
              limit={PAGE}
              offset={Number(params.get('offset')) || 0}
              onChange={(o) => setParam('offset', o ? String(o) : '')}
              noun="requests"
            />
          </>
        )}
      </section>
      {accepting && (
        <AcceptModal request={accepting} assignees={assignees} onClose={() => setAccepting(null)} />
      )}
      {rejecting && <RejectModal request={rejecting} onClose={() => setRejecting(null)} />}
    </div>
  );
}

function AcceptModal({
  request,
  assignees,
  onClose,
}: {
  request: WorkRequest;
  assignees: { id: number; label: string }[];
  onClose: () => void;
}) {
  const accept = useAcceptRequest();
  const [priority, setPriority] = useState<WorkOrderPriority>('medium');
  const [type, setType] = useState<WorkOrderType>('corrective');
  const [assignee, setAssignee] = useState('');
  const [title, setTitle] = useState('');
  const fresh = () => accept.error && accept.reset();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    accept.mutate({
      id: request.id,
      input: {
        priority,
        type,
        assigned_to: assignee ? Number(assignee) : null,
        ...(title.trim() ? { title: title.trim() } : {}),
      },
    });
  };

  if (accept.data) {
    const wo = accept.data.work_order;
    return (
      <Modal
        title="Work order raised"
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose} autoFocus>
            Done
          </button>
        }
      >
        <p className="success" role="status">
          Request #{request.id} became <Link to={paths.workOrder.href(wo.id)}>work order #{wo.id}</Link>:{' '}
          {wo.title}.
        </p>
      </Modal>
    );
  }

  return (
    <Modal
      title={`Raise a work order — request #${request.id}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="accept-request"
          onCancel={onClose}
          pending={accept.isPending}
          pendingLabel="Raising…"
          label="Raise work order"
        />
      }
    >
      <p className="muted" style={{ whiteSpace: 'pre-line' }}>
        {request.tag}: {request.description}
      </p>
      <form id="accept-request" onSubmit={submit} onChange={fresh} noValidate>
        <Field label="Title" hint="Leave empty to use the first line of the report.">
          {(p) => <input {...p} maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />}
        </Field>
        <div className="form-grid">
          <Field label="Type">
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
          <Field label="Priority">
            {(p) => (
              <select
                {...p}
                value={priority}
                onChange={(e) => setPriority(e.target.value as WorkOrderPriority)}
              >
                {WORK_ORDER_PRIORITIES.map((t) => (
                  <option key={t} value={t}>
                    {cap(t)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Assign to">
            {(p) => (
              <select {...p} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
                <option value="">Unassigned</option>
                {assignees.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <FormError error={accept.error} />
      </form>
    </Modal>
  );
}

function RejectModal({ request, onClose }: { request: WorkRequest; onClose: () => void }) {
  const reject = useRejectRequest();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return setError('Say why, so the reporter knows');
    reject.mutate({ id: request.id, reason: reason.trim() }, { onSuccess: onClose });
  };
  return (
    <Modal
      title={`Reject request #${request.id}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="reject-request"
          onCancel={onClose}
          pending={reject.isPending}
          pendingLabel="Rejecting…"
          label="Reject"
        />
      }
    >
      <form id="reject-request" onSubmit={submit} noValidate>
        <Field label="Reason" required error={error}>
          {(p) => (
            <textarea
              {...p}
              rows={3}
              maxLength={2000}
              value={reason}
              autoFocus
              onChange={(e) => {
                setReason(e.target.value);
                setError(null);
                if (reject.error) reject.reset();
              }}
            />
          )}
        </Field>
        <FormError error={reject.error} />
      </form>
    </Modal>
  );
}
