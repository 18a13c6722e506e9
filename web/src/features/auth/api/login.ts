import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { LoginInput, LoginResponse } from '../../../lib/api-types.ts';
import { startSession } from '../../../lib/session.ts';

export type { LoginInput, LoginResponse };

export function login(input: LoginInput): Promise<LoginResponse> {
  return apiRequest<LoginResponse>('/api/auth/login', { method: 'POST', body: input, anonymous: true });
}

export function useLogin() {
  return useMutation({
    mutationFn: login,
    onSuccess: (r) => startSession({ token: r.access_token, expiresAt: r.expires_at, user: r.user }),
  });
}
