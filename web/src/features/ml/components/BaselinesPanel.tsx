import { type FormEvent, useState } from 'react';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { formatDateTime, fromLocalInput, toLocalInput } from '../../../lib/format.ts';
import { useCreateBaseline } from '../api/create-baseline.ts';
import { useDeleteBaseline } from '../api/delete-baseline.ts';
import { useBaselines } from '../api/get-baselines.ts';

/** Reference baselines: time ranges of clean data an admin vouches for; training uses only these. */
export function BaselinesPanel({ tag }: { tag: string }) {
  const q = useBaselines(tag);
  const create = useCreateBaseline();
  const remove = useDeleteBaseline();
  // Training needs dense live data, so the suggestion is the last two hours of the feed.
  const [start, setStart] = useState(() => toLocalInput(new Date(Date.now() - 2 * 3_600_000)));
  const [end, setEnd] = useState(() => toLocalInput(new Date()));
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const s = fromLocalInput(start);
    const en = fromLocalInput(end);
    if (!s || !en) return setError('Enter both the start and the end');
    if (s >= en) return setError('The end must be after the start');
    if (Date.parse(en) > Date.now()) return setError('The end cannot be in the future');
    setError(null);
    create.mutate({ tag, start: s, end: en });
  };

  return (
    <div>
      <QueryState query={q} loadingLabel="Loading baselines…">
        {(items) =>
          items.length === 0 ? (
            <EmptyState title="No baseline marked yet" />
          ) : (
            <table className="table table-compact">
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Marked</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((b) => (
                  <tr key={b.id}>
                    <td>{formatDateTime(b.start)}</td>
                    <td>{formatDateTime(b.end)}</td>
                    <td>
                      {formatDateTime(b.created_at)} {b.created_by_name && <>by {b.created_by_name}</>}
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="button button-small button-danger-outline"
                        disabled={remove.isPending}
                        onClick={() => remove.mutate({ id: b.id, tag })}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      <form
        onSubmit={submit}
        className="filters"
        style={{ marginTop: '0.8rem' }}
        noValidate
        aria-label="Mark a baseline"
      >
        <Field label="Clean data from">
          {(p) => (
            <input {...p} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />
          )}
        </Field>
        <Field label="to">
          {(p) => <input {...p} type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />}
        </Field>
        <button
          type="submit"
          className="button"
          disabled={create.isPending}
          style={{ marginBottom: '0.75rem' }}
        >
          Mark as baseline
        </button>
      </form>
      {create.isSuccess && (
        <p className="success" role="status">
          Baseline marked: {create.data.readings} good readings in {create.data.windows} usable windows.
          {create.data.windows < 30 &&
            ' Training needs more windows of live data; mark a longer range once it has them.'}
        </p>
      )}
      <FormError error={error ?? create.error ?? remove.error} />
    </div>
  );
}
