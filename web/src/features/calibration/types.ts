import type { ToleranceRule } from '../../../../src/calibration/tolerances.ts';
import type { TransferFunction } from '../../../../src/calibration/transfer-functions.ts';

export interface CalibrationPoint {
  seq: number;
  reference_value: number;
  as_found: number;
  as_left: number;
  as_found_error_pct: number;
  as_left_error_pct: number;
  as_found_passed: boolean;
  as_left_passed: boolean;
  direction?: 'up' | 'down' | null;
  nominal_pct?: number | null;
  input_value?: number | null;
  adjust_limit?: number | null;
  fail_limit?: number | null;
  acceptance_limit?: number | null;
  as_found_verdict?: string | null;
  as_left_verdict?: string | null;
  std_uncertainty?: number | null;
  tur?: number | null;
}

export interface CalibrationWarning {
  code: string;
  message: string;
}

export interface Calibration {
  id: number;
  instrument_id: number;
  tag: string;
  unit: string;
  /** Issue 13: the device calibrated (tag is the position it held). */
  device_id: number | null;
  device_serial_number: string | null;
  device_manufacturer: string | null;
  device_model: string | null;
  performed_at: string;
  technician_id: number;
  technician_name: string;
  reference_standard_id: number | null;
  reference_standard_identifier: string | null;
  reference_standard_certificate: string | null;
  notes: string | null;
  tolerance_pct: number;
  as_found_passed: boolean;
  as_left_passed: boolean;
  passed: boolean;
  /** passed | failed_as_found | failed_as_left */
  outcome: string;
  max_as_found_error_pct: number;
  max_as_left_error_pct: number;
  corrects_id: number | null;
  /** The user who recorded this correction; technician_id stays the original performer. */
  corrected_by: number | null;
  corrected_by_name: string | null;
  /** The record in force that corrects this one. */
  corrected_by_id: number | null;
  /** A technician's correction of this record awaiting an admin; this record stays in force meanwhile. */
  pending_correction_id: number | null;
  superseded: boolean;
  work_order_id: number | null;
  corrective_work_order_id: number | null;
  next_due_at: string | null;
  points: CalibrationPoint[];
  created_at: string;
  procedure_id?: number | null;
  procedure_name?: string | null;
  procedure_revision?: number | null;
  reduced_check?: boolean;
  resets_due_date?: boolean;
  hysteresis_as_found_pct?: number | null;
  hysteresis_as_left_pct?: number | null;
  repeatability_as_found_pct?: number | null;
  repeatability_as_left_pct?: number | null;
  reference_standard_uncertainty?: string | null;
  min_tur?: number | null;
  /** On the response that recorded it: TUR below 4:1, reduced check, no uncertainty... */
  warnings?: CalibrationWarning[];
}

export interface CalibrationInput {
  instrument_id: number;
  performed_at?: string;
  reference_standard_id: number;
  notes?: string | null;
  points: {
    reference_value?: number;
    input_value?: number;
    direction?: 'up' | 'down';
    as_found: number;
    as_left: number;
  }[];
  reduced_check?: boolean;
  corrects_id?: number;
  work_order_id?: number;
  /** Issue 13: the performer's signature. */
  signature?: { password: string };
}

/** What the modal needs to know about the instrument under test. */
export interface InstrumentUnderTest {
  id: number;
  tag: string;
  unit: string;
  range_min: number;
  range_max: number;
  accuracy_class: number;
}

/** A calibrator offered in the modal. */
export interface StandardOption {
  id: number;
  identifier: string;
  description: string;
  certificate_number: string;
  due_date: string;
  expired: boolean;
  uncertainty_value?: number | null;
  uncertainty_unit?: string | null;
}

export interface CalibrationProcedure {
  id: number;
  name: string;
  revision: number;
  test_points: number[];
  direction: 'up' | 'down' | 'up_down';
  cycles: number;
  tolerance: ToleranceRule;
  transfer_function: TransferFunction | null;
  allow_reduced_check: boolean;
  sequence: { nominal_pct: number; direction: 'up' | 'down' }[];
}

export interface InstrumentProcedure {
  instrument_id: number;
  source: 'instrument' | 'type' | 'none';
  procedure: CalibrationProcedure | null;
}

export interface CalibrationImportResult {
  imported: number;
  records: Calibration[];
  warnings: (CalibrationWarning & { row: number })[];
}

export const OUTCOME_WORD: Record<string, string> = {
  passed: 'Passed',
  failed_as_found: 'Failed as found',
  failed_as_left: 'Failed as left',
};

/** A technician's correction of someone else's record, held for an admin's approval. */
export interface CalibrationCorrection {
  id: number;
  calibration_id: number;
  instrument_id: number;
  tag: string;
  unit: string;
  status: 'pending' | 'approved' | 'rejected';
  requested_by: number;
  requested_by_name: string;
  requested_at: string;
  technician_id: number;
  performed_at: string;
  reference_standard_id: number;
  notes: string | null;
  passed: boolean;
  as_found_passed: boolean;
  as_left_passed: boolean;
  max_as_found_error_pct: number;
  max_as_left_error_pct: number;
  points: CalibrationPoint[];
  reviewed_by: number | null;
  reviewed_by_name: string | null;
  reviewed_at: string | null;
  review_notes: string | null;
  record_id: number | null;
}
