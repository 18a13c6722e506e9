import { useCurrentUser } from '../../../lib/session.ts';
import { ChangePasswordForm } from './ChangePasswordForm.tsx';

export function AccountPage() {
  const user = useCurrentUser();
  return (
    <div className="page">
      <header className="page-header">
        <h1>My account</h1>
      </header>
      <section className="panel">
        <dl className="facts">
          <dt>Name</dt>
          <dd>{user.full_name}</dd>
          <dt>Employee number</dt>
          <dd>{user.employee_number}</dd>
          <dt>Role</dt>
          <dd>{user.role === 'admin' ? 'Administrator' : 'Field technician'}</dd>
          <dt>Email</dt>
          <dd>{user.email ?? '—'}</dd>
        </dl>
      </section>
      <section className="panel">
        <h2>Change password</h2>
        <ChangePasswordForm />
      </section>
    </div>
  );
}
