export interface AuditCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface AuditProblem {
  check: string;
  kind: string;
  message: string;
  audit_id?: number;
  entity_type?: string;
  entity_id?: number;
}

/** GET|POST /api/audit/verify (docs/audit.md says what each check detects). */
export interface AuditVerifyReport {
  ok: boolean;
  rows_checked: number;
  first_broken_id?: number;
  reason?: string;
  key_id: string;
  head: { rows: number; last_id: number | null; last_hash: string | null };
  legacy_rows: number;
  keyed_from_id: number | null;
  records_checked: { calibration_records: number; maintenance_records: number };
  checks: AuditCheck[];
  problems: AuditProblem[];
  problems_truncated: boolean;
}

export interface AuditEntry {
  id: number;
  timestamp: string;
  user_id: number | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  hash: string;
}
