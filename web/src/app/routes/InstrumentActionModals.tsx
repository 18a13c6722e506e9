import { CalibrationModal } from '../../features/calibration/components/CalibrationModal.tsx';
import { CalibratorImportModal } from '../../features/calibration/components/CalibratorImportModal.tsx';
import type { Instrument } from '../../features/instruments/types.ts';
import { MaintenanceModal } from '../../features/maintenance/components/MaintenanceModal.tsx';
import { TrainModal } from '../../features/ml/components/TrainModal.tsx';
import { useReferenceStandards } from '../../features/reference-standards/api/get-reference-standards.ts';

export type InstrumentAction = 'calibrate' | 'import' | 'maintain' | 'train';

interface Props {
  kind: InstrumentAction;
  instrument: Instrument;
  workOrderId?: number;
  onClose: () => void;
}

/** The calibration, maintenance or training modal for one instrument, opened in place. */
export function InstrumentActionModals({ kind, instrument, workOrderId, onClose }: Props) {
  const standards = useReferenceStandards(kind === 'calibrate');
  if (kind === 'calibrate')
    return (
      <CalibrationModal
        instrument={instrument}
        standards={standards.data?.items ?? []}
        standardsLoading={standards.isPending}
        workOrderId={workOrderId}
        onClose={onClose}
      />
    );
  if (kind === 'import') return <CalibratorImportModal onClose={onClose} />;
  if (kind === 'maintain')
    return <MaintenanceModal instrument={instrument} workOrderId={workOrderId} onClose={onClose} />;
  return <TrainModal tag={instrument.tag} onClose={onClose} />;
}
