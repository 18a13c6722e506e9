import { type FormEvent, useState } from 'react';
import { StatusBadge } from '../../../components/Badges.tsx';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { ConfirmDialog, Modal } from '../../../components/Modal.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { errorText } from '../../../lib/api-client.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { useCurrentUser } from '../../../lib/session.ts';
import { clearStaleErrors } from '../../../lib/stale-errors.ts';
import { useDebounced } from '../../../lib/use-debounced.ts';
import { useCreateUser } from '../api/create-user.ts';
import { useUsers } from '../api/get-users.ts';
import { useResetUserPassword } from '../api/reset-password.ts';
import { useUpdateUser } from '../api/update-user.ts';
import type { User } from '../types.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const EMPLOYEE_NUMBER = /^[A-Za-z0-9._-]+$/;

function GeneratedPassword({ password, who }: { password: string; who: string }) {
  return (
    <div className="callout" role="status">
      <p>
        Temporary password for <strong>{who}</strong> (shown once; they must change it at first login):
      </p>
      <p>
        <code className="secret" data-testid="generated-password">
          {password}
        </code>
      </p>
    </div>
  );
}

function UserForm({ user, onClose }: { user: User | null; onClose: () => void }) {
  const create = useCreateUser();
  const update = useUpdateUser();
  const [employeeNumber, setEmployeeNumber] = useState(user?.employee_number ?? '');
  const [fullName, setFullName] = useState(user?.full_name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [role, setRole] = useState<'admin' | 'technician'>(user?.role ?? 'technician');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [generated, setGenerated] = useState<string | null>(null);
  const mutation = user ? update : create;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string | undefined> = {
      employee: user
        ? undefined
        : !employeeNumber.trim()
          ? 'Enter an employee number'
          : EMPLOYEE_NUMBER.test(employeeNumber.trim())
            ? undefined
            : 'Use letters, digits, dot, dash or underscore',
      name: fullName.trim() ? undefined : 'Enter the full name',
      email:
        !email.trim() || EMAIL.test(email.trim())
          ? undefined
          : 'Enter a valid email address, or leave it empty',
      password:
        !password || password.length >= 10
          ? undefined
          : 'Use at least 10 characters, or leave empty to generate one',
    };
    setErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    if (user) {
      update.mutate(
        { id: user.id, patch: { full_name: fullName.trim(), email: email.trim() || null, role } },
        { onSuccess: onClose },
      );
    } else {
      create.mutate(
        {
          employee_number: employeeNumber.trim(),
          full_name: fullName.trim(),
          email: email.trim() || null,
          role,
          ...(password ? { password } : {}),
        },
        {
          onSuccess: (r) => {
            if (r.generated_password) setGenerated(r.generated_password);
            else onClose();
          },
        },
      );
    }
  };

  if (generated)
    return (
      <Modal
        title="User created"
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <GeneratedPassword password={generated} who={fullName} />
      </Modal>
    );

  return (
    <Modal
      title={user ? `Edit ${user.full_name}` : 'New user'}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="user-form"
            className="button button-primary"
            disabled={mutation.isPending}
          >
            {mutation.isPending ? 'Saving…' : user ? 'Save' : 'Create user'}
          </button>
        </>
      }
    >
      <form
        id="user-form"
        onSubmit={submit}
        onChange={clearStaleErrors(errors, setErrors, mutation)}
        noValidate
        className="form-grid"
      >
        <Field label="Employee number" error={errors.employee} required={!user}>
          {(p) => (
            <input
              {...p}
              value={employeeNumber}
              disabled={!!user}
              maxLength={64}
              onChange={(e) => setEmployeeNumber(e.target.value)}
            />
          )}
        </Field>
        <Field label="Full name" error={errors.name} required>
          {(p) => (
            <input {...p} value={fullName} maxLength={200} onChange={(e) => setFullName(e.target.value)} />
          )}
        </Field>
        <Field label="Email" error={errors.email} hint="For work-order notifications and password reset.">
          {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label="Role" required>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as 'admin' | 'technician')}>
              <option value="technician">Field technician</option>
              <option value="admin">Administrator</option>
            </select>
          )}
        </Field>
        {!user && (
          <Field label="Initial password" error={errors.password} hint="Leave empty to generate one.">
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
        )}
        <FormError error={mutation.error} />
      </form>
    </Modal>
  );
}

export function UsersPage() {
  const me = useCurrentUser();
  const [q, setQ] = useState('');
  const [role, setRole] = useState('');
  const [active, setActive] = useState('');
  const [offset, setOffset] = useState(0);
  const limit = 25;
  const search = useDebounced(q);
  const users = useUsers({
    q: search || undefined,
    role: role || undefined,
    is_active: active === '' ? undefined : active === 'true',
    limit,
    offset,
  });
  const update = useUpdateUser();
  const reset = useResetUserPassword();
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [resetResult, setResetResult] = useState<{ who: string; password: string } | null>(null);
  const [toggleError, setToggleError] = useState<string | null>(null);

  return (
    <div className="page">
      <header className="page-header">
        <h1>Users</h1>
        <button type="button" className="button button-primary" onClick={() => setEditing('new')}>
          New user
        </button>
      </header>
      <search className="filters" aria-label="Filter users">
        <label>
          <span>Search</span>
          <input
            type="search"
            placeholder="Name or employee number"
            value={q}
            onChange={(e) => {
              setQ(e.target.value);
              setOffset(0);
            }}
          />
        </label>
        <label>
          <span>Role</span>
          <select
            value={role}
            onChange={(e) => {
              setRole(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">All roles</option>
            <option value="admin">Administrators</option>
            <option value="technician">Technicians</option>
          </select>
        </label>
        <label>
          <span>Status</span>
          <select
            value={active}
            onChange={(e) => {
              setActive(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">All</option>
            <option value="true">Active</option>
            <option value="false">Deactivated</option>
          </select>
        </label>
      </search>
      {toggleError && (
        <p className="form-error" role="alert">
          {toggleError}
        </p>
      )}
      <section className="panel panel-flush">
        <QueryState query={users}>
          {(page) =>
            page.items.length === 0 ? (
              <EmptyState title="No users match these filters" />
            ) : (
              <>
                <div className="table-scroll">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">Employee no.</th>
                        <th scope="col">Name</th>
                        <th scope="col">Email</th>
                        <th scope="col">Role</th>
                        <th scope="col">Status</th>
                        <th scope="col">Last login</th>
                        <th scope="col">
                          <span className="sr-only">Actions</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {page.items.map((u) => (
                        <tr key={u.id} className={u.is_active ? undefined : 'row-muted'}>
                          <td className="mono">{u.employee_number}</td>
                          <td>
                            {u.full_name}
                            {u.must_change_password && (
                              <small className="muted"> (must change password)</small>
                            )}
                          </td>
                          <td className="break">{u.email ?? '—'}</td>
                          <td>{u.role === 'admin' ? 'Administrator' : 'Technician'}</td>
                          <td>
                            {u.is_active ? (
                              <StatusBadge status="active" />
                            ) : (
                              <span className="badge badge-muted">Deactivated</span>
                            )}
                          </td>
                          <td>{formatDateTime(u.last_login_at)}</td>
                          <td className="actions actions-wrap">
                            <button
                              type="button"
                              className="button button-small"
                              onClick={() => setEditing(u)}
                            >
                              Edit
                            </button>
                            <button
                              type="button"
                              className="button button-small"
                              onClick={() => {
                                reset.reset();
                                setResetting(u);
                              }}
                            >
                              Reset password
                            </button>
                            {u.id !== me.id && (
                              <button
                                type="button"
                                className={
                                  u.is_active
                                    ? 'button button-small button-danger-outline'
                                    : 'button button-small'
                                }
                                disabled={update.isPending}
                                onClick={() => {
                                  setToggleError(null);
                                  update.mutate(
                                    { id: u.id, patch: { is_active: !u.is_active } },
                                    { onError: (e) => setToggleError(errorText(e)) },
                                  );
                                }}
                              >
                                {u.is_active ? 'Deactivate' : 'Reactivate'}
                              </button>
                            )}
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
                  noun="users"
                />
              </>
            )
          }
        </QueryState>
      </section>
      {editing && <UserForm user={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      {resetting && (
        <ConfirmDialog
          title={`Reset the password of ${resetting.full_name}?`}
          message="A temporary password is generated; they must choose a new one at their next login. Their current sessions end."
          confirmLabel="Reset password"
          busy={reset.isPending}
          error={reset.error ? errorText(reset.error) : null}
          onConfirm={() =>
            reset.mutate(
              { id: resetting.id },
              {
                onSuccess: (r) => {
                  if (r.generated_password)
                    setResetResult({ who: resetting.full_name, password: r.generated_password });
                  setResetting(null);
                },
              },
            )
          }
          onClose={() => setResetting(null)}
        />
      )}
      {resetResult && (
        <Modal
          title="Password reset"
          onClose={() => setResetResult(null)}
          footer={
            <button type="button" className="button button-primary" onClick={() => setResetResult(null)}>
              Done
            </button>
          }
        >
          <GeneratedPassword password={resetResult.password} who={resetResult.who} />
        </Modal>
      )}
    </div>
  );
}
