import type { FastifyError, FastifyInstance } from 'fastify';
import { storageFault } from '../db/storage-faults.ts';
import { AppError, type ErrorCode } from '../shared/errors.ts';

interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** Maps every error to the one JSON shape; client mistakes are 4xx, and 5xx never leak internals. */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status = 500;
    let body: ErrorBody;
    if (err instanceof AppError) {
      status = err.status;
      body = {
        error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
      };
    } else if (err.validation) {
      status = 400;
      const first = err.validation[0];
      const field = fieldName(first?.instancePath, first?.params as Record<string, unknown> | undefined);
      const where = err.validationContext ?? 'body';
      const what = first?.keyword === 'additionalProperties' ? 'is not a known field' : first?.message;
      body = {
        error: {
          code: 'validation_error',
          message: field ? `${where}.${field} ${what ?? 'is invalid'}` : `${where} ${what ?? 'is invalid'}`,
          details: {
            field: field ?? null,
            location: where,
            issues: err.validation.map((v) => ({
              field: fieldName(v.instancePath, v.params as Record<string, unknown>),
              message: v.message,
            })),
          },
        },
      };
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, wrong content type, body too large, ...
      status = err.statusCode;
      body = { error: { code: clientCode(err), message: err.message } };
    } else if (storageFault(err)) {
      // The database refuses writes (full disk, read-only file): already logged once by name.
      status = 503;
      body = {
        error: {
          code: 'database_refuses_writes',
          message: `the database refuses writes (${storageFault(err)?.code}); try again once it is fixed`,
        },
      };
    } else {
      req.log.error({ err }, 'unhandled error');
      body = { error: { code: 'internal_error', message: 'internal server error' } };
    }
    if (status === 429 && err instanceof AppError && err.details?.retry_after_seconds) {
      reply.header('retry-after', String(err.details.retry_after_seconds));
    }
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send({ error: { code: 'route_not_found', message: `${req.method} ${req.url} does not exist` } });
  });
}

function fieldName(instancePath: string | undefined, params?: Record<string, unknown>): string | null {
  const path = (instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  // Name the property the client got wrong: a missing one, or an unknown one it sent.
  const missing = params?.missingProperty ?? params?.requiredProperties ?? params?.additionalProperty;
  const extra = Array.isArray(missing) ? missing[0] : missing;
  if (typeof extra === 'string') return path ? `${path}.${extra}` : extra;
  return path || null;
}

function clientCode(err: FastifyError): ErrorCode {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'invalid_json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    default:
      return 'bad_request';
  }
}
