import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Instrument, InstrumentPatch } from '../types.ts';

export const updateInstrument = ({ id, patch }: { id: number; patch: InstrumentPatch }) =>
  apiRequest<Instrument>(`/api/instruments/${id}`, { method: 'PATCH', body: patch });

export function useUpdateInstrument() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateInstrument,
    onSuccess: (i) => {
      qc.setQueryData(queryKeys.instruments.detail(i.id), i);
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.trends.all });
      qc.invalidateQueries({ queryKey: queryKeys.processUnits.all });
    },
  });
}
