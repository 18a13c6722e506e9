export interface CalibrationPoint {
  seq: number;
  reference_value: number;
  as_found: number;
  as_left: number;
  as_found_error_pct: number;
  as_left_error_pct: number;
  as_found_passed: boolean;
  as_left_passed: boolean;
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
}

export interface CalibrationInput {
  instrument_id: number;
  performed_at?: string;
  reference_standard_id: number;
  notes?: string | null;
  points: { reference_value: number; as_found: number; as_left: number }[];
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
