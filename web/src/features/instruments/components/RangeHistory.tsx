import { EmptyState, QueryState } from '../../../components/Feedback.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useRangeChanges } from '../api/get-range-changes.ts';

/** Unit and range changes: readings before each change are in its old unit and range. */
export function RangeHistory({ instrumentId }: { instrumentId: number }) {
  const q = useRangeChanges(instrumentId);
  return (
    <QueryState query={q} loadingLabel="Loading range history…">
      {({ items }) =>
        items.length === 0 ? (
          <EmptyState title="Never re-ranged">
            Every stored reading is in the current unit and range.
          </EmptyState>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
                <th scope="col">Reason</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  <td>{formatDateTime(c.effective_at)}</td>
                  <td className="mono">
                    {c.old_range_min} to {c.old_range_max} {c.old_unit}
                  </td>
                  <td className="mono">
                    {c.new_range_min} to {c.new_range_max} {c.new_unit}
                  </td>
                  <td>{c.reason}</td>
                  <td>{c.changed_by_name ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </QueryState>
  );
}
