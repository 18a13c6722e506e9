import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { type SessionUser, startSession } from '../../../lib/session.ts';

export interface LoginInput {
  employee_number: string;
  password: string;
}

export interface LoginResponse {
  access_token: string;
  token_type: 'bearer';
  expires_at: string;
  user: SessionUser;
}

export function login(input: LoginInput): Promise<LoginResponse> {
  return apiRequest<LoginResponse>('/api/auth/login', { method: 'POST', body: input, anonymous: true });
}

export function useLogin() {
  return useMutation({
    mutationFn: login,
    onSuccess: (r) => startSession({ token: r.access_token, expiresAt: r.expires_at, user: r.user }),
  });
}
