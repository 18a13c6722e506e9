import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { clearNotice, useSessionState } from '../../../lib/session.ts';
import { useLogin } from '../api/login.ts';

export function LoginPage() {
  const { notice } = useSessionState();
  const login = useLogin();
  const [employeeNumber, setEmployeeNumber] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ employee?: string; password?: string }>({});

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = {
      employee: employeeNumber.trim() ? undefined : 'Enter your employee number',
      password: password ? undefined : 'Enter your password',
    };
    setErrors(next);
    if (next.employee || next.password) return;
    clearNotice();
    login.mutate({ employee_number: employeeNumber.trim(), password });
  };

  return (
    <main className="login-screen">
      <div className="login-card">
        <div className="login-brand">
          <span className="brand-mark" aria-hidden="true" />
          <div>
            <h1>The Copperbelt University CMMS</h1>
            <p>Instrument maintenance, calibration and condition monitoring</p>
          </div>
        </div>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={submit} noValidate aria-label="Log in">
          <Field label="Employee number" error={errors.employee} required>
            {(p) => (
              <input
                {...p}
                name="employee_number"
                autoComplete="username"
                autoFocus
                value={employeeNumber}
                onChange={(e) => setEmployeeNumber(e.target.value)}
              />
            )}
          </Field>
          <Field label="Password" error={errors.password} required>
            {(p) => (
              <input
                {...p}
                name="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <FormError error={login.error} />
          <button type="submit" className="button button-primary button-block" disabled={login.isPending}>
            {login.isPending ? 'Logging in…' : 'Log in'}
          </button>
        </form>
        <p className="login-footnote">
          Sessions last one shift (8 hours). Forgot your password? Ask an administrator to reset it.
        </p>
      </div>
    </main>
  );
}
