import { type ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import { PriorityBadge, StatusBadge } from '../../../components/Badges.tsx';
import { QueryState } from '../../../components/Feedback.tsx';
import { paths } from '../../../config/paths.ts';
import { errorText } from '../../../lib/api-client.ts';
import { formatDateTime, formatMinutes } from '../../../lib/format.ts';
import { useCurrentUser } from '../../../lib/session.ts';
import { useWorkOrder } from '../api/get-work-order.ts';
import { useUpdateWorkOrder } from '../api/update-work-order.ts';
import { type Option, SOURCE_WORD, TYPE_WORD, type WorkOrder } from '../types.ts';
import { WorkOrderForm } from './WorkOrderForm.tsx';
import { CancelWorkOrderModal, CompleteWorkOrderModal } from './WorkOrderStatusModals.tsx';

interface Props {
  id: number;
  assignees: Option[];
  /** Calibration records the order can be closed with (composed by the app from the calibration feature). */
  calibrationOptions: (wo: WorkOrder) => (Option & { suggested?: boolean })[];
  /** A button that records a calibration under this order (composed by the app). */
  recordCalibration?: (wo: WorkOrder) => ReactNode;
  /** The page's main action when there is one (e.g. "Record calibration"), shown first. */
  primaryAction?: (wo: WorkOrder) => ReactNode;
  /** Panels below the details (signatures, attachments, impact assessment), composed by the app. */
  extraPanels?: (wo: WorkOrder) => ReactNode;
}

export function WorkOrderDetail({
  id,
  assignees,
  calibrationOptions,
  recordCalibration,
  primaryAction,
  extraPanels,
}: Props) {
  const q = useWorkOrder(id);
  const me = useCurrentUser();
  const isAdmin = me.role === 'admin';
  const update = useUpdateWorkOrder();
  const [modal, setModal] = useState<'complete' | 'cancel' | 'edit' | null>(null);

  return (
    <QueryState query={q} loadingLabel="Loading work order…">
      {(wo) => {
        const active = wo.status === 'open' || wo.status === 'in_progress';
        const main = primaryAction?.(wo) ?? null;
        return (
          <>
            <header className="page-header">
              <div>
                <p className="muted">
                  <Link to={paths.workOrders.href()}>Work orders</Link> › #{wo.id}
                </p>
                <h1>{wo.title}</h1>
                <p className="subtitle">
                  <Link to={paths.instrument.href(wo.instrument_id)} className="tag-link">
                    {wo.tag}
                  </Link>{' '}
                  · {TYPE_WORD[wo.type] ?? wo.type} · {SOURCE_WORD[wo.source] ?? wo.source}
                </p>
              </div>
              <div className="header-actions">
                {main}
                {wo.status === 'open' && (
                  <button
                    type="button"
                    className={main ? 'button' : 'button button-primary'}
                    disabled={update.isPending}
                    onClick={() => update.mutate({ id: wo.id, patch: { status: 'in_progress' } })}
                  >
                    Start work
                  </button>
                )}
                {wo.status === 'in_progress' && (
                  <button
                    type="button"
                    className={main ? 'button' : 'button button-primary'}
                    onClick={() => setModal('complete')}
                  >
                    Complete…
                  </button>
                )}
                {active && isAdmin && (
                  <button type="button" className="button" onClick={() => setModal('edit')}>
                    Edit planning
                  </button>
                )}
                {active && (
                  <button
                    type="button"
                    className="button button-danger-outline"
                    onClick={() => setModal('cancel')}
                  >
                    Cancel work order…
                  </button>
                )}
              </div>
            </header>
            {update.error && (
              <p className="form-error" role="alert">
                {errorText(update.error)}
              </p>
            )}
            <section className={`panel ${wo.sla_breached && active ? 'row-breach' : ''}`}>
              <dl className="fact-grid">
                <div>
                  <dt>Status</dt>
                  <dd>
                    <StatusBadge status={wo.status} />
                  </dd>
                </div>
                <div>
                  <dt>Priority</dt>
                  <dd>
                    <PriorityBadge priority={wo.priority} />
                  </dd>
                </div>
                <div>
                  <dt>Assigned to</dt>
                  <dd>{wo.assigned_to_name ?? 'Unassigned'}</dd>
                </div>
                <div>
                  <dt>Due (SLA)</dt>
                  <dd>
                    {formatDateTime(wo.due_date)}{' '}
                    {wo.sla_breached && <span className="badge severity-critical">SLA breached</span>}
                  </dd>
                </div>
                <div>
                  <dt>Created</dt>
                  <dd>
                    {formatDateTime(wo.created_at)}
                    {wo.created_by_name && <> by {wo.created_by_name}</>}
                  </dd>
                </div>
                <div>
                  <dt>Started</dt>
                  <dd>{formatDateTime(wo.started_at)}</dd>
                </div>
                <div>
                  <dt>Estimated</dt>
                  <dd>{formatMinutes(wo.estimated_duration_minutes)}</dd>
                </div>
                <div>
                  <dt>Actual</dt>
                  <dd>
                    {formatMinutes(wo.actual_duration_minutes)}
                    {wo.duration_variance_minutes !== null && (
                      <small className={wo.duration_variance_minutes > 0 ? 'err-fail' : 'err-pass'}>
                        {' '}
                        ({wo.duration_variance_minutes > 0 ? '+' : ''}
                        {wo.duration_variance_minutes} min)
                      </small>
                    )}
                  </dd>
                </div>
                {wo.alert_id && (
                  <div>
                    <dt>From alert</dt>
                    <dd>
                      <Link to={`${paths.alerts.href()}?tag=${encodeURIComponent(wo.tag)}&status=all`}>
                        Alert #{wo.alert_id}
                      </Link>
                    </dd>
                  </div>
                )}
                {wo.calibration_record_id && (
                  <div>
                    <dt>Calibration record</dt>
                    <dd>
                      <Link to={paths.instrument.href(wo.instrument_id)}>#{wo.calibration_record_id}</Link>
                    </dd>
                  </div>
                )}
              </dl>
            </section>
            {wo.description && (
              <section className="panel">
                <h2>Description</h2>
                <p style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{wo.description}</p>
              </section>
            )}
            {(wo.status === 'completed' || wo.status === 'cancelled') && (
              <section className="panel">
                <h2>{wo.status === 'completed' ? 'Completion' : 'Cancellation'}</h2>
                {wo.status === 'completed' ? (
                  <dl className="facts">
                    <dt>Completed</dt>
                    <dd>{formatDateTime(wo.completed_at)}</dd>
                    <dt>Notes</dt>
                    <dd style={{ whiteSpace: 'pre-wrap' }}>{wo.completion_notes}</dd>
                    <dt>Parts used</dt>
                    <dd>{wo.parts_used}</dd>
                  </dl>
                ) : (
                  <dl className="facts">
                    <dt>Cancelled</dt>
                    <dd>{formatDateTime(wo.cancelled_at)}</dd>
                    <dt>Reason</dt>
                    <dd>{wo.cancel_reason}</dd>
                  </dl>
                )}
              </section>
            )}
            {extraPanels?.(wo)}
            {modal === 'complete' && (
              <CompleteWorkOrderModal
                workOrder={wo}
                calibrationOptions={calibrationOptions(wo)}
                recordCalibration={recordCalibration?.(wo)}
                onClose={() => setModal(null)}
              />
            )}
            {modal === 'cancel' && <CancelWorkOrderModal workOrder={wo} onClose={() => setModal(null)} />}
            {modal === 'edit' && (
              <WorkOrderForm
                workOrder={wo}
                instruments={[]}
                assignees={assignees}
                onClose={() => setModal(null)}
              />
            )}
          </>
        );
      }}
    </QueryState>
  );
}
