/**
 * Typed domain errors with stable codes. The HTTP layer maps them to status codes in one place
 * (http/error-handler.ts); the web client maps the same codes back to words.
 */

/** What a NotFoundError names; its code is `<entity>_not_found`. */
export type NotFoundEntity =
  | 'alert'
  | 'attachment'
  | 'attachment_file'
  | 'calibration'
  | 'calibration_correction'
  | 'calibration_procedure'
  | 'connector_source'
  | 'device'
  | 'gateway'
  | 'impact_assessment'
  | 'instrument'
  | 'job'
  | 'job_result'
  | 'maintenance_record'
  | 'ml_baseline'
  | 'model_group'
  | 'model_group_version'
  | 'model_version'
  | 'notification'
  | 'out_of_tolerance_report'
  | 'pm_plan'
  | 'process_unit'
  | 'reference_standard'
  | 'review_flag'
  | 'signature'
  | 'user'
  | 'work_order'
  | 'work_request';

/** The codes a domain rule refuses a request with (409, 422, 401, 403 by the error class). */
export type DomainErrorCode =
  | 'account_inactive'
  | 'alert_has_no_instrument'
  | 'alert_has_work_order'
  | 'alert_invalid_transition'
  | 'alert_resolved'
  | 'already_signed'
  | 'attachment_too_large'
  | 'attachment_type_mismatch'
  | 'attachment_type_not_allowed'
  | 'calibration_already_corrected'
  | 'calibration_before_work_order'
  | 'calibration_correction_decided'
  | 'calibration_correction_pending'
  | 'calibration_import_invalid'
  | 'calibration_not_approved'
  | 'calibration_procedure_changed'
  | 'calibration_procedure_name_taken'
  | 'calibration_superseded'
  | 'cannot_demote_self'
  | 'connector_kind_unavailable'
  | 'connector_source_changed'
  | 'connector_source_already_disabled'
  | 'connector_source_already_enabled'
  | 'connector_source_name_taken'
  | 'connector_secret_unreadable'
  | 'device_already_installed'
  | 'device_installed'
  | 'device_installed_elsewhere'
  | 'device_retired'
  | 'device_serial_taken'
  | 'employee_number_taken'
  | 'gateway_username_taken'
  | 'impact_assessment_completed'
  | 'impact_assessment_open'
  | 'import_conflict'
  | 'import_too_large'
  | 'installation_changed'
  | 'instrument_changed_concurrently'
  | 'instrument_has_readings'
  | 'instrument_in_group'
  | 'instrument_in_service'
  | 'instrument_out_of_service'
  | 'instrument_tag_taken'
  | 'invalid_credentials'
  | 'ml_model_file_missing'
  | 'ml_no_baseline'
  | 'ml_too_few_windows'
  | 'ml_training_in_progress'
  | 'model_group_changed'
  | 'model_group_conflict'
  | 'model_group_members_differ'
  | 'model_group_name_taken'
  | 'model_group_no_common_baseline'
  | 'model_group_not_enough_data'
  | 'model_group_too_small'
  | 'position_empty'
  | 'position_occupied'
  | 'process_unit_in_use'
  | 'process_unit_name_taken'
  | 'record_not_completed'
  | 'record_superseded'
  | 'reference_standard_certificate_changed'
  | 'reference_standard_certificate_immutable'
  | 'reference_standard_expired'
  | 'reference_standard_identifier_taken'
  | 'reference_standard_not_yet_certified'
  | 'reset_token_invalid'
  | 'review_flag_reviewed'
  | 'signature_needs_admin'
  | 'signature_not_performer'
  | 'signature_password_incorrect'
  | 'signature_required'
  | 'signature_same_person'
  | 'simulator_unavailable'
  | 'simulator_unknown_tag'
  | 'token_expired'
  | 'token_invalid'
  | 'token_revoked'
  | 'work_order_changed'
  | 'work_order_closed'
  | 'work_order_invalid_transition'
  | 'work_order_not_assigned'
  | 'work_request_decided';

/** Codes the HTTP layer itself answers with (request validation, routing, faults). */
export type HttpErrorCode =
  | 'validation_error'
  | 'unauthorized'
  | 'forbidden'
  | 'too_many_attempts'
  | 'route_not_found'
  | 'invalid_json'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'bad_request'
  | 'database_refuses_writes'
  | 'internal_error';

/** Every `error.code` the API answers with: one list, so a new code is a deliberate change. */
export type ErrorCode = DomainErrorCode | HttpErrorCode | `${NotFoundEntity}_not_found`;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class ValidationError extends AppError {
  constructor(field: string, message: string, details: Record<string, unknown> = {}) {
    super('validation_error', message, 400, { field, ...details });
  }
}

export class NotFoundError extends AppError {
  constructor(entity: NotFoundEntity, id: number | string) {
    super(`${entity}_not_found`, `${entity.replace(/_/g, ' ')} ${id} not found`, 404, { id });
  }
}

export class ConflictError extends AppError {
  constructor(code: DomainErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, 409, details);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: DomainErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, 422, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(code: ErrorCode = 'unauthorized', message = 'authentication required') {
    super(code, message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(
    message = 'this action needs the admin role',
    code: ErrorCode = 'forbidden',
    details?: Record<string, unknown>,
  ) {
    super(code, message, 403, details);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super('too_many_attempts', message, 429, { retry_after_seconds: retryAfterSeconds });
  }
}
