import { downloadFile } from '../../../lib/api-client.ts';

/** The PDF sheet of QR labels (3 x 7 on A4): for some instruments, a process unit, or all. */
export const downloadLabels = (scope: { ids?: number[]; process_unit_id?: number }) =>
  downloadFile(
    '/api/instruments/labels.pdf',
    { ids: scope.ids?.join(','), process_unit_id: scope.process_unit_id },
    'instrument-labels.pdf',
  );
