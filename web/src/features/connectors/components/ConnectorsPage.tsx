import { useState } from 'react';
import { useInstrumentOptions } from '../../../app/options.ts';
import { EmptyState, QueryState } from '../../../components/Feedback.tsx';
import { ConfirmDelete } from '../../../components/Modal.tsx';
import { errorText } from '../../../lib/api-client.ts';
import { formatDateTime } from '../../../lib/format.ts';
import {
  STATUS_REFRESH_MS,
  useConnectorSources,
  useDeleteSource,
  useSetSourceEnabled,
  useTestConnection,
} from '../api/connectors.ts';
import { KIND_FORMS } from '../form-model.ts';
import type { ConnectorKind, ConnectorSource, ConnectorStatus } from '../types.ts';
import { SourceForm } from './SourceForm.tsx';
import { TestResultLine } from './TestResultLine.tsx';

const STATE_WORD: Record<ConnectorStatus['state'], { word: string; className: string }> = {
  stopped: { word: 'Stopped', className: 'badge badge-muted' },
  connecting: { word: 'Connecting', className: 'badge status-in_progress' },
  connected: { word: 'Connected', className: 'badge pass' },
  error: { word: 'Error', className: 'badge fail' },
};

const kindLabel = (k: string) => KIND_FORMS[k as ConnectorKind]?.label ?? k;

function StatusCell({ s }: { s: ConnectorStatus }) {
  const st = STATE_WORD[s.state];
  return (
    <div className="connector-status">
      <span className={st.className} data-testid="connector-state">
        {st.word}
      </span>{' '}
      <span data-testid="connector-rpm">
        {s.readings_per_minute.toLocaleString('en-GB', { maximumFractionDigits: 1 })} readings/min
      </span>
      <br />
      <small className="muted">
        Last reading: {s.last_reading_at ? formatDateTime(s.last_reading_at) : 'none yet'}
      </small>
      {s.last_error && (
        <>
          <br />
          <small className="field-error">{s.last_error}</small>
        </>
      )}
    </div>
  );
}

/** Administration → Connectors: Sparkplug B, OPC UA and Modbus TCP sources feeding instruments. */
export function ConnectorsPage() {
  const sources = useConnectorSources();
  const { tags } = useInstrumentOptions();
  const setEnabled = useSetSourceEnabled();
  const remove = useDeleteSource();
  const test = useTestConnection();
  const [editing, setEditing] = useState<ConnectorSource | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ConnectorSource | null>(null);
  const [tested, setTested] = useState<string | null>(null);
  const [toggleError, setToggleError] = useState<string | null>(null);

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Connectors</h1>
          <p className="subtitle">
            Readings from PLCs, gateways and servers that speak Modbus TCP, OPC UA or MQTT Sparkplug B.
          </p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setEditing('new')}>
          New source
        </button>
      </header>
      {toggleError && (
        <p className="form-error" role="alert">
          {toggleError}
        </p>
      )}
      <TestResultLine test={test} name={tested ?? undefined} />
      <section className="panel panel-flush">
        <QueryState query={sources}>
          {({ items }) =>
            items.length === 0 ? (
              <EmptyState title="No connector sources yet">
                <p>
                  A connector source reads values from equipment that does not publish the CMMS's MQTT JSON: a
                  Modbus TCP device polled for registers, an OPC UA server whose nodes are subscribed to, or
                  Sparkplug B edge nodes on an MQTT broker. Each point maps one value to an instrument, and
                  its readings go through the same checks, quality stamps and detectors as any other.
                </p>
                <p>
                  Set-up and mapping formats for each kind are in <code>docs/connectors.md</code>; the API is
                  under “connectors” in the <a href="/docs">API documentation</a>.
                </p>
              </EmptyState>
            ) : (
              <div className="table-scroll">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Points</th>
                      <th scope="col">Enabled</th>
                      <th scope="col">Status (every {STATUS_REFRESH_MS / 1000} s)</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((s) => (
                      <tr key={s.id} className={s.enabled ? undefined : 'row-muted'}>
                        <td className="break">{s.name}</td>
                        <td>{kindLabel(s.kind)}</td>
                        <td>{s.points.length}</td>
                        <td>{s.enabled ? 'Yes' : 'No'}</td>
                        <td>
                          <StatusCell s={s.status} />
                        </td>
                        <td className="actions actions-wrap">
                          <button type="button" className="button button-small" onClick={() => setEditing(s)}>
                            Edit
                          </button>
                          <button
                            type="button"
                            className="button button-small"
                            disabled={test.isPending}
                            onClick={() => {
                              setTested(s.name);
                              test.mutate({ id: s.id, kind: s.kind as ConnectorKind });
                            }}
                          >
                            Test
                          </button>
                          <button
                            type="button"
                            className={
                              s.enabled ? 'button button-small button-danger-outline' : 'button button-small'
                            }
                            disabled={setEnabled.isPending}
                            onClick={() => {
                              setToggleError(null);
                              setEnabled.mutate(
                                { id: s.id, enabled: !s.enabled },
                                { onError: (e) => setToggleError(`${s.name}: ${errorText(e)}`) },
                              );
                            }}
                          >
                            {s.enabled ? 'Disable' : 'Enable'}
                          </button>
                          <button
                            type="button"
                            className="button button-small button-danger-outline"
                            onClick={() => setDeleting(s)}
                          >
                            Delete
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </QueryState>
      </section>
      {editing && (
        <SourceForm
          // A fresh form per source: its state is built from the source once.
          key={editing === 'new' ? 'new' : editing.id}
          source={editing === 'new' ? null : editing}
          tags={tags}
          onClose={() => setEditing(null)}
        />
      )}
      {deleting && (
        <ConfirmDelete
          title={`Delete the source ${deleting.name}?`}
          message="It stops at once and its instruments get no more readings from it. The audit trail keeps the record."
          confirmLabel="Delete source"
          remove={remove}
          id={deleting.id}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
