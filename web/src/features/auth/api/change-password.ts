import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { startSession } from '../../../lib/session.ts';
import { login } from './login.ts';

export interface ChangePasswordInput {
  employee_number: string;
  current_password: string;
  new_password: string;
}

/**
 * Changing the password ends every token issued before it (the server checks), including this
 * one, so log straight back in with the new password to keep the user working.
 */
export async function changePassword(input: ChangePasswordInput) {
  await apiRequest<{ ok: boolean }>('/api/auth/change-password', {
    method: 'POST',
    body: { current_password: input.current_password, new_password: input.new_password },
  });
  const r = await login({ employee_number: input.employee_number, password: input.new_password });
  startSession({ token: r.access_token, expiresAt: r.expires_at, user: r.user });
}

export const useChangePassword = () => useMutation({ mutationFn: changePassword });
