import { type FormEvent, type ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import { ALERT_KINDS, AlertKindBadge, SeverityBadge, StatusBadge } from '../../../components/Badges.tsx';
import { EmptyState, ErrorMessage, FormError, Loading } from '../../../components/Feedback.tsx';
import { Field, FilterSelect } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { paths } from '../../../config/paths.ts';
import { errorText } from '../../../lib/api-client.ts';
import { formatAgo, formatDateTime, humanize } from '../../../lib/format.ts';
import { useDebounced } from '../../../lib/use-debounced.ts';
import { useFilterParams } from '../../../lib/use-filter-params.ts';
import { useAcknowledgeAlert } from '../api/acknowledge-alert.ts';
import { type AlertFilters, useAlerts } from '../api/get-alerts.ts';
import { useResolveAlert } from '../api/resolve-alert.ts';
import { useUnshelveAlert } from '../api/shelve-alert.ts';
import { ALERT_TYPES, type Alert, SEVERITIES } from '../types.ts';
import { AlertHistory } from './AlertHistory.tsx';
import { ShelveAlertModal } from './ShelveAlertModal.tsx';

const PAGE = 25;

export function ResolveAlertModal({ alert, onClose }: { alert: Alert; onClose: () => void }) {
  const resolve = useResolveAlert();
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!notes.trim()) {
      setError('Say what was found and done; resolution notes are required');
      return;
    }
    setError(null);
    resolve.mutate({ id: alert.id, notes: notes.trim() }, { onSuccess: onClose });
  };
  return (
    <Modal
      title={`Resolve alert on ${alertSubject(alert)}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="resolve-form"
          onCancel={onClose}
          pending={resolve.isPending}
          pendingLabel="Resolving…"
          label="Resolve alert"
        />
      }
    >
      <p>
        <SeverityBadge severity={alert.severity} /> <AlertKindBadge type={alert.alert_type} /> {alert.message}
      </p>
      <form id="resolve-form" onSubmit={submit} noValidate>
        <Field
          label="Resolution notes"
          error={error}
          required
          hint="Recorded in the audit trail with your name."
        >
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
        <FormError error={resolve.error} />
      </form>
    </Modal>
  );
}

function AlertDetails({ details }: { details: Record<string, unknown> | null }) {
  if (!details) return null;
  const entries = Object.entries(details).filter(
    ([, v]) => v !== null && v !== undefined && typeof v !== 'object',
  );
  const nested = Object.entries(details).filter(([, v]) => v !== null && typeof v === 'object');
  if (!entries.length && !nested.length) return null;
  return (
    <details className="alert-details">
      <summary>Details</summary>
      <dl className="facts facts-compact">
        {entries.map(([k, v]) => (
          <div key={k} className="fact">
            <dt>{humanize(k)}</dt>
            <dd>{typeof v === 'number' ? Number(v.toPrecision(4)) : String(v)}</dd>
          </div>
        ))}
        {nested.map(([k, v]) => (
          <div key={k} className="fact">
            <dt>{humanize(k)}</dt>
            <dd>
              <code>{JSON.stringify(v)}</code>
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/** What an alert is about: its instrument's tag, or the source for a plant-wide alert. */
export function alertSubject(a: Alert): string {
  return a.tag ?? `${a.source ?? 'ingestion'} (all instruments)`;
}

interface Props {
  /** Extra per-alert actions composed by the app (raise a work order). */
  rowActions?: (a: Alert) => ReactNode;
  /** Fixed filters (an instrument's page shows only its alerts). */
  fixed?: Partial<AlertFilters>;
  /** Hide the filter bar (embedded lists). */
  compact?: boolean;
}

/** Alerts with their lifecycle actions. Filters live in the URL unless the list is embedded. */
export function AlertList({ rowActions, fixed, compact }: Props) {
  const [params, setParam] = useFilterParams();
  const [localStatus, setLocalStatus] = useState('active');
  const [offsetLocal, setOffsetLocal] = useState(0);
  const [tagInput, setTagInput] = useState(params.get('tag') ?? '');
  const tag = useDebounced(tagInput.trim());
  const filters: AlertFilters = compact
    ? { status: localStatus, limit: 10, offset: offsetLocal, ...fixed }
    : {
        status: params.get('status') || 'active',
        alert_type: params.get('type') || undefined,
        severity: params.get('severity') || undefined,
        tag: tag || undefined,
        limit: PAGE,
        offset: Number(params.get('offset')) || 0,
        ...fixed,
      };
  const list = useAlerts(filters);
  const ack = useAcknowledgeAlert();
  const [resolving, setResolving] = useState<Alert | null>(null);
  const [shelving, setShelving] = useState<Alert | null>(null);
  const unshelve = useUnshelveAlert();
  const [actionError, setActionError] = useState<string | null>(null);

  return (
    <>
      {compact ? (
        <div className="filters filters-inline">
          <label>
            <span>Show</span>
            <select
              value={localStatus}
              onChange={(e) => {
                setLocalStatus(e.target.value);
                setOffsetLocal(0);
              }}
            >
              <option value="active">Active</option>
              <option value="shelved">Shelved</option>
              <option value="all">All</option>
              <option value="resolved">Resolved</option>
            </select>
          </label>
        </div>
      ) : (
        <search className="filters" aria-label="Filter alerts">
          <label>
            <span>Status</span>
            <select
              value={filters.status}
              onChange={(e) => setParam('status', e.target.value === 'active' ? '' : e.target.value)}
            >
              <option value="active">Active (raised or acknowledged)</option>
              <option value="raised">Raised</option>
              <option value="acknowledged">Acknowledged</option>
              <option value="shelved">Shelved</option>
              <option value="resolved">Resolved</option>
              <option value="all">All</option>
            </select>
          </label>
          <FilterSelect
            label="Kind"
            value={filters.alert_type ?? ''}
            onChange={(v) => setParam('type', v)}
            allLabel="All kinds"
            options={ALERT_TYPES.map((t) => ({ value: t, label: ALERT_KINDS[t]?.label ?? t }))}
          />
          <FilterSelect
            label="Severity"
            value={filters.severity ?? ''}
            onChange={(v) => setParam('severity', v)}
            allLabel="All severities"
            options={SEVERITIES.map((s) => ({ value: s, label: humanize(s) }))}
          />
          <label>
            <span>Tag</span>
            <input
              type="search"
              value={tagInput}
              placeholder="e.g. PT-101"
              onChange={(e) => {
                setTagInput(e.target.value);
                setParam('tag', e.target.value.trim());
              }}
            />
          </label>
        </search>
      )}
      {actionError && (
        <p className="form-error" role="alert">
          {actionError}
        </p>
      )}
      <section className={compact ? undefined : 'panel panel-flush'} aria-busy={list.isFetching}>
        {list.isPending && <Loading label="Loading alerts…" />}
        {list.error && !list.data && <ErrorMessage error={list.error} onRetry={() => list.refetch()} />}
        {list.data && list.data.items.length === 0 && (
          <EmptyState
            title={filters.status === 'active' ? 'No active alerts' : 'No alerts match these filters'}
          />
        )}
        {list.data && list.data.items.length > 0 && (
          <>
            <ul className="alert-list">
              {list.data.items.map((a) => (
                <li
                  key={a.id}
                  className={`alert-row alert-${a.severity} alert-status-${a.status}`}
                  data-alert-id={a.id}
                >
                  <div className="alert-main">
                    <div className="alert-head">
                      <SeverityBadge severity={a.severity} />
                      <AlertKindBadge type={a.alert_type} />
                      {a.instrument_id !== null ? (
                        <Link to={paths.instrument.href(a.instrument_id)} className="tag-link">
                          {a.tag}
                        </Link>
                      ) : (
                        <span className="tag-link">{alertSubject(a)}</span>
                      )}
                      <StatusBadge status={a.status} />
                      {a.cleared_at && a.status !== 'resolved' && (
                        <span
                          className="badge badge-muted"
                          title={`Condition cleared ${formatDateTime(a.cleared_at)}`}
                        >
                          Condition cleared
                        </span>
                      )}
                      {a.suppressed && <span className="badge badge-muted">Suppressed</span>}
                      {a.shelved && a.status !== 'resolved' && (
                        <span
                          className="badge badge-muted"
                          title={`Shelved by ${a.shelved_by_name ?? 'someone'}: ${a.shelve_reason ?? ''}`}
                        >
                          {a.shelved_until
                            ? `Shelved until ${formatDateTime(a.shelved_until)}`
                            : 'Shelved until cleared'}
                        </span>
                      )}
                    </div>
                    <p className="alert-message">{a.message}</p>
                    <p className="alert-meta">
                      First seen {formatDateTime(a.first_seen)} · last {formatAgo(a.last_seen)}
                      {a.occurrence_count > 1 && <> · {a.occurrence_count} occurrences</>}
                      {a.acknowledged_at && (
                        <>
                          {' '}
                          · acknowledged by {a.acknowledged_by_name ?? 'someone'}{' '}
                          {formatAgo(a.acknowledged_at)}
                        </>
                      )}
                      {a.resolved_at && (
                        <>
                          {' '}
                          · resolved by {a.resolved_by_name ?? 'someone'} {formatAgo(a.resolved_at)}
                        </>
                      )}
                      {a.work_order_id && (
                        <>
                          {' '}
                          ·{' '}
                          <Link to={paths.workOrder.href(a.work_order_id)}>
                            work order #{a.work_order_id}
                          </Link>
                        </>
                      )}
                    </p>
                    {a.shelved && a.shelve_reason && a.status !== 'resolved' && (
                      <p className="alert-notes">
                        Shelved by {a.shelved_by_name ?? 'someone'}: “{a.shelve_reason}”
                      </p>
                    )}
                    {a.resolution_notes && <p className="alert-notes">“{a.resolution_notes}”</p>}
                    <AlertDetails details={a.details} />
                    <AlertHistory alertId={a.id} />
                  </div>
                  <div className="alert-actions">
                    {a.status === 'raised' && !a.shelved && (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={ack.isPending && ack.variables === a.id}
                        aria-label={`Acknowledge alert on ${alertSubject(a)}`}
                        onClick={() => {
                          setActionError(null);
                          ack.mutate(a.id, { onError: (e) => setActionError(errorText(e)) });
                        }}
                      >
                        Acknowledge
                      </button>
                    )}
                    {a.status !== 'resolved' && !a.shelved && (
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Shelve alert on ${alertSubject(a)}`}
                        onClick={() => setShelving(a)}
                      >
                        Shelve…
                      </button>
                    )}
                    {a.status !== 'resolved' && a.shelved && (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={unshelve.isPending && unshelve.variables === a.id}
                        aria-label={`Unshelve alert on ${alertSubject(a)}`}
                        onClick={() => {
                          setActionError(null);
                          unshelve.mutate(a.id, { onError: (e) => setActionError(errorText(e)) });
                        }}
                      >
                        Unshelve
                      </button>
                    )}
                    {a.status !== 'resolved' && (
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Resolve alert on ${alertSubject(a)}`}
                        onClick={() => setResolving(a)}
                      >
                        Resolve…
                      </button>
                    )}
                    {rowActions?.(a)}
                  </div>
                </li>
              ))}
            </ul>
            <Pagination
              total={list.data.total}
              limit={filters.limit ?? PAGE}
              offset={filters.offset ?? 0}
              onChange={(o) => (compact ? setOffsetLocal(o) : setParam('offset', o ? String(o) : ''))}
              noun="alerts"
            />
          </>
        )}
      </section>
      {resolving && <ResolveAlertModal alert={resolving} onClose={() => setResolving(null)} />}
      {shelving && (
        <ShelveAlertModal
          alert={shelving}
          subject={alertSubject(shelving)}
          onClose={() => setShelving(null)}
        />
      )}
    </>
  );
}
