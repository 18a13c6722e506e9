import { EmptyState } from '../../../components/Feedback.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { discardEntry, flushOutbox, retryEntry, useOutbox } from '../../../lib/offline-queue.ts';

const KIND: Record<string, string> = { maintenance: 'Maintenance', calibration: 'Calibration' };

/** Entries made without a connection: waiting, or refused by the server with its reason. */
export function OfflineQueuePage() {
  const { entries, online, sending } = useOutbox();
  const pending = entries.filter((e) => e.status === 'pending').length;
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Offline queue</h1>
          <p className="subtitle">
            Calibration and maintenance entries made on this device without a connection. They are sent,
            oldest first, as soon as the connection returns.
          </p>
        </div>
        <div className="header-actions">
          <button
            type="button"
            className="button button-primary"
            disabled={!online || sending || pending === 0}
            onClick={() => void flushOutbox()}
          >
            {sending ? 'Sending…' : 'Send now'}
          </button>
        </div>
      </header>
      <section className="panel panel-flush">
        {entries.length === 0 ? (
          <EmptyState title="Nothing waiting">
            Everything entered on this device has reached the server.
          </EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="table" data-testid="outbox">
              <thead>
                <tr>
                  <th>Entry</th>
                  <th>Kind</th>
                  <th>Made</th>
                  <th>State</th>
                  <th>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr
                    key={e.id}
                    data-outbox-id={e.id}
                    className={e.status === 'refused' ? 'row-fail' : undefined}
                  >
                    <td>{e.label}</td>
                    <td>{KIND[e.kind] ?? e.kind}</td>
                    <td className="nowrap">{formatDateTime(e.createdAt)}</td>
                    <td>
                      {e.status === 'pending' ? (
                        <span className="badge badge-muted">Waiting to send</span>
                      ) : (
                        <>
                          <span className="badge severity-critical">Refused</span>
                          <p className="form-error">{e.error}</p>
                        </>
                      )}
                    </td>
                    <td className="actions">
                      {e.status === 'refused' && (
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => void retryEntry(e)}
                        >
                          Try again
                        </button>
                      )}
                      <button
                        type="button"
                        className="button button-small button-danger-outline"
                        onClick={() => {
                          if (window.confirm(`Discard “${e.label}”? It will not reach the server.`))
                            void discardEntry(e.id);
                        }}
                      >
                        Discard
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
