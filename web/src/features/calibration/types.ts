import type { Instrument, ReferenceStandard } from '../../lib/api-types.ts';

export type {
  Calibration,
  CalibrationCorrection,
  CalibrationImportInput,
  CalibrationImportResult,
  CalibrationInput,
  CalibrationPoint,
  CalibrationProcedure,
  CalibrationWarning,
  InstrumentProcedure,
  ProcedureInput,
} from '../../lib/api-types.ts';

/** What the modal needs to know about the instrument under test. */
export type InstrumentUnderTest = Pick<
  Instrument,
  'id' | 'tag' | 'unit' | 'range_min' | 'range_max' | 'accuracy_class'
>;

/** A calibrator offered in the modal. */
export type StandardOption = Pick<
  ReferenceStandard,
  | 'id'
  | 'identifier'
  | 'description'
  | 'certificate_number'
  | 'due_date'
  | 'expired'
  | 'uncertainty_value'
  | 'uncertainty_unit'
>;

export const OUTCOME_WORD: Record<string, string> = {
  passed: 'Passed',
  failed_as_found: 'Failed as found',
  failed_as_left: 'Failed as left',
};
