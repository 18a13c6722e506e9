export interface ReferenceStandard {
  id: number;
  identifier: string;
  description: string;
  certificate_number: string;
  accuracy: string;
  calibrated_on: string;
  due_date: string;
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
