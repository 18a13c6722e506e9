import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { useCurrentUser } from '../../../lib/session.ts';
import { clearStaleErrors } from '../../../lib/stale-errors.ts';
import { useChangePassword } from '../api/change-password.ts';

const MIN_LENGTH = 10;

export function ChangePasswordForm({ onDone }: { onDone?: () => void }) {
  const user = useCurrentUser();
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [done, setDone] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errs = {
      current: current ? undefined : 'Enter your current password',
      next:
        next.length < MIN_LENGTH
          ? `Use at least ${MIN_LENGTH} characters`
          : next === current
            ? 'Choose a password different from the current one'
            : undefined,
      confirm: confirm === next ? undefined : 'The two new passwords differ',
    };
    setErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    change.mutate(
      { employee_number: user.employee_number, current_password: current, new_password: next },
      {
        onSuccess: () => {
          setDone(true);
          setCurrent('');
          setNext('');
          setConfirm('');
          onDone?.();
        },
      },
    );
  };

  return (
    <form
      onSubmit={submit}
      onChange={clearStaleErrors(errors, setErrors, change)}
      noValidate
      className="form-narrow"
      aria-label="Change password"
    >
      <Field label="Current password" error={errors.current} required>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        )}
      </Field>
      <Field
        label="New password"
        error={errors.next}
        hint={`At least ${MIN_LENGTH} characters; not your employee number, a common password or one character repeated.`}
        required
      >
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        )}
      </Field>
      <Field label="Repeat new password" error={errors.confirm} required>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        )}
      </Field>
      <FormError error={change.error} />
      {done && (
        <p className="success" role="status">
          Password changed.
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={change.isPending}>
        {change.isPending ? 'Saving…' : 'Change password'}
      </button>
    </form>
  );
}
