import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { User, UserPatch } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type { UserPatch };

export const updateUser = ({ id, patch }: { id: number; patch: UserPatch }) =>
  apiRequest<User>(`/api/users/${id}`, { method: 'PATCH', body: patch });

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateUser,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.users.all }),
  });
}
