import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { PasswordReset } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const resetUserPassword = ({ id, password }: { id: number; password?: string }) =>
  apiRequest<PasswordReset>(`/api/users/${id}/reset-password`, {
    method: 'POST',
    body: password ? { password } : {},
  });

export function useResetUserPassword() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: resetUserPassword,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.users.all }),
  });
}
