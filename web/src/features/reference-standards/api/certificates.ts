import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { CertificateInput, StandardCertificate } from '../types.ts';

const key = (id: number) => [...queryKeys.referenceStandards.all, 'certificates', id] as const;

/** GET /api/reference-standards/{id}/certificates: the history, newest first. */
export const useStandardCertificates = (id: number) =>
  useQuery({
    queryKey: key(id),
    queryFn: () =>
      apiRequest<{ items: StandardCertificate[]; total: number }>(
        `/api/reference-standards/${id}/certificates`,
      ),
  });

/** POST /api/reference-standards/{id}/certificates: the standard came back from its laboratory. */
export function useAddCertificate(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: CertificateInput) =>
      apiRequest<StandardCertificate>(`/api/reference-standards/${id}/certificates`, {
        method: 'POST',
        body: input,
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.referenceStandards.all }),
  });
}
