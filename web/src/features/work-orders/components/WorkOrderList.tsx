import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { PriorityBadge, StatusBadge } from '../../../components/Badges.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { FilterSelect } from '../../../components/Field.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { paths } from '../../../config/paths.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { useDebounced } from '../../../lib/use-debounced.ts';
import { useFilterParams } from '../../../lib/use-filter-params.ts';
import { useWorkOrders, type WorkOrderFilters } from '../api/get-work-orders.ts';
import { TYPE_WORD, WORK_ORDER_PRIORITIES, WORK_ORDER_TYPES, type WorkOrder } from '../types.ts';

const PAGE = 25;

export function DueCell({ wo }: { wo: WorkOrder }) {
  return (
    <>
      <div>{formatDateTime(wo.due_date)}</div>
      {wo.sla_breached && (
        <span
          className="badge severity-critical"
          title={wo.sla_breached_at ? `Breached ${formatDateTime(wo.sla_breached_at)}` : undefined}
        >
          SLA breached
        </span>
      )}
    </>
  );
}

/** Work orders with filters in the URL; "assigned to me" is what a technician opens first. */
export function WorkOrderList({ fixed }: { fixed?: Partial<WorkOrderFilters> }) {
  const [params, setParam] = useFilterParams();
  const navigate = useNavigate();
  const [tagInput, setTagInput] = useState(params.get('tag') ?? '');
  const tag = useDebounced(tagInput.trim());
  const embedded = !!fixed;
  const filters: WorkOrderFilters = embedded
    ? { status: 'active', sort: 'priority', limit: 10, offset: 0, ...fixed }
    : {
        status: params.get('status') ?? 'active',
        type: params.get('type') || undefined,
        priority: params.get('priority') || undefined,
        assigned_to: params.get('mine') ? 'me' : undefined,
        sla_breached: params.get('breached') ? true : undefined,
        tag: tag || undefined,
        // The field's to-do order unless asked otherwise: most urgent first, then earliest due.
        sort: params.get('sort') === 'newest' ? 'newest' : 'priority',
        limit: PAGE,
        offset: Number(params.get('offset')) || 0,
      };
  if (filters.status === 'all') filters.status = undefined;
  const list = useWorkOrders(filters);

  return (
    <>
      {!embedded && (
        <search className="filters" aria-label="Filter work orders">
          <label>
            <span>Status</span>
            <select
              value={params.get('status') ?? 'active'}
              onChange={(e) => setParam('status', e.target.value === 'active' ? '' : e.target.value)}
            >
              <option value="active">Active (open or in progress)</option>
              <option value="open">Open</option>
              <option value="in_progress">In progress</option>
              <option value="completed">Completed</option>
              <option value="cancelled">Cancelled</option>
              <option value="all">All</option>
            </select>
          </label>
          <FilterSelect
            label="Type"
            value={filters.type ?? ''}
            onChange={(v) => setParam('type', v)}
            allLabel="All types"
            options={WORK_ORDER_TYPES.map((t) => ({ value: t, label: TYPE_WORD[t] }))}
          />
          <FilterSelect
            label="Priority"
            value={filters.priority ?? ''}
            onChange={(v) => setParam('priority', v)}
            allLabel="All priorities"
            options={WORK_ORDER_PRIORITIES.map((t) => ({ value: t, label: t[0].toUpperCase() + t.slice(1) }))}
          />
          <label>
            <span>Order</span>
            <select
              value={filters.sort}
              onChange={(e) => setParam('sort', e.target.value === 'priority' ? '' : e.target.value)}
            >
              <option value="priority">Most urgent first</option>
              <option value="newest">Newest first</option>
            </select>
          </label>
          <label>
            <span>Tag</span>
            <input
              type="search"
              placeholder="e.g. PT-101"
              value={tagInput}
              onChange={(e) => {
                setTagInput(e.target.value);
                setParam('tag', e.target.value.trim());
              }}
            />
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={!!params.get('mine')}
              onChange={(e) => setParam('mine', e.target.checked ? '1' : '')}
            />
            Assigned to me
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={!!params.get('breached')}
              onChange={(e) => setParam('breached', e.target.checked ? '1' : '')}
            />
            SLA breached only
          </label>
        </search>
      )}
      <section className={embedded ? undefined : 'panel panel-flush'} aria-busy={list.isFetching}>
        {list.isPending && <Loading label="Loading work orders…" />}
        {list.error && !list.data && <ErrorMessage error={list.error} onRetry={() => list.refetch()} />}
        {list.data && list.data.items.length === 0 && <EmptyState title="No work orders match" />}
        {list.data && list.data.items.length > 0 && (
          <>
            <div className="table-scroll">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Work order</th>
                    <th scope="col">Type</th>
                    <th scope="col">Priority</th>
                    <th scope="col">Status</th>
                    <th scope="col">Assigned to</th>
                    <th scope="col">Due</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((wo) => (
                    <tr
                      key={wo.id}
                      className={
                        wo.sla_breached && (wo.status === 'open' || wo.status === 'in_progress')
                          ? 'row-breach'
                          : undefined
                      }
                      data-work-order-id={wo.id}
                    >
                      <td className="mono">{wo.id}</td>
                      <td>
                        <Link to={paths.workOrder.href(wo.id)}>{wo.title}</Link>
                        <div>
                          <button
                            type="button"
                            className="button-link button-small tag-link"
                            onClick={() => navigate(paths.instrument.href(wo.instrument_id))}
                          >
                            {wo.tag}
                          </button>
                        </div>
                      </td>
                      <td>{TYPE_WORD[wo.type] ?? wo.type}</td>
                      <td>
                        <PriorityBadge priority={wo.priority} />
                      </td>
                      <td>
                        <StatusBadge status={wo.status} />
                      </td>
                      <td>{wo.assigned_to_name ?? <span className="muted">Unassigned</span>}</td>
                      <td>
                        <DueCell wo={wo} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {!embedded && (
              <Pagination
                total={list.data.total}
                limit={PAGE}
                offset={filters.offset ?? 0}
                onChange={(o) => setParam('offset', o ? String(o) : '')}
                noun="work orders"
              />
            )}
          </>
        )}
      </section>
    </>
  );
}
