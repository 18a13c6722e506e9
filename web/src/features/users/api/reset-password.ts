import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const resetUserPassword = ({ id, password }: { id: number; password?: string }) =>
  apiRequest<{ ok: boolean; generated_password: string | null }>(`/api/users/${id}/reset-password`, {
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
