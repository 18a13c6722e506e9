import { Ajv, type Options, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its request schemas, for the strict-body test and the docs. */
    routeSchemas: { method: string; url: string; schema: FastifySchema | undefined }[];
  }
}

const addFormats = ajvFormats.default;
const common: Options = { useDefaults: true, allErrors: false, strictNumbers: true, addUsedSchema: false };

/**
 * One validator per part of the request. JSON bodies are typed already, so they are never coerced
 * (`"45"` is not 45, `true` is not 1) and never trimmed of unknown fields: an unknown field is a 400
 * naming it. Query strings and path params are text by nature and still need number/boolean
 * coercion. `ajv-formats` in full mode checks calendar dates (no 2026-02-30, no hour 25).
 */
export function installRequestValidation(app: FastifyInstance) {
  const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false, removeAdditional: false }), {
    mode: 'full',
  });
  const textAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array', removeAdditional: true }), {
    mode: 'full',
  });
  for (const ajv of [bodyAjv, textAjv]) ajv.addFormat(DATE_OR_TIME, isCalendarDateOrTime);

  app.decorate('routeSchemas', []);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods)
      if (m !== 'HEAD') app.routeSchemas.push({ method: m, url: route.url, schema: route.schema });
  });

  app.setValidatorCompiler(({ schema, method, url, httpPart }) => {
    if (httpPart !== 'body') return finiteOnly(textAjv.compile(schema));
    // A body object that allows unknown properties would let a client write columns the route
    // never meant to expose (created_at, id): refuse to start rather than serve such a route.
    const open = openObjects(schema);
    if (open.length > 0) {
      throw new Error(
        `route ${method} ${url}: body object at ${open.join(', ')} must set additionalProperties: false`,
      );
    }
    return bodyAjv.compile(schema);
  });
}

/**
 * Ajv coerces the text `1e309` to Infinity and then skips minimum/maximum (they only test finite
 * numbers), so a coerced Infinity would reach the database: refuse it here, naming the field.
 */
function finiteOnly(check: ValidateFunction): ValidateFunction {
  const validate = ((data: unknown, ctx?: Parameters<ValidateFunction>[1]) => {
    if (!check(data, ctx)) {
      validate.errors = check.errors;
      return false;
    }
    const bad =
      typeof data === 'object' && data !== null ? nonFiniteKey(data as Record<string, unknown>) : null;
    validate.errors =
      bad === null
        ? null
        : [
            {
              instancePath: `/${bad}`,
              schemaPath: '',
              keyword: 'type',
              params: {},
              message: 'must be a finite number',
            },
          ];
    return bad === null;
  }) as ValidateFunction;
  validate.schemaEnv = check.schemaEnv;
  return validate;
}

function nonFiniteKey(o: Record<string, unknown>): string | null {
  for (const [k, v] of Object.entries(o)) {
    const values = Array.isArray(v) ? v : [v];
    if (values.some((x) => typeof x === 'number' && !Number.isFinite(x))) return k;
  }
  return null;
}

/** A format for values that may be a day or an instant (report periods): both must exist. */
export const DATE_OR_TIME = 'date-or-date-time';

const DAY_OR_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/i;

/** YYYY-MM-DD or an ISO 8601 date-time on a real calendar day and clock time (no 02-30, no 25:00). */
export function isCalendarDateOrTime(v: string): boolean {
  const m = DAY_OR_INSTANT.exec(v);
  if (!m) return false;
  const [y, mo, d, h, mi, s, oh, om] = m.slice(1).map((x) => Number(x ?? 0));
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return (
    mo >= 1 &&
    mo <= 12 &&
    d >= 1 &&
    d <= daysInMonth &&
    h <= 23 &&
    mi <= 59 &&
    s <= 59 &&
    oh <= 23 &&
    om <= 59
  );
}

/** JSON pointers of every object schema (at any depth) that does not forbid unknown properties. */
export function openObjects(schema: unknown, at = '#'): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Record<string, unknown>;
  const out: string[] = [];
  const isObject = s.type === 'object' || (s.type === undefined && (s.properties || s.patternProperties));
  if (isObject && s.additionalProperties !== false) out.push(at);
  const children = (key: string, v: unknown) => {
    if (Array.isArray(v)) {
      for (const [i, c] of v.entries()) out.push(...openObjects(c, `${at}/${key}/${i}`));
    } else if (v && typeof v === 'object') out.push(...openObjects(v, `${at}/${key}`));
  };
  for (const key of ['items', 'additionalProperties', 'not', 'anyOf', 'oneOf', 'allOf', 'prefixItems'])
    if (key in s) children(key, s[key]);
  for (const key of ['properties', 'patternProperties']) {
    const props = s[key] as Record<string, unknown> | undefined;
    if (props)
      for (const [name, p] of Object.entries(props)) out.push(...openObjects(p, `${at}/${key}/${name}`));
  }
  return out;
}
