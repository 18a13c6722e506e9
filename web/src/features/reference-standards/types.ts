export interface ReferenceStandard {
  id: number;
  identifier: string;
  description: string;
  certificate_number: string;
  accuracy: string;
  calibrated_on: string;
  due_date: string;
  uncertainty_value?: number | null;
  uncertainty_unit?: string | null;
  expired: boolean;
  days_until_due: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface ReferenceStandardInput {
  identifier: string;
  description: string;
  certificate_number: string;
  accuracy: string;
  calibrated_on: string;
  due_date: string;
}

/** One certificate of a standard's history: a new certificate is a new row, never an edit. */
export interface StandardCertificate {
  id: number;
  reference_standard_id: number;
  certificate_number: string;
  calibrated_on: string;
  due_date: string;
  uncertainty_value: number | null;
  uncertainty_unit: string | null;
  issued_by: string | null;
  notes: string | null;
  current: boolean;
  created_at: string;
}

export interface CertificateInput {
  certificate_number: string;
  calibrated_on: string;
  due_date: string;
  uncertainty_value?: number | null;
  uncertainty_unit?: string | null;
  issued_by?: string | null;
}
