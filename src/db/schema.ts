import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

// Row types shared by both dialects. Timestamps are ISO 8601 UTC strings, dates 'YYYY-MM-DD',
// booleans 0/1 integers, JSON columns text; reading times are epoch milliseconds.

interface Base {
  id: Generated<number>;
  created_at: string;
  updated_at: string;
}
interface SoftDelete {
  deleted_at: string | null;
}

export type Role = 'admin' | 'technician';

export interface UsersTable extends Base {
  employee_number: string;
  full_name: string;
  email: string | null;
  role: Role;
  password_hash: string;
  is_active: Generated<number>;
  must_change_password: Generated<number>;
  password_changed_at: string | null;
  last_login_at: string | null;
  /** Raised on a password change, reset or deactivation; a JWT carrying an older one is refused. */
  token_version: Generated<number>;
}

export interface ProcessUnitsTable extends Base, SoftDelete {
  name: string;
  description: string | null;
  plant_area: string | null;
}

export interface InstrumentsTable extends Base, SoftDelete {
  tag: string;
  type: string;
  measured_variable: string | null;
  unit: string;
  range_min: number;
  range_max: number;
  nominal_value: number | null;
  location: string | null;
  equipment: string | null;
  accuracy_class: number;
  criticality: string;
  status: Generated<string>;
  process_unit_id: number | null;
  calibration_interval_days: number;
  use_predicted_interval: Generated<number>;
  description: string | null;
  alarm_low_critical: number | null;
  alarm_low_warning: number | null;
  alarm_high_warning: number | null;
  alarm_high_critical: number | null;
  alarm_deadband: number;
  alarm_on_delay_seconds: number;
  publish_interval_seconds: number;
  stuck_deadband: number;
  stuck_window_minutes: number | null;
  signal_low_ma: number;
  signal_high_ma: number;
  max_rate_per_second: number | null;
  cusum_k: number | null;
  cusum_h: number | null;
  baseline_mean: number | null;
  baseline_std: number | null;
  suppressed_until: string | null;
  /** Condition-based calibration interval (migration 0004), recomputed after each calibration. */
  predicted_interval_days: number | null;
  predicted_interval_at: string | null;
}

export interface ReferenceStandardsTable extends Base, SoftDelete {
  identifier: string;
  description: string;
  certificate_number: string;
  accuracy: string;
  calibrated_on: string;
  due_date: string;
  /** The current certificate's expanded uncertainty (migration 0017); unit '%' means % of reading. */
  uncertainty_value: number | null;
  uncertainty_unit: string | null;
  current_certificate_id: number | null;
}

/** One certificate of a reference standard (migration 0017): a new certificate is a new row, never an edit. */
export interface ReferenceStandardCertificatesTable extends Base {
  reference_standard_id: number;
  certificate_number: string;
  calibrated_on: string;
  due_date: string;
  uncertainty_value: number | null;
  uncertainty_unit: string | null;
  issued_by: string | null;
  notes: string | null;
  created_by: number | null;
}

/** A calibration procedure (template), migration 0016. JSON columns are text. */
export interface CalibrationProceduresTable extends Base, SoftDelete {
  name: string;
  description: string | null;
  revision: Generated<number>;
  /** JSON number[]: test points in % of span, ascending. */
  test_points: string;
  /** up | down | up_down */
  direction: string;
  cycles: Generated<number>;
  /** JSON ToleranceRule (calibration/tolerances.ts). */
  tolerance: string;
  /** JSON TransferFunction (calibration/transfer-functions.ts), null for linear with input = output. */
  transfer_function: string | null;
  allow_reduced_check: Generated<number>;
  created_by: number | null;
}

export interface CalibrationProcedureAssignmentsTable extends Base {
  procedure_id: number;
  instrument_id: number | null;
  instrument_type: string | null;
}

export interface CalibrationRecordsTable extends Base {
  instrument_id: number;
  performed_at: string;
  technician_id: number;
  reference_standard_id: number | null;
  notes: string | null;
  tolerance_pct: number;
  as_found_passed: number;
  as_left_passed: number;
  passed: number;
  max_as_found_error_pct: number;
  max_as_left_error_pct: number;
  corrects_id: number | null;
  work_order_id: number | null;
  next_due_at: string | null;
  /** Who recorded the correction (migration 0008); technician_id stays the original performer. */
  corrected_by: number | null;
  /** sha256 of the record's canonical content and its points (0009, src/audit/record-hash.ts). */
  content_hash: Generated<string | null>;
  /** The device calibrated (0014); instrument_id stays the position it held. Null before 0014. */
  device_id: Generated<number | null>;
  /** Procedure followed (migration 0016). */
  procedure_id: Generated<number | null>;
  procedure_revision: Generated<number | null>;
  hysteresis_as_found_pct: Generated<number | null>;
  hysteresis_as_left_pct: Generated<number | null>;
  repeatability_as_found_pct: Generated<number | null>;
  repeatability_as_left_pct: Generated<number | null>;
  /** Fewer points than the procedure: a check (migration 0016). */
  reduced_check: Generated<number>;
  /** 0 for a reduced check its procedure does not let reset the due date. */
  resets_due_date: Generated<number>;
  /** The standard's certificate in force on the day (migration 0017). */
  reference_certificate_id: Generated<number | null>;
  min_tur: Generated<number | null>;
  /** Migration 0024: 'history' (imported with points), 'summary' (imported, no test points) or null. */
  import_kind: Generated<string | null>;
  /** The performer and standard as an imported file named them, when not a user or standard here. */
  performed_by_name: Generated<string | null>;
  reference_standard_text: Generated<string | null>;
}

/** A technician's correction of someone else's calibration, awaiting an admin (migration 0008). */
export interface CalibrationCorrectionsTable extends Base {
  calibration_id: number;
  instrument_id: number;
  requested_by: number;
  /** JSON: the correcting record as submitted (performed_at, reference_standard_id, notes, points). */
  proposal: string;
  /** pending | approved | rejected */
  status: string;
  reviewed_by: number | null;
  reviewed_at: string | null;
  review_notes: string | null;
  /** The correcting calibration record, written on approval. */
  record_id: number | null;
}

/** A problem a technician reported at an instrument, until an admin accepts or rejects it. */
export interface WorkRequestsTable extends Base {
  instrument_id: number;
  description: string;
  reported_by: number;
  /** open | accepted | rejected */
  status: string;
  reviewed_by: number | null;
  reviewed_at: string | null;
  review_notes: string | null;
  /** The work order made of it, on acceptance. */
  work_order_id: number | null;
}

export interface CalibrationPointsTable extends Base {
  calibration_id: number;
  seq: number;
  reference_value: number;
  as_found: number;
  as_left: number;
  as_found_error_pct: number;
  as_left_error_pct: number;
  as_found_passed: number;
  as_left_passed: number;
  content_hash: Generated<string | null>;
  /** Migration 0016: up | down, the nominal % of span, the applied input when it differs from the output. */
  direction: Generated<string | null>;
  nominal_pct: Generated<number | null>;
  input_value: Generated<number | null>;
  /** Limits in the instrument's unit: adjust, fail, and fail less the guard band. */
  adjust_limit: Generated<number | null>;
  fail_limit: Generated<number | null>;
  acceptance_limit: Generated<number | null>;
  /** pass | adjust | fail */
  as_found_verdict: Generated<string | null>;
  as_left_verdict: Generated<string | null>;
  /** Migration 0017: the standard's expanded uncertainty in the instrument's unit, and the TUR. */
  std_uncertainty: Generated<number | null>;
  tur: Generated<number | null>;
}

export interface MaintenanceRecordsTable extends Base, SoftDelete {
  instrument_id: number;
  performed_at: string;
  action_type: string;
  technician_id: number;
  description: string;
  parts_used: string | null;
  duration_minutes: number | null;
  work_order_id: number | null;
  content_hash: Generated<string | null>;
}

export interface AlertRecordsTable extends Base {
  /** Null for an alert about a source (see `source`), not an instrument. */
  instrument_id: number | null;
  /** The source an instrument-less alert is about, e.g. 'ingestion'; null for instrument alerts. */
  source: string | null;
  alert_type: string;
  condition_key: string;
  severity: string;
  status: string;
  message: string;
  details: string | null;
  first_seen: string;
  last_seen: string;
  occurrence_count: Generated<number>;
  cleared_at: string | null;
  suppressed: Generated<number>;
  acknowledged_by: number | null;
  acknowledged_at: string | null;
  resolved_by: number | null;
  resolved_at: string | null;
  resolution_notes: string | null;
  /** Shelving (migration 0018): set while shelved; shelved_until null is one-shot (until cleared). */
  shelved_at: string | null;
  shelved_until: string | null;
  shelved_by: number | null;
  shelve_reason: string | null;
}

/** One alarm event (migration 0018): raise, clear, acknowledge, shelve, unshelve, resolve, suppress. */
export interface AlarmEventsTable {
  id: Generated<number>;
  at: string;
  event: string;
  alert_id: number;
  instrument_id: number | null;
  source: string | null;
  alert_type: string;
  condition_key: string;
  severity: string;
  user_id: number | null;
  details: string | null;
  created_at: string;
}

/** A period an instrument's alarms are out of service (migration 0019). */
export interface InstrumentOutOfServiceTable extends Base {
  instrument_id: number;
  /** manual | work_order */
  source: string;
  work_order_id: number | null;
  reason: string;
  started_at: string;
  started_by: number | null;
  ended_at: string | null;
  ended_by: number | null;
  end_reason: string | null;
}

export interface WorkOrdersTable extends Base {
  instrument_id: number;
  title: string;
  description: string | null;
  type: string;
  priority: string;
  status: string;
  assigned_to: number | null;
  created_by: number | null;
  due_date: string | null;
  estimated_duration_minutes: number | null;
  actual_duration_minutes: number | null;
  parts_used: string | null;
  completion_notes: string | null;
  cancel_reason: string | null;
  calibration_record_id: number | null;
  alert_id: number | null;
  source: Generated<string>;
  source_key: string | null;
  started_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  sla_breached: Generated<number>;
  sla_breached_at: string | null;
  pm_plan_id: number | null;
}

export interface PmPlansTable extends Base, SoftDelete {
  instrument_id: number;
  task: string;
  interval_days: number;
  next_due: string;
  priority: Generated<string>;
  assigned_to: number | null;
  is_active: Generated<number>;
}

export interface NotificationsTable extends Base {
  user_id: number;
  work_order_id: number | null;
  message: string;
  read_at: string | null;
  kind: Generated<string>;
}

export interface PasswordResetTokensTable extends Base {
  user_id: number;
  token_hash: string;
  expires_at: string;
  used_at: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  created_at: string;
  user_id: number | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  old_value: string | null;
  new_value: string | null;
  prev_hash: string;
  hash: string;
}

export interface BackgroundJobsTable extends Base {
  job_type: string;
  status: string;
  progress: Generated<number>;
  params: string | null;
  result_summary: string | null;
  result_file: string | null;
  error: string | null;
  created_by: number | null;
  started_at: string | null;
  completed_at: string | null;
  /** Runner that claimed the job (host/pid/instance) and when it was last seen alive (0005). */
  worker_id: string | null;
  heartbeat_at: string | null;
}

export interface MlBaselinesTable extends Base, SoftDelete {
  instrument_id: number;
  start_at: string;
  end_at: string;
  created_by: number | null;
}

export interface MlModelVersionsTable extends Base {
  instrument_id: number;
  tag: string;
  version: number;
  trained_at: string;
  trained_by: number | null;
  windows_used: number;
  contamination: number;
  threshold: number;
  feature_set_version: number;
  is_active: Generated<number>;
  model_file: string;
  metrics: string | null;
}

export interface DetectorCheckpointsTable {
  instrument_id: number;
  detector: string;
  state: string;
  /** Event time (ms) of the newest reading the state has counted; null before any (migration 0029). */
  last_ts: number | null;
  updated_at: string;
}

/** One re-ranging of an instrument: readings before effective_at are in the old unit and range. */
export interface InstrumentRangeChangesTable extends Base {
  instrument_id: number;
  effective_at: string;
  old_unit: string;
  old_range_min: number;
  old_range_max: number;
  new_unit: string;
  new_range_min: number;
  new_range_max: number;
  reason: string;
  changed_by: number | null;
}

export interface RawReadingsTable {
  instrument_id: number;
  ts: number;
  value: number;
  quality: string;
}

export interface ReadingTierTable {
  instrument_id: number;
  bucket: number;
  avg: number;
  min: number;
  max: number;
  /** Good readings (avg, min and max are over these only; all 0 when count is 0). */
  count: number;
  /** Fault and spike readings in the bucket, kept out of avg/min/max. */
  bad_count: Generated<number>;
}

export interface SystemStateTable {
  key: string;
  value: string;
  updated_at: string;
}

/** A field gateway's login to the embedded MQTT broker (src/gateways). */
export interface GatewaysTable extends Base, SoftDelete {
  username: string;
  description: string | null;
  password_hash: string;
  is_active: Generated<number>;
  password_changed_at: string;
  created_by: number | null;
}

/** Login attempts per key ('emp:<normalised employee number>' or 'ip:<address>') in a fixed window. */
export interface LoginThrottleTable {
  key: string;
  window_start: string;
  attempts: number;
  updated_at: string;
}

/** A physical device (transmitter) with its own identity and range (0014, src/devices). */
export interface DevicesTable extends Base, SoftDelete {
  manufacturer: string;
  model: string;
  serial_number: string;
  device_type: string | null;
  unit: string | null;
  range_min: number | null;
  range_max: number | null;
  notes: string | null;
}

/** Which device sat in which position (instrument) and when; removed_at null while installed. */
export interface DeviceInstallationsTable extends Base {
  device_id: number;
  instrument_id: number;
  installed_at: string;
  removed_at: string | null;
  installed_by: number | null;
  removed_by: number | null;
  reason: string | null;
  removal_reason: string | null;
}

/** An electronic signature on a record (0014, src/signatures). */
export interface SignaturesTable {
  id: Generated<number>;
  created_at: string;
  entity_type: string;
  entity_id: number;
  /** performed | reviewed | approved */
  meaning: string;
  user_id: number;
  signer_name: string;
  signed_at: string;
  /** SHA-256 of the signed record content. */
  content_hash: string;
  /** SHA-256 over the signed content hash, signer, meaning and time. */
  signature_hash: string;
  comment: string | null;
}

export interface SignaturePoliciesTable {
  record_type: string;
  signature_required: number;
  approval_required: number;
  updated_at: string;
  updated_by: number | null;
}

/** What a failed as-found calibration may have affected (0015). */
export interface ImpactAssessmentsTable extends Base {
  work_order_id: number;
  calibration_record_id: number;
  instrument_id: number;
  period_from: string | null;
  period_to: string;
  readings_count: number;
  alerts_count: number;
  /** open | completed */
  status: string;
  assessment: string | null;
  completed_by: number | null;
  completed_at: string | null;
}

/** A reference standard found out of tolerance (0015). */
export interface StandardOotReportsTable {
  id: Generated<number>;
  created_at: string;
  reference_standard_id: number;
  found_at: string;
  since: string;
  notes: string;
  reported_by: number;
}

export interface CalibrationReviewFlagsTable extends Base {
  report_id: number;
  calibration_record_id: number;
  reference_standard_id: number;
  /** open | reviewed */
  status: string;
  reviewed_by: number | null;
  reviewed_at: string | null;
  review_notes: string | null;
}

export interface AttachmentsTable {
  id: Generated<number>;
  created_at: string;
  entity_type: string;
  entity_id: number;
  filename: string;
  mime_type: string;
  size_bytes: number;
  sha256: string;
  storage_name: string;
  description: string | null;
  uploaded_by: number;
}

/** A set of instruments modelled together (issue 11): drift on residuals, anomaly on the group. */
export interface ModelGroupsTable extends Base {
  name: string;
  description: string | null;
  process_unit_id: number | null;
  drift_window_seconds: Generated<number>;
  anomaly_window_samples: Generated<number>;
  is_enabled: Generated<number>;
  created_by: number | null;
}

export interface ModelGroupMembersTable {
  group_id: number;
  instrument_id: number;
  position: number;
}

export interface ModelGroupVersionsTable extends Base {
  group_id: number;
  version: number;
  trained_at: string;
  trained_by: number | null;
  /** JSON array of instrument ids, in the model's column order. */
  member_ids: string;
  /** JSON GroupModel (ml/group-model.ts). */
  model: string;
  metrics: string;
  is_active: Generated<number>;
}

export interface ModelGroupCheckpointsTable {
  group_id: number;
  version_id: number;
  state: string;
  updated_at: string;
}

/** A periodic duty held by one process until expires_at (issue 12); see src/shared/leases.ts. */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

/** Event time (epoch ms) of an instrument's newest reading seen by any process (issue 12, data gaps). */
export interface InstrumentLastSeenTable {
  instrument_id: number;
  last_ts: number;
  updated_at: string;
}

/** A connector source (issue 15): Sparkplug B, OPC UA or Modbus TCP; see src/connectors/. */
export interface ConnectorSourcesTable extends Base, SoftDelete {
  /** sparkplug | opcua | modbus */
  kind: string;
  name: string;
  enabled: Generated<number>;
  /** JSON config of the kind; secret fields hold `enc:v1:` AES-256-GCM ciphertext. */
  config: string;
  /** JSON array of point mappings (source point -> instrument tag). */
  points: string;
  created_by: number | null;
}

export interface DB {
  users: UsersTable;
  process_units: ProcessUnitsTable;
  instruments: InstrumentsTable;
  instrument_range_changes: InstrumentRangeChangesTable;
  reference_standards: ReferenceStandardsTable;
  calibration_records: CalibrationRecordsTable;
  calibration_points: CalibrationPointsTable;
  calibration_corrections: CalibrationCorrectionsTable;
  work_requests: WorkRequestsTable;
  calibration_procedures: CalibrationProceduresTable;
  calibration_procedure_assignments: CalibrationProcedureAssignmentsTable;
  reference_standard_certificates: ReferenceStandardCertificatesTable;
  maintenance_records: MaintenanceRecordsTable;
  alert_records: AlertRecordsTable;
  alarm_events: AlarmEventsTable;
  instrument_out_of_service: InstrumentOutOfServiceTable;
  work_orders: WorkOrdersTable;
  pm_plans: PmPlansTable;
  notifications: NotificationsTable;
  password_reset_tokens: PasswordResetTokensTable;
  audit_log: AuditLogTable;
  background_jobs: BackgroundJobsTable;
  ml_baselines: MlBaselinesTable;
  ml_model_versions: MlModelVersionsTable;
  detector_checkpoints: DetectorCheckpointsTable;
  raw_readings: RawReadingsTable;
  readings_1m: ReadingTierTable;
  readings_1h: ReadingTierTable;
  readings_1d: ReadingTierTable;
  system_state: SystemStateTable;
  gateways: GatewaysTable;
  login_throttle: LoginThrottleTable;
  devices: DevicesTable;
  device_installations: DeviceInstallationsTable;
  signatures: SignaturesTable;
  signature_policies: SignaturePoliciesTable;
  impact_assessments: ImpactAssessmentsTable;
  standard_oot_reports: StandardOotReportsTable;
  calibration_review_flags: CalibrationReviewFlagsTable;
  attachments: AttachmentsTable;
  model_groups: ModelGroupsTable;
  model_group_members: ModelGroupMembersTable;
  model_group_versions: ModelGroupVersionsTable;
  model_group_checkpoints: ModelGroupCheckpointsTable;
  leases: LeasesTable;
  instrument_last_seen: InstrumentLastSeenTable;
  connector_sources: ConnectorSourcesTable;
}

export type UserRow = Selectable<UsersTable>;
export type InstrumentRow = Selectable<InstrumentsTable>;
export type NewInstrument = Insertable<InstrumentsTable>;
export type InstrumentUpdate = Updateable<InstrumentsTable>;
export type ProcessUnitRow = Selectable<ProcessUnitsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type GatewayRow = Selectable<GatewaysTable>;
export type ConnectorSourceRow = Selectable<ConnectorSourcesTable>;
