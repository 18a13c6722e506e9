import { endSession, useCurrentUser } from '../../../lib/session.ts';
import { ChangePasswordForm } from './ChangePasswordForm.tsx';

/** Shown instead of the app after an administrator set or reset the password. */
export function MustChangePassword() {
  const user = useCurrentUser();
  return (
    <main className="login-screen">
      <div className="login-card">
        <h1>Choose a new password</h1>
        <p>
          Welcome, {user.full_name}. Your password was set by an administrator; choose your own before you
          continue.
        </p>
        <ChangePasswordForm />
        <button type="button" className="button button-link" onClick={() => endSession('logout')}>
          Log out
        </button>
      </div>
    </main>
  );
}
