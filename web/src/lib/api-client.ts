import type { ApiErrorBody, DomainErrorCode, ErrorCode, HttpErrorCode } from './api-types.ts';
import { type EndReason, endSession, getToken } from './session.ts';

export type { ApiErrorBody, Page } from './api-types.ts';

// One way to talk to the API: bearer token from the session, JSON in and out, and the server's
// stable error codes turned into words a technician can act on. Messages are never matched.

/** Codes the web app gives a failure the server did not answer with a body. */
export type ClientErrorCode = 'network_error' | 'job_failed' | `http_${number}`;

/** Every `ApiError.code`: the server's union (src/shared/errors.ts) and the client's own. */
export type ApiErrorCode = ErrorCode | ClientErrorCode;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    readonly serverMessage: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(describe(code, serverMessage, details, status));
    this.name = 'ApiError';
  }

  /** The request field the server objected to, when it named one. */
  get field(): string | null {
    const f = this.details.field;
    return typeof f === 'string' ? f : null;
  }
}

const SESSION_CODES: Partial<Record<ApiErrorCode, EndReason>> = {
  token_expired: 'expired',
  token_invalid: 'expired',
  token_revoked: 'revoked',
  account_inactive: 'inactive',
};

/**
 * Words for every code the server has (not-found codes are worded from their entity below). Keyed
 * by the server's union, so a new code without an entry here fails typecheck: give it words, or
 * null where the server's own message says it well enough (or `describe` words it from details).
 */
const WORDS: Record<DomainErrorCode | HttpErrorCode, string | null> = {
  account_inactive: 'This account has been deactivated. Ask an administrator to reactivate it.',
  alert_has_no_instrument: null,
  alert_has_work_order: 'A work order already exists for this alert.',
  alert_invalid_transition:
    'This alert has already moved on (someone else may have acted on it). The list has been refreshed.',
  alert_resolved: 'This alert is already resolved.',
  already_signed: 'This record already has a signature with that meaning.',
  attachment_too_large: 'The file is larger than the attachment limit.',
  connector_kind_unavailable: null,
  connector_source_changed: 'This source was changed by someone else. Reload it and try again.',
  connector_source_already_disabled: 'This source is already disabled.',
  connector_source_already_enabled: 'This source is already enabled.',
  connector_source_name_taken: 'Another source already has this name.',
  connector_secret_unreadable: null,
  import_conflict: null,
  import_too_large: null,
  attachment_type_mismatch: 'The file content does not match its name or type.',
  attachment_type_not_allowed: 'Only PNG, JPEG, GIF, WebP images and PDF files can be attached.',
  bad_request: null,
  body_too_large: 'The request is too large.',
  calibration_already_corrected: 'That calibration was already corrected; correct the newer record instead.',
  calibration_before_work_order: 'That calibration was performed before this work order was opened.',
  calibration_correction_decided: null,
  calibration_correction_pending: null,
  calibration_import_invalid: null,
  calibration_not_approved: 'The calibration record must be approved by a second person first.',
  calibration_procedure_changed: null,
  calibration_procedure_name_taken: null,
  calibration_superseded: null,
  cannot_demote_self: 'You cannot deactivate your own account or change your own role.',
  database_refuses_writes: null,
  device_already_installed: null,
  device_installed: null,
  device_installed_elsewhere: 'This device is installed in another position; remove it there first.',
  device_retired: null,
  device_serial_taken: 'Another device already has this serial number.',
  employee_number_taken: 'Another user already has this employee number.',
  forbidden: 'This action needs the admin role.',
  gateway_username_taken: null,
  impact_assessment_completed: null,
  impact_assessment_open: 'Complete the impact assessment first.',
  installation_changed: null,
  instrument_changed_concurrently: null,
  instrument_has_readings: null,
  instrument_in_group: null,
  instrument_in_service: null,
  instrument_out_of_service: null,
  instrument_tag_taken: 'Another instrument already uses this tag.',
  internal_error: 'The server ran into a problem. Try again; if it keeps happening, tell your administrator.',
  invalid_credentials: 'Employee number or password is incorrect.',
  invalid_json: 'The request could not be read (invalid JSON).',
  ml_model_file_missing: null,
  ml_no_baseline: null, // described from its details below
  ml_too_few_windows: null, // described from its details below
  ml_training_in_progress: null, // described from its details below
  model_group_changed: null,
  model_group_conflict: null,
  model_group_members_differ: null,
  model_group_name_taken: null,
  model_group_no_common_baseline: null,
  model_group_not_enough_data: null,
  model_group_too_small: null,
  position_empty: null,
  position_occupied: 'A device is installed in this position: swap it or remove it first.',
  process_unit_in_use: 'Instruments still belong to this process unit. Move them to another unit first.',
  process_unit_name_taken: 'A process unit with this name already exists.',
  record_not_completed: null,
  record_superseded: null,
  reference_standard_certificate_changed: null,
  reference_standard_certificate_immutable: null,
  reference_standard_expired: null,
  reference_standard_identifier_taken: 'Another reference standard already uses this identifier.',
  reference_standard_not_yet_certified: null,
  reset_token_invalid: null,
  review_flag_reviewed: null,
  route_not_found: 'This function is not available on the server.',
  signature_needs_admin: 'Approving needs the admin role.',
  signature_not_performer: 'Only the person who performed the work signs it as performed.',
  signature_password_incorrect: 'The password does not match. A signature needs your own password.',
  signature_required: 'This needs your electronic signature: re-enter your password to sign.',
  signature_same_person: 'A second person must review or approve: you performed this work.',
  simulator_unavailable: null,
  simulator_unknown_tag: null,
  token_expired: 'Your session has expired — please log in again.',
  token_invalid: 'Your session is no longer valid — please log in again.',
  token_revoked: 'Your password was changed since you logged in — please log in again.',
  too_many_attempts: null, // described from its details below
  unauthorized: 'Please log in to continue.',
  unsupported_media_type: null,
  validation_error: null, // described from its details below
  work_order_changed: null,
  work_order_closed: 'This work order is already closed and can no longer change.',
  work_order_invalid_transition: null, // described from its details below
  work_order_not_assigned: null,
  work_request_decided: null,
};

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function humanField(field: string): string {
  return field.replace(/^(body|querystring|params)\./, '').replace(/[._]/g, ' ');
}

function describe(
  code: ApiErrorCode,
  message: string,
  details: Record<string, unknown>,
  status: number,
): string {
  if (code === 'too_many_attempts') {
    const secs = Number(details.retry_after_seconds);
    const mins = Number.isFinite(secs) ? Math.max(1, Math.ceil(secs / 60)) : null;
    return mins
      ? `Too many failed attempts. Try again in ${mins} minute${mins === 1 ? '' : 's'}.`
      : 'Too many failed attempts. Try again later.';
  }
  if (code === 'validation_error') {
    const field = typeof details.field === 'string' ? details.field : null;
    // The server says e.g. "body.points.0.as_found must be number"; say which field in words.
    const rest = message.replace(/^(body|querystring|params)\.[\w.]+\s*/, '');
    return field ? sentence(`${humanField(field)}: ${rest || 'is invalid'}`) : sentence(message);
  }
  if (code === 'work_order_invalid_transition' && details.from && details.to) {
    const word = (v: unknown) => String(v).replace(/_/g, ' ');
    return `A work order cannot go from “${word(details.from)}” to “${word(details.to)}”.`;
  }
  if (code === 'ml_no_baseline' || code === 'ml_too_few_windows') {
    const tag = typeof details.tag === 'string' ? details.tag : 'this instrument';
    const need = Number(details.required_seconds);
    const hours = Number.isFinite(need)
      ? ` (at least ${Math.max(1, Math.round(need / 3600))} h of readings)`
      : '';
    return code === 'ml_no_baseline'
      ? `No reference baseline is marked for ${tag}. On the Machine learning page, mark a time range when ${tag} ran normally${hours} as a baseline, then train.`
      : `The baselines of ${tag} hold too little clean data to train on. Mark a longer time range when ${tag} ran normally${hours} as a baseline, then train.`;
  }
  if (code === 'ml_training_in_progress')
    return 'A model for this instrument is already being trained; wait for that run to finish.';
  if (code === 'network_error') return 'Cannot reach the server. Check the network connection and try again.';
  const words = code in WORDS ? WORDS[code as keyof typeof WORDS] : null;
  if (words) return words;
  if (code.endsWith('_not_found')) {
    const what = code.replace(/_not_found$/, '').replace(/_/g, ' ');
    return `That ${what} was not found; it may have been removed.`;
  }
  if (status >= 500) return WORDS.internal_error ?? sentence(message);
  return sentence(message || `Request failed (${status})`);
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Skip the bearer token (login). */
  anonymous?: boolean;
}

async function send(path: string, opts: RequestOptions): Promise<{ res: Response; token: string | null }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let token: string | null = null;
  if (!opts.anonymous) {
    token = getToken();
    if (!token) throw new ApiError(401, 'token_expired', 'session expired');
    headers.authorization = `Bearer ${token}`;
  }
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  try {
    const res = await fetch(withQuery(path, opts.query), {
      method: opts.method ?? 'GET',
      headers,
      body,
      signal: opts.signal,
    });
    return { res, token };
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'network error');
  }
}

async function toError(res: Response, token: string | null): Promise<ApiError> {
  let parsed: ApiErrorBody | null = null;
  try {
    parsed = (await res.json()) as ApiErrorBody;
  } catch {
    parsed = null;
  }
  // The server answers with a code of its ErrorCode union (its body schema says string).
  const code: ApiErrorCode =
    (parsed?.error?.code as ErrorCode | undefined) ??
    (res.status >= 500 ? 'internal_error' : `http_${res.status}`);
  const err = new ApiError(
    res.status,
    code,
    parsed?.error?.message ?? res.statusText,
    detailsOf(parsed?.error?.details),
  );
  // A 401 on an authenticated call means the session is over: end it everywhere, with the reason
  // (unless the session was renewed while the request was in flight, e.g. after a password change).
  if (res.status === 401 && token && token === getToken()) endSession(SESSION_CODES[code] ?? 'expired');
  return err;
}

/** The error's details: an object on every error the server sends (its schema says unknown). */
function detailsOf(d: unknown): Record<string, unknown> {
  return typeof d === 'object' && d !== null ? (d as Record<string, unknown>) : {};
}

/** JSON request to the API. Throws ApiError with words for the user on any failure. */
export async function apiRequest<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const { res, token } = await send(path, opts);
  if (!res.ok) throw await toError(res, token);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export type DownloadResult = { kind: 'file'; name: string } | { kind: 'accepted'; body: unknown };

/**
 * A file from the API (CSV, PDF): fetched with the token, then saved through a temporary link.
 * A 202 (the server queued the export as a background job) is handed back instead.
 */
export async function downloadFile(
  path: string,
  query: Query,
  fallbackName: string,
): Promise<DownloadResult> {
  const { res, token } = await send(path, { query });
  if (!res.ok) throw await toError(res, token);
  if (res.status === 202) return { kind: 'accepted', body: await res.json() };
  const blob = await res.blob();
  const disposition = res.headers.get('content-disposition') ?? '';
  const match = disposition.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i);
  const name = match ? decodeURIComponent(match[1]) : fallbackName;
  saveBlob(blob, name);
  return { kind: 'file', name };
}

export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Any thrown value as a sentence for the screen. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return sentence(e.message);
  return 'Something went wrong.';
}
