import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { User } from '../types.ts';

export interface CreateUserInput {
  employee_number: string;
  full_name: string;
  email?: string | null;
  role: 'admin' | 'technician';
  password?: string;
}

export const createUser = (input: CreateUserInput) =>
  apiRequest<{ user: User; generated_password: string | null }>('/api/users', {
    method: 'POST',
    body: input,
  });

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.users.all }),
  });
}
