import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Instrument, InstrumentInput } from '../types.ts';

export const createInstrument = (input: InstrumentInput) =>
  apiRequest<Instrument>('/api/instruments', { method: 'POST', body: input });

export function useCreateInstrument() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createInstrument,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.processUnits.all });
    },
  });
}
