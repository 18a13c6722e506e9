import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import { useActivateModel } from '../api/activate-model.ts';
import { useModels } from '../api/get-models.ts';

/** Every trained version, newest first; an admin activates an older one to roll back. */
export function ModelVersions({ tag }: { tag: string }) {
  const q = useModels(tag);
  const isAdmin = useIsAdmin();
  const activate = useActivateModel();
  return (
    <>
      <FormError error={activate.error} />
      <QueryState query={q} loadingLabel="Loading model versions…">
        {(models) =>
          models.length === 0 ? (
            <EmptyState title="No model trained yet">The CUSUM drift detector works without one.</EmptyState>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Trained</th>
                  <th scope="col">By</th>
                  <th scope="col" className="num">
                    Windows
                  </th>
                  <th scope="col" className="num">
                    Contamination
                  </th>
                  <th scope="col" className="num">
                    Feature set
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {[...models]
                  .sort((a, b) => b.version - a.version)
                  .map((m) => (
                    <tr key={m.version}>
                      <td className="mono">v{m.version}</td>
                      <td>{formatDateTime(m.trained_at)}</td>
                      <td>{m.trained_by_name ?? '—'}</td>
                      <td className="num">{m.windows_used}</td>
                      <td className="num">{m.contamination}</td>
                      <td className="num">{m.feature_set_version}</td>
                      <td>
                        {m.is_active ? (
                          <span className="badge pass">Active</span>
                        ) : isAdmin ? (
                          <button
                            type="button"
                            className="button button-small"
                            disabled={activate.isPending}
                            onClick={() => activate.mutate({ tag, version: m.version })}
                          >
                            {models.some((x) => x.is_active && x.version > m.version)
                              ? 'Roll back to this'
                              : 'Activate'}
                          </button>
                        ) : (
                          <span className="muted">Kept</span>
                        )}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </>
  );
}
