import { type FormEvent, useState } from 'react';
import { StatusBadge } from '../../../components/Badges.tsx';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { ConfirmDelete, ConfirmDialog, Modal } from '../../../components/Modal.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { errorText } from '../../../lib/api-client.ts';
import { formatDateTime } from '../../../lib/format.ts';
import {
  useCreateGateway,
  useDeleteGateway,
  useGateways,
  useResetGatewayPassword,
  useSetGatewayActive,
} from '../api/gateways.ts';
import type { Gateway } from '../types.ts';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The broker password, shown once after create or reset. */
function PasswordOnce({
  username,
  password,
  onClose,
}: {
  username: string;
  password: string;
  onClose: () => void;
}) {
  return (
    <Modal
      title="Gateway password"
      onClose={onClose}
      footer={
        <button type="button" className="button button-primary" onClick={onClose}>
          Done
        </button>
      }
    >
      <div className="callout" role="status">
        <p>
          MQTT login for <strong>{username}</strong>: enter it in the gateway now, it is not shown again.
        </p>
        <p>
          User name <code className="secret">{username}</code>
        </p>
        <p>
          Password{' '}
          <code className="secret" data-testid="gateway-password">
            {password}
          </code>
        </p>
      </div>
    </Modal>
  );
}

function NewGateway({
  onCreated,
  onClose,
}: {
  onCreated: (u: string, p: string) => void;
  onClose: () => void;
}) {
  const create = useCreateGateway();
  const [username, setUsername] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = username.trim();
    const err = NAME.test(name) ? undefined : 'Use 1-64 letters, digits, dot, dash or underscore';
    setError(err);
    if (err) return;
    create.mutate(
      { username: name, description: description.trim() || null },
      { onSuccess: (r) => onCreated(r.gateway.username, r.password) },
    );
  };
  return (
    <Modal
      title="New gateway"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="gateway-form"
            className="button button-primary"
            disabled={create.isPending}
          >
            {create.isPending ? 'Saving…' : 'Create gateway'}
          </button>
        </>
      }
    >
      <form id="gateway-form" onSubmit={submit} noValidate className="form-grid">
        <Field label="MQTT user name" error={error} required hint="One login per gateway.">
          {(p) => (
            <input {...p} value={username} maxLength={64} onChange={(e) => setUsername(e.target.value)} />
          )}
        </Field>
        <Field label="Description" hint="Where it is, what it reads.">
          {(p) => (
            <input
              {...p}
              value={description}
              maxLength={500}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </Field>
        <FormError error={create.error} />
      </form>
    </Modal>
  );
}

/** Broker logins for field gateways: they may publish readings and nothing else. */
export function GatewaysPage() {
  const [offset, setOffset] = useState(0);
  const limit = 25;
  const gateways = useGateways({ limit, offset });
  const setActive = useSetGatewayActive();
  const reset = useResetGatewayPassword();
  const remove = useDeleteGateway();
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<{ username: string; password: string } | null>(null);
  const [resetting, setResetting] = useState<Gateway | null>(null);
  const [deleting, setDeleting] = useState<Gateway | null>(null);
  const [toggleError, setToggleError] = useState<string | null>(null);

  return (
    <div className="page">
      <header className="page-header">
        <h1>Gateways</h1>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          New gateway
        </button>
      </header>
      <p className="muted">
        Each field gateway logs in to the CMMS's MQTT broker with its own user name and password. A gateway
        may publish readings only; disabling, deleting or resetting it ends its connections at once.
      </p>
      {toggleError && (
        <p className="form-error" role="alert">
          {toggleError}
        </p>
      )}
      <section className="panel panel-flush">
        <QueryState query={gateways}>
          {(page) =>
            page.items.length === 0 ? (
              <EmptyState title="No gateways yet" />
            ) : (
              <>
                <div className="table-scroll">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">User name</th>
                        <th scope="col">Description</th>
                        <th scope="col">Status</th>
                        <th scope="col">Connections</th>
                        <th scope="col">Password set</th>
                        <th scope="col">
                          <span className="sr-only">Actions</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {page.items.map((g) => (
                        <tr key={g.id} className={g.is_active ? undefined : 'row-muted'}>
                          <td className="mono">{g.username}</td>
                          <td className="break">{g.description ?? '—'}</td>
                          <td>
                            <StatusBadge status={g.is_active ? 'active' : 'cancelled'} />
                            {!g.is_active && <span className="sr-only">disabled</span>}
                          </td>
                          <td>{g.connections}</td>
                          <td>{formatDateTime(g.password_changed_at)}</td>
                          <td className="actions actions-wrap">
                            <button
                              type="button"
                              className="button button-small"
                              onClick={() => {
                                reset.reset();
                                setResetting(g);
                              }}
                            >
                              Reset password
                            </button>
                            <button
                              type="button"
                              className={
                                g.is_active
                                  ? 'button button-small button-danger-outline'
                                  : 'button button-small'
                              }
                              disabled={setActive.isPending}
                              onClick={() => {
                                setToggleError(null);
                                setActive.mutate(
                                  { id: g.id, is_active: !g.is_active },
                                  { onError: (e) => setToggleError(errorText(e)) },
                                );
                              }}
                            >
                              {g.is_active ? 'Disable' : 'Enable'}
                            </button>
                            <button
                              type="button"
                              className="button button-small button-danger-outline"
                              onClick={() => setDeleting(g)}
                            >
                              Delete
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <Pagination
                  total={page.total}
                  limit={limit}
                  offset={offset}
                  onChange={setOffset}
                  noun="gateways"
                />
              </>
            )
          }
        </QueryState>
      </section>
      {creating && (
        <NewGateway
          onClose={() => setCreating(false)}
          onCreated={(username, password) => {
            setCreating(false);
            setShown({ username, password });
          }}
        />
      )}
      {resetting && (
        <ConfirmDialog
          title={`Reset the password of ${resetting.username}?`}
          message="A new password is generated and the gateway is disconnected until it logs in with it."
          confirmLabel="Reset password"
          busy={reset.isPending}
          error={reset.error ? errorText(reset.error) : null}
          onConfirm={() =>
            reset.mutate(resetting.id, {
              onSuccess: (r) => {
                setResetting(null);
                setShown({ username: r.gateway.username, password: r.password });
              },
            })
          }
          onClose={() => setResetting(null)}
        />
      )}
      {deleting && (
        <ConfirmDelete
          title={`Delete the gateway ${deleting.username}?`}
          message="Its login stops working at once. The audit trail keeps the record."
          confirmLabel="Delete gateway"
          remove={remove}
          id={deleting.id}
          onClose={() => setDeleting(null)}
        />
      )}
      {shown && <PasswordOnce {...shown} onClose={() => setShown(null)} />}
    </div>
  );
}
