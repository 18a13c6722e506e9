import { type FormEvent, useState } from 'react';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import {
  useActivateGroupVersion,
  useCreateModelGroup,
  useDeleteModelGroup,
  useModelGroup,
  useModelGroups,
  useModelGroupVersions,
  useTrainModelGroup,
} from '../api/model-groups.ts';
import type { ModelGroup, ResidualCusum } from '../types.ts';

/**
 * Model groups: instruments that move together, modelled as one. Drift is judged on each member's
 * residual (its reading minus what the others say it should read), so a process change raises
 * nothing and a drifting sensor is told apart from its twins within hours; the group's T² score
 * raises one alert when the group leaves its trained operating region.
 */
export function ModelGroupsPanel({ instruments }: { instruments: { id: number; tag: string }[] }) {
  const groups = useModelGroups();
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<number | null>(null);
  return (
    <section className="panel" aria-labelledby="model-groups-title">
      <div className="panel-header">
        <h2 id="model-groups-title">Model groups</h2>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          New model group
        </button>
      </div>
      <p className="muted">
        Group redundant sensors, a flow balance or a pump’s pressure, flow and current. Each member’s drift is
        then judged against what the others say it should read, and the group raises one anomaly alert when it
        leaves its normal operating region. Mark a baseline for every member (below), then train the group.
      </p>
      <QueryState query={groups} loadingLabel="Loading model groups…">
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState title="No model group yet">
              Without one, each instrument’s drift detector compares it with its own baseline.
            </EmptyState>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Members</th>
                  <th scope="col">Model</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((g) => (
                  <tr key={g.id}>
                    <td>
                      <strong>{g.name}</strong>
                      {g.description && <div className="muted">{g.description}</div>}
                    </td>
                    <td className="mono">{g.members.map((m) => m.tag).join(', ')}</td>
                    <td>
                      {g.active_version === null ? (
                        <span className="badge badge-muted">Not trained</span>
                      ) : (
                        <span className="badge pass">
                          v{g.active_version}, trained {formatDateTime(g.active_trained_at)}
                        </span>
                      )}
                    </td>
                    <td>
                      <button type="button" className="button button-small" onClick={() => setOpenId(g.id)}>
                        Open
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      {creating && <CreateGroupModal instruments={instruments} onClose={() => setCreating(false)} />}
      {openId !== null && <GroupModal id={openId} onClose={() => setOpenId(null)} />}
    </section>
  );
}

function CreateGroupModal({
  instruments,
  onClose,
}: {
  instruments: { id: number; tag: string }[];
  onClose: () => void;
}) {
  const create = useCreateModelGroup();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [picked, setPicked] = useState<number[]>([]);
  const formId = 'model-group-form';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name: name.trim(), description: description.trim() || null, instrument_ids: picked },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal
      title="New model group"
      onClose={onClose}
      footer={
        <FormFooter
          formId={formId}
          onCancel={onClose}
          pending={create.isPending}
          label="Create group"
          pendingLabel="Creating…"
          disabled={picked.length < 2 || !name.trim()}
        />
      }
    >
      <form id={formId} onSubmit={submit}>
        <FormError error={create.error} />
        <Field label="Name" required>
          {(p) => <input {...p} value={name} maxLength={80} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Description">
          {(p) => (
            <input
              {...p}
              value={description}
              maxLength={500}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </Field>
        <fieldset>
          <legend>Members (two or more instruments that move together)</legend>
          <div className="form-grid">
            {instruments.map((i) => (
              <label key={i.id} className="field-check">
                <input
                  type="checkbox"
                  checked={picked.includes(i.id)}
                  onChange={(e) =>
                    setPicked((p) => (e.target.checked ? [...p, i.id] : p.filter((x) => x !== i.id)))
                  }
                />{' '}
                {i.tag}
              </label>
            ))}
          </div>
        </fieldset>
      </form>
    </Modal>
  );
}

function cusumWords(c: ResidualCusum | null): string {
  if (!c) return 'No drift model';
  if (c.alarm_up) return 'Drifting up against its twins';
  if (c.alarm_down) return 'Drifting down against its twins';
  if (c.windows_processed === 0) return 'Waiting for the first window';
  const pct = Math.round((100 * Math.max(c.s_plus, c.s_minus)) / c.h);
  return `Agrees with its twins (evidence ${pct} % of the alarm level)`;
}

function GroupModal({ id, onClose }: { id: number; onClose: () => void }) {
  const q = useModelGroup(id);
  const versions = useModelGroupVersions(id);
  const train = useTrainModelGroup();
  const activate = useActivateGroupVersion();
  const remove = useDeleteModelGroup();
  const [confirmDelete, setConfirmDelete] = useState(false);
  return (
    <Modal title="Model group" onClose={onClose} wide>
      <QueryState query={q} loadingLabel="Loading the group…">
        {(g) => (
          <div>
            <GroupSummary g={g} />
            <FormError error={train.error ?? activate.error ?? remove.error} />
            {train.data && (
              <p className="notice" role="status">
                Trained version {train.data.version}.
                {train.data.metrics.notes?.length ? ` ${train.data.metrics.notes.join('. ')}.` : ''}
              </p>
            )}
            <h3>Live state</h3>
            {g.live === null ? (
              <EmptyState title="Not monitoring yet">
                Train the group (every member needs a baseline at the same time) to start.
              </EmptyState>
            ) : (
              <>
                <p>
                  {g.live.anomaly === null
                    ? 'No anomaly model (the common baseline was too short).'
                    : g.live.anomaly.active
                      ? `Out of its normal operating region (score ${g.live.anomaly.score?.toFixed(1)} × limit).`
                      : g.live.anomaly.score === null
                        ? 'Anomaly score: waiting for readings of every member.'
                        : `In its normal operating region (score ${g.live.anomaly.score.toFixed(2)} × limit, ${formatDateTime(g.live.anomaly.scored_at)}).`}
                </p>
                <ul>
                  {g.live.members.map((m) => (
                    <li key={m.instrument_id}>
                      <span className="mono">{m.tag}</span>: {cusumWords(m.residual_cusum)}
                    </li>
                  ))}
                </ul>
              </>
            )}
            <h3>Versions</h3>
            <QueryState query={versions} loadingLabel="Loading versions…">
              {(page) =>
                page.items.length === 0 ? (
                  <EmptyState title="Not trained yet" />
                ) : (
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">Version</th>
                        <th scope="col">Trained</th>
                        <th scope="col">Drift model</th>
                        <th scope="col">Anomaly model</th>
                        <th scope="col">Status</th>
                      </tr>
                    </thead>
                    <tbody>
                      {page.items.map((v) => (
                        <tr key={v.id}>
                          <td className="mono">v{v.version}</td>
                          <td>
                            {formatDateTime(v.trained_at)}
                            {v.trained_by_name ? ` by ${v.trained_by_name}` : ''}
                          </td>
                          <td>{v.metrics.drift ? `${v.metrics.drift.rows} windows` : 'Not enough data'}</td>
                          <td>
                            {v.metrics.anomaly ? `${v.metrics.anomaly.rows} windows` : 'Not enough data'}
                          </td>
                          <td>
                            {v.is_active ? (
                              <span className="badge pass">Active</span>
                            ) : (
                              <button
                                type="button"
                                className="button button-small"
                                disabled={activate.isPending}
                                onClick={() => activate.mutate({ id, version: v.version })}
                              >
                                Activate
                              </button>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )
              }
            </QueryState>
            <div className="header-actions">
              <button
                type="button"
                className="button button-primary"
                disabled={train.isPending}
                onClick={() => train.mutate(id)}
              >
                {train.isPending ? 'Training…' : 'Train on the common baseline'}
              </button>
              {confirmDelete ? (
                <button
                  type="button"
                  className="button button-danger"
                  onClick={() => remove.mutate(id, { onSuccess: onClose })}
                >
                  Really delete “{g.name}”
                </button>
              ) : (
                <button type="button" className="button" onClick={() => setConfirmDelete(true)}>
                  Delete group
                </button>
              )}
            </div>
          </div>
        )}
      </QueryState>
    </Modal>
  );
}

function GroupSummary({ g }: { g: ModelGroup }) {
  return (
    <dl className="facts">
      <dt>Name</dt>
      <dd>{g.name}</dd>
      <dt>Members</dt>
      <dd className="mono">{g.members.map((m) => m.tag).join(', ')}</dd>
      <dt>Active model</dt>
      <dd>{g.active_version === null ? 'None: train the group' : `v${g.active_version}`}</dd>
    </dl>
  );
}
