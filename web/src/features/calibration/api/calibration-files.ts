import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest, downloadFile } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { CalibrationImportResult } from '../types.ts';

/** GET /api/calibrations/{id}/certificate.pdf, saved as a file. */
export const downloadCertificate = (id: number) =>
  downloadFile(`/api/calibrations/${id}/certificate.pdf`, {}, `CAL-${String(id).padStart(6, '0')}.pdf`);

export const importCalibrations = (input: { format: 'cbu' | 'beamex' | 'fluke'; csv: string }) =>
  apiRequest<CalibrationImportResult>('/api/calibrations/import', { method: 'POST', body: input });

export function useImportCalibrations() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: importCalibrations,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.calibrations.all });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
    },
  });
}
