import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { RecordSignatures, RecordType, Signature, SignaturePolicy, SignInput } from '../types.ts';

export type { SignInput };

export const useRecordSignatures = (type: RecordType, id: number) =>
  useQuery({
    queryKey: queryKeys.signatures.forRecord(type, id),
    queryFn: () =>
      apiRequest<RecordSignatures>('/api/signatures', { query: { entity_type: type, entity_id: id } }),
  });

export const useSignaturePolicies = () =>
  useQuery({
    queryKey: queryKeys.signatures.policies,
    queryFn: () => apiRequest<{ items: SignaturePolicy[] }>('/api/signature-policies'),
  });

export function useSign() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: SignInput) => apiRequest<Signature>('/api/signatures', { method: 'POST', body }),
    onSuccess: (s) => {
      qc.invalidateQueries({ queryKey: queryKeys.signatures.forRecord(s.entity_type, s.entity_id) });
    },
  });
}

export function useUpdatePolicy() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({
      type,
      patch,
    }: {
      type: RecordType;
      patch: Partial<Omit<SignaturePolicy, 'record_type'>>;
    }) => apiRequest<SignaturePolicy>(`/api/signature-policies/${type}`, { method: 'PATCH', body: patch }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.signatures.all }),
  });
}
