import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { PriorityBadge, StatusBadge } from '../../../components/Badges.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { paths } from '../../../config/paths.ts';
import { formatDate } from '../../../lib/format.ts';
import { useFilterParams } from '../../../lib/use-filter-params.ts';
import { useUpcoming } from '../api/get-upcoming.ts';
import type { UpcomingItem, UpcomingKind } from '../types.ts';
import { dayLabel, groupByWeek, weekLabel } from '../weeks.ts';
import './planning.css';

const KIND_WORD: Record<UpcomingKind, string> = {
  calibration: 'Calibration',
  pm: 'Preventive maintenance',
  work_order: 'Work order',
};

export interface Option {
  id: number;
  label: string;
}

function Rows({ items, day }: { items: UpcomingItem[]; day: string | null }) {
  return (
    <>
      {items.map((i, n) => (
        <tr
          key={`${i.kind}-${i.work_order_id ?? i.pm_plan_id ?? i.instrument_id}-${i.due_at}`}
          data-kind={i.kind}
        >
          <td>{n === 0 ? (day ? dayLabel(day) : formatDate(i.due_at)) : ''}</td>
          <td>
            <span className={`plan-kind plan-kind-${i.kind}`}>{KIND_WORD[i.kind]}</span>
          </td>
          <td>
            <Link to={paths.instrument.href(i.instrument_id)}>{i.tag}</Link>
          </td>
          <td>
            {i.work_order_id ? <Link to={paths.workOrder.href(i.work_order_id)}>{i.title}</Link> : i.title}
            {i.kind === 'calibration' && i.work_order_id && (
              <small className="muted"> · work order #{i.work_order_id}</small>
            )}
          </td>
          <td>{i.process_unit_name ?? '—'}</td>
          <td>{i.assigned_to_name ?? <span className="muted">Unassigned</span>}</td>
          <td>
            {i.status ? <StatusBadge status={i.status} /> : <span className="muted">Not raised yet</span>}{' '}
            {i.priority && <PriorityBadge priority={i.priority} />}
          </td>
        </tr>
      ))}
    </>
  );
}

function Table({ caption, children }: { caption: string; children: ReactNode }) {
  return (
    <div className="table-scroll">
      <table className="table plan-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Due</th>
            <th scope="col">What</th>
            <th scope="col">Tag</th>
            <th scope="col">Task</th>
            <th scope="col">Process unit</th>
            <th scope="col">Assigned to</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/**
 * The next 30 days: calibrations, PM occurrences and open work orders falling due, by week, with
 * what is already overdue first. Filters live in the URL.
 */
export function PlanningPage({ processUnits, people }: { processUnits: Option[]; people: Option[] }) {
  const [params, setParam] = useFilterParams();
  const unit = Number(params.get('unit')) || undefined;
  const person = Number(params.get('person')) || undefined;
  const q = useUpcoming({ days: 30, process_unit_id: unit, assigned_to: person });
  const data = q.data;
  const weeks = data ? groupByWeek(data.by_day) : [];
  // Technicians cannot list users: offer the people the plan names (and keep the chosen one).
  const personOptions = people.length
    ? people
    : [
        ...new Map(
          [...(data?.overdue ?? []), ...(data?.by_day.flatMap((d) => d.items) ?? [])]
            .filter((i) => i.assigned_to !== null)
            .map((i) => [
              i.assigned_to as number,
              { id: i.assigned_to as number, label: i.assigned_to_name ?? '' },
            ]),
        ).values(),
      ];

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Next 30 days</h1>
          <p className="subtitle">
            Calibrations, preventive maintenance and open work orders falling due, week by week. Work orders
            for calibrations and PM plans are raised ahead of their due date.
          </p>
        </div>
      </header>
      <search className="filters" aria-label="Filter the plan">
        <label>
          <span>Process unit</span>
          <select value={unit ?? ''} onChange={(e) => setParam('unit', e.target.value)}>
            <option value="">All process units</option>
            {processUnits.map((u) => (
              <option key={u.id} value={u.id}>
                {u.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Person</span>
          <select value={person ?? ''} onChange={(e) => setParam('person', e.target.value)}>
            <option value="">Everyone</option>
            {personOptions.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      </search>
      {q.isPending && <Loading label="Loading the plan…" />}
      {q.error && !data && <ErrorMessage error={q.error} onRetry={() => q.refetch()} />}
      {data && data.total === 0 && (
        <section className="panel">
          <EmptyState title="Nothing falls due in the next 30 days" />
        </section>
      )}
      {data && data.overdue.length > 0 && (
        <section className="panel panel-flush plan-week plan-overdue" aria-labelledby="plan-overdue">
          <h2 id="plan-overdue">
            Overdue <span className="plan-count">{data.overdue.length}</span>
          </h2>
          <Table caption="Overdue">
            {data.overdue.map((i) => (
              <Rows
                key={`${i.kind}-${i.work_order_id ?? i.pm_plan_id ?? i.instrument_id}`}
                items={[i]}
                day={null}
              />
            ))}
          </Table>
        </section>
      )}
      {weeks.map((w) => (
        <section
          key={w.start}
          className="panel panel-flush plan-week"
          aria-labelledby={`week-${w.start}`}
          data-testid="plan-week"
        >
          <h2 id={`week-${w.start}`}>
            Week of {weekLabel(w)} <span className="plan-count">{w.count}</span>
          </h2>
          <Table caption={`Week of ${weekLabel(w)}`}>
            {w.days.map((d) => (
              <Rows key={d.date} items={d.items} day={d.date} />
            ))}
          </Table>
        </section>
      ))}
    </div>
  );
}
