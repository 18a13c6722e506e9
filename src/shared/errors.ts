/**
 * Typed domain errors with stable codes. The HTTP layer maps them to status codes in one place
 * (http/error-handler.ts); the web client maps the same codes back to words.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
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
  constructor(entity: string, id: number | string) {
    super(`${entity}_not_found`, `${entity.replace(/_/g, ' ')} ${id} not found`, 404, { id });
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 409, details);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 422, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(code = 'unauthorized', message = 'authentication required') {
    super(code, message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(
    message = 'this action needs the admin role',
    code = 'forbidden',
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
