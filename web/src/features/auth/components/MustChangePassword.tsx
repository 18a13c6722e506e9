import { endSession, useCurrentUser } from '../../../lib/session.ts';
import { ChangePasswordForm } from './ChangePasswordForm.tsx';

/** Shown instead of the app after an administrator set or reset the password. */
export function MustChangePassword() {
  const user = useCurrentUser();
  return (
    <main className="login-screen">
      <div className="login-card">
        <h1>Choose a new password</h1>
        <p>Welcome, {user.full_name}. The password you logged in with is temporary:</p>
        <ul>
          <li>
            {user.role === 'admin'
              ? 'On a new installation, the first administrator’s password is printed once on the server console (or taken from ADMIN_PASSWORD) when the server first starts.'
              : 'It was set by an administrator when your account was created or your password was reset.'}
          </li>
          <li>
            Others may have seen it, so choose your own now. The temporary password stops working as soon as
            you do, and you continue straight into the app.
          </li>
        </ul>
        <ChangePasswordForm />
        <button type="button" className="button button-link" onClick={() => endSession('logout')}>
          Log out
        </button>
      </div>
    </main>
  );
}
