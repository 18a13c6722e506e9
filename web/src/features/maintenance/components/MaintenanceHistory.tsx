import { useState } from 'react';
import { Link } from 'react-router-dom';
import { EmptyState, QueryState } from '../../../components/Feedback.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { paths } from '../../../config/paths.ts';
import { formatDateTime, formatMinutes, humanize } from '../../../lib/format.ts';
import { useInstrumentMaintenance } from '../api/get-instrument-maintenance.ts';

export function MaintenanceHistory({ instrumentId }: { instrumentId: number }) {
  const [offset, setOffset] = useState(0);
  const limit = 10;
  const q = useInstrumentMaintenance(instrumentId, limit, offset);
  return (
    <QueryState query={q} loadingLabel="Loading maintenance history…">
      {(page) =>
        page.items.length === 0 ? (
          <EmptyState title="No maintenance recorded yet" />
        ) : (
          <>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Performed</th>
                  <th scope="col">Action</th>
                  <th scope="col">Description</th>
                  <th scope="col">Parts</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                  <th scope="col">Technician</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((m) => (
                  <tr key={m.id}>
                    <td>{formatDateTime(m.performed_at)}</td>
                    <td>{humanize(m.action_type)}</td>
                    <td>
                      {m.description}
                      {m.work_order_id && (
                        <div>
                          <Link to={paths.workOrder.href(m.work_order_id)}>WO #{m.work_order_id}</Link>
                        </div>
                      )}
                    </td>
                    <td>{m.parts_used ?? '—'}</td>
                    <td className="num">{formatMinutes(m.duration_minutes)}</td>
                    <td>{m.technician_name}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pagination
              total={page.total}
              limit={limit}
              offset={offset}
              onChange={setOffset}
              noun="records"
            />
          </>
        )
      }
    </QueryState>
  );
}
