import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { CalibrationProcedure, ProcedureInput } from '../types.ts';

const key = [...queryKeys.calibrations.all, 'procedures'] as const;

export const useProcedures = () =>
  useQuery({
    queryKey: key,
    queryFn: () =>
      apiRequest<{ items: CalibrationProcedure[]; total: number }>('/api/calibration-procedures', {
        query: { limit: 200 },
      }),
  });

export function useCreateProcedure() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ProcedureInput) =>
      apiRequest<CalibrationProcedure>('/api/calibration-procedures', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.calibrations.all }),
  });
}

/** PUT .../calibration-procedure on an instrument (by id) or an instrument type. */
export function useAssignProcedure() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({
      target,
      procedureId,
    }: {
      target: { instrumentId: number } | { type: string };
      procedureId: number | null;
    }) =>
      apiRequest<unknown>(
        'instrumentId' in target
          ? `/api/instruments/${target.instrumentId}/calibration-procedure`
          : `/api/instrument-types/${encodeURIComponent(target.type)}/calibration-procedure`,
        { method: 'PUT', body: { procedure_id: procedureId } },
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.calibrations.all }),
  });
}
