import {
  type TLiteral,
  type TObjectOptions,
  type TProperties,
  type TSchema,
  type TUnion,
  Type,
} from 'typebox';

// Shared schema pieces: ids, timestamps, pagination and the error body, used by every route.

/** The largest id a PostgreSQL `serial` holds: a bigger one is a 400, not a database error. */
export const MAX_ID = 2_147_483_647;
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID });
export const IdParams = Type.Object({ id: Id });
export const Timestamp = Type.String({ format: 'date-time' });
export const DateOnly = Type.String({ format: 'date' });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/**
 * One of a fixed list of strings (`anyOf` of consts), typed as the union of the list: a plain
 * `Type.Union(list.map(Type.Literal))` types as `never`, which hides the field from the handlers
 * and from the web app's types (web/src/lib/api-types.ts).
 */
export const Literals = <const T extends readonly string[]>(
  values: T,
): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> =>
  Type.Union(values.map((v) => Type.Literal(v))) as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;

/** Deeper than any list gets; keeps OFFSET inside what both databases take. */
export const MAX_OFFSET = 1_000_000_000;

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 })),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
  });

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});

/** Error responses every authenticated route can give, for the OpenAPI document. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  422: ErrorBody,
};

export const Ok = Type.Object({ ok: Type.Boolean() });

/** A `date-time` query value as the stored form (ISO 8601 UTC), so any offset compares correctly. */
export const toUtc = (v?: string): string | undefined => (v ? new Date(v).toISOString() : undefined);

/**
 * A request body object: unknown properties are a 400 naming them, never silently dropped or
 * passed through to a service (request-validation.ts refuses to start a route whose body allows them).
 */
export const StrictObject = <T extends TProperties>(props: T, opts: TObjectOptions = {}) =>
  Type.Object(props, { ...opts, additionalProperties: false });

/** A PATCH body: every field optional, at least one given, no unknown ones. */
export const StrictPatch = <T extends TProperties>(props: T) =>
  Type.Partial(Type.Object(props), { minProperties: 1, additionalProperties: false });
