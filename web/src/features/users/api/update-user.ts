import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { User } from '../types.ts';

export interface UserPatch {
  full_name?: string;
  email?: string | null;
  role?: 'admin' | 'technician';
  is_active?: boolean;
}

export const updateUser = ({ id, patch }: { id: number; patch: UserPatch }) =>
  apiRequest<User>(`/api/users/${id}`, { method: 'PATCH', body: patch });

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateUser,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.users.all }),
  });
}
