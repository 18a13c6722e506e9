// Connector sources: create, change, enable/disable and delete, each audited in its transaction.
// A source's config is validated with its kind's schema; secret fields are sealed with the
// SecretBox before they are written and are never returned (the API shows which are set). Points
// are validated with the kind's point schema and must name live instruments.
//
// Enable and disable are UPDATEs guarded by the state they leave: of two racing requests one wins,
// the other gets 409. Every change emits 'connector_source.changed' after commit, so the manager
// (in whichever process runs connectors) restarts the source.

import type { Kysely } from 'kysely';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { recordAudit } from '../audit/audit-log.ts';
import type { ConnectorSourceRow, DB } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { bool, parseJson } from '../shared/db-values.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../shared/errors.ts';
import type { ConnectorKindSpec } from './kind-spec.ts';
import { connectorKind } from './registry.ts';
import { SecretBox } from './secret-box.ts';
import { CONNECTOR_KINDS, type ConnectorKind } from './types.ts';

const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);
export const MAX_POINTS = 5000;

export interface PublicSource {
  id: number;
  kind: string;
  name: string;
  enabled: boolean;
  /** The config without its secret fields. */
  config: Record<string, unknown>;
  /** Which secret fields hold a value (the values themselves never leave the server). */
  secrets_set: string[];
  points: Record<string, unknown>[];
  created_at: string;
  updated_at: string;
}

/** A source as the manager runs it: secrets decrypted. */
export interface RunnableSource {
  id: number;
  kind: ConnectorKind;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  points: Record<string, unknown>[];
}

const secretContext = (sourceId: number, field: string) => `connector_source:${sourceId}:${field}`;

function specOf(kind: string): ConnectorKindSpec {
  const spec = connectorKind(kind);
  if (!spec) {
    if ((CONNECTOR_KINDS as readonly string[]).includes(kind))
      throw new UnprocessableError(
        'connector_kind_unavailable',
        `the ${kind} connector is not part of this build`,
      );
    throw new ValidationError('kind', `kind must be one of ${CONNECTOR_KINDS.join(', ')}`);
  }
  return spec;
}

export function toPublicSource(row: ConnectorSourceRow): PublicSource {
  const spec = connectorKind(row.kind);
  const secretFields = new Set(spec?.secretFields ?? []);
  const stored = parseJson<Record<string, unknown>>(row.config) ?? {};
  const config: Record<string, unknown> = {};
  const secrets: string[] = [];
  for (const [k, v] of Object.entries(stored)) {
    if (secretFields.has(k) || SecretBox.isSealed(v)) secrets.push(k);
    else config[k] = v;
  }
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    enabled: bool(row.enabled),
    config,
    secrets_set: secrets.sort(),
    points: parseJson<Record<string, unknown>[]>(row.points) ?? [],
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The first problem of a value against a schema, as a 400 naming the field (`config.port`, `points[3].tag`). */
function check(schema: TSchema, value: unknown, field: string): void {
  const [e] = Value.Errors(schema, value);
  if (!e) return;
  const path = e.instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('');
  const params = e.params as { additionalProperties?: string[]; requiredProperties?: string[] };
  if (e.keyword === 'additionalProperties' && params.additionalProperties?.length)
    throw new ValidationError(
      `${field}${path}.${params.additionalProperties[0]}`,
      `${field}${path}: unknown field "${params.additionalProperties[0]}"`,
    );
  if (e.keyword === 'required' && params.requiredProperties?.length)
    throw new ValidationError(
      `${field}${path}.${params.requiredProperties[0]}`,
      `${field}${path}.${params.requiredProperties[0]} is required`,
    );
  throw new ValidationError(`${field}${path}`, `${field}${path} ${e.message}`);
}

/** The kind's cross-field checks (kind-spec.ts `problems`): the first as a 400 naming its field, all in `issues`. */
function checkProblems(spec: ConnectorKindSpec, config: Record<string, unknown>, points: unknown[]): void {
  const problems = spec.problems?.(config, points) ?? [];
  if (problems.length > 0)
    throw new ValidationError(problems[0].field, problems[0].message, { issues: problems });
}

async function checkPoints(db: Kysely<DB>, spec: ConnectorKindSpec, points: unknown): Promise<void> {
  if (!Array.isArray(points)) throw new ValidationError('points', 'points must be a list');
  if (points.length > MAX_POINTS)
    throw new ValidationError('points', `at most ${MAX_POINTS} points per source`);
  points.forEach((p, i) => {
    check(spec.pointSchema, p, `points[${i}]`);
  });
  const tags = [...new Set(points.map((p) => (p as { tag: string }).tag))];
  if (tags.length === 0) return;
  const live = new Set<string>();
  for (let i = 0; i < tags.length; i += 500) {
    const rows = await db
      .selectFrom('instruments')
      .select('tag')
      .where('deleted_at', 'is', null)
      .where('tag', 'in', tags.slice(i, i + 500))
      .execute();
    for (const r of rows) live.add(r.tag);
  }
  const missing = points.findIndex((p) => !live.has((p as { tag: string }).tag));
  if (missing !== -1)
    throw new ValidationError(
      `points[${missing}].tag`,
      `points[${missing}].tag: no instrument is tagged ${(points[missing] as { tag: string }).tag}`,
    );
}

/**
 * The config to store: validated (secrets included, in clear), then secret fields sealed. A secret
 * field left out of a change keeps its stored value; null removes it.
 */
function sealConfig(
  box: SecretBox,
  spec: ConnectorKindSpec,
  sourceId: number,
  given: Record<string, unknown>,
  stored: Record<string, unknown> | null,
): { sealed: string; clear: Record<string, unknown> } {
  const merged: Record<string, unknown> = { ...given };
  const keptSealed: Record<string, string> = {};
  for (const f of spec.secretFields) {
    if (merged[f] === null) delete merged[f];
    else if (merged[f] === undefined && stored && typeof stored[f] === 'string')
      keptSealed[f] = stored[f] as string;
  }
  // Validate with the kept secrets present in clear, so a required secret counts as given.
  const probe = { ...merged };
  for (const f of Object.keys(keptSealed)) probe[f] = box.open(keptSealed[f], secretContext(sourceId, f));
  check(spec.configSchema, probe, 'config');
  const out: Record<string, unknown> = { ...merged };
  for (const f of spec.secretFields) {
    if (typeof out[f] === 'string') out[f] = box.seal(out[f] as string, secretContext(sourceId, f));
  }
  Object.assign(out, keptSealed);
  return { sealed: JSON.stringify(out), clear: probe };
}

/** A stored config with its secrets opened where they can be (an unreadable one stays sealed: it is still set). */
function openedConfig(box: SecretBox, sourceId: number, stored: string): Record<string, unknown> {
  const config = parseJson<Record<string, unknown>>(stored) ?? {};
  for (const [k, v] of Object.entries(config)) {
    if (typeof v !== 'string' || !SecretBox.isSealed(v)) continue;
    try {
      config[k] = box.open(v, secretContext(sourceId, k));
    } catch {
      // Kept sealed: the checks only ask whether the secret is there.
    }
  }
  return config;
}

function asObject(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ValidationError(field, `${field} must be an object`);
  return v as Record<string, unknown>;
}

async function findLive(db: Kysely<DB>, id: number) {
  return db
    .selectFrom('connector_sources')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function getSource(db: Kysely<DB>, id: number): Promise<PublicSource> {
  const row = await findLive(db, id);
  if (!row) throw new NotFoundError('connector_source', id);
  return toPublicSource(row);
}

export async function listSources(db: Kysely<DB>): Promise<PublicSource[]> {
  const rows = await db
    .selectFrom('connector_sources')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('name')
    .execute();
  return rows.map(toPublicSource);
}

/** The source with its secrets decrypted, for the manager; null when deleted or unknown. */
export async function loadRunnableSource(
  db: Kysely<DB>,
  box: SecretBox,
  id: number,
): Promise<RunnableSource | null> {
  const row = await findLive(db, id);
  if (!row) return null;
  return runnable(box, row);
}

export function runnable(box: SecretBox, row: ConnectorSourceRow): RunnableSource {
  const config = parseJson<Record<string, unknown>>(row.config) ?? {};
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === 'string' && SecretBox.isSealed(v)) {
      try {
        config[k] = box.open(v, secretContext(row.id, k));
      } catch (e) {
        throw new UnprocessableError('connector_secret_unreadable', (e as Error).message, {
          field: `config.${k}`,
        });
      }
    }
  }
  return {
    id: row.id,
    kind: row.kind as ConnectorKind,
    name: row.name,
    enabled: bool(row.enabled),
    config,
    points: parseJson<Record<string, unknown>[]>(row.points) ?? [],
  };
}

export async function listEnabledSourceIds(db: Kysely<DB>): Promise<number[]> {
  const rows = await db
    .selectFrom('connector_sources')
    .select('id')
    .where('deleted_at', 'is', null)
    .where('enabled', '=', 1)
    .execute();
  return rows.map((r) => r.id);
}

export interface CreateSourceInput {
  kind: string;
  name: string;
  enabled?: boolean;
  config: unknown;
  points?: unknown;
}

function cleanName(name: string): string {
  const n = name.trim();
  if (!n) throw new ValidationError('name', 'name must not be blank');
  return n;
}

function nameTaken(e: unknown, name: string): never {
  if (UNIQUE_VIOLATION.has((e as { code?: string }).code ?? ''))
    throw new ConflictError(
      'connector_source_name_taken',
      `a connector source named ${name} already exists`,
      {
        field: 'name',
      },
    );
  throw e;
}

export async function createSource(
  db: Kysely<DB>,
  box: SecretBox,
  actorId: number | null,
  input: CreateSourceInput,
  now: Date,
  afterCommit: AfterCommit,
): Promise<PublicSource> {
  const spec = specOf(input.kind);
  const name = cleanName(input.name);
  const config = asObject(input.config, 'config');
  const points = input.points ?? [];
  // Validate before the insert (the id is needed only to seal).
  const given = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null));
  check(spec.configSchema, given, 'config');
  await checkPoints(db, spec, points);
  checkProblems(spec, given, points as unknown[]);
  try {
    const created = await db.transaction().execute(async (trx) => {
      const at = now.toISOString();
      const row = await trx
        .insertInto('connector_sources')
        .values({
          kind: input.kind,
          name,
          enabled: input.enabled ? 1 : 0,
          config: '{}',
          points: JSON.stringify(points),
          created_by: actorId,
          created_at: at,
          updated_at: at,
          deleted_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('connector_sources')
        .set({ config: sealConfig(box, spec, row.id, config, null).sealed })
        .where('id', '=', row.id)
        .execute();
      const source = await getSource(trx, row.id);
      await recordAudit(trx, {
        userId: actorId,
        action: 'create',
        entityType: 'connector_source',
        entityId: row.id,
        newValue: source,
        at,
      });
      return source;
    });
    afterCommit.emit('connector_source.changed', created.id);
    return created;
  } catch (e) {
    return nameTaken(e, name);
  }
}

export interface UpdateSourceInput {
  name?: string;
  config?: unknown;
  points?: unknown;
}

/** Changes name, config and/or points; guarded by the row's updated_at, so a concurrent edit is 409. */
export async function updateSource(
  db: Kysely<DB>,
  box: SecretBox,
  actorId: number,
  id: number,
  input: UpdateSourceInput,
  now: Date,
  afterCommit: AfterCommit,
): Promise<PublicSource> {
  const before = await findLive(db, id);
  if (!before) throw new NotFoundError('connector_source', id);
  const spec = specOf(before.kind);
  const set: { name?: string; config?: string; points?: string; updated_at: string } = {
    updated_at: now.toISOString(),
  };
  if (input.name !== undefined) set.name = cleanName(input.name);
  let clearConfig: Record<string, unknown> | null = null;
  if (input.config !== undefined) {
    const sealed = sealConfig(
      box,
      spec,
      id,
      asObject(input.config, 'config'),
      parseJson<Record<string, unknown>>(before.config),
    );
    set.config = sealed.sealed;
    clearConfig = sealed.clear;
  }
  if (input.points !== undefined) {
    await checkPoints(db, spec, input.points);
    set.points = JSON.stringify(input.points);
  }
  if (input.config !== undefined || input.points !== undefined)
    checkProblems(
      spec,
      clearConfig ?? openedConfig(box, id, before.config),
      (input.points as unknown[] | undefined) ?? parseJson<unknown[]>(before.points) ?? [],
    );
  try {
    const updated = await db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('connector_sources')
        .set(set)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .where('updated_at', '=', before.updated_at)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1)
        throw new ConflictError(
          'connector_source_changed',
          `connector source ${id} was changed meanwhile: reload it`,
        );
      const after = await getSource(trx, id);
      await recordAudit(trx, {
        userId: actorId,
        action: 'update',
        entityType: 'connector_source',
        entityId: id,
        oldValue: toPublicSource(before),
        newValue: after,
        at: set.updated_at,
      });
      return after;
    });
    afterCommit.emit('connector_source.changed', id);
    return updated;
  } catch (e) {
    return nameTaken(e, set.name ?? before.name);
  }
}

/** enable / disable: one guarded UPDATE, so of two racing requests exactly one wins. */
export async function setSourceEnabled(
  db: Kysely<DB>,
  actorId: number | null,
  id: number,
  enabled: boolean,
  now: Date,
  afterCommit: AfterCommit,
): Promise<PublicSource> {
  const changed = await db.transaction().execute(async (trx) => {
    const at = now.toISOString();
    const res = await trx
      .updateTable('connector_sources')
      .set({ enabled: enabled ? 1 : 0, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('enabled', '=', enabled ? 0 : 1)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      await getSource(trx, id); // 404 when it does not exist
      throw new ConflictError(
        enabled ? 'connector_source_already_enabled' : 'connector_source_already_disabled',
        `connector source ${id} is already ${enabled ? 'enabled' : 'disabled'}`,
      );
    }
    const after = await getSource(trx, id);
    await recordAudit(trx, {
      userId: actorId,
      action: enabled ? 'enable' : 'disable',
      entityType: 'connector_source',
      entityId: id,
      oldValue: { enabled: !enabled },
      newValue: { enabled },
      at,
    });
    return after;
  });
  afterCommit.emit('connector_source.changed', id);
  return changed;
}

export async function deleteSource(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  now: Date,
  after: AfterCommit,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await findLive(trx, id);
    if (!before) throw new NotFoundError('connector_source', id);
    const at = now.toISOString();
    const res = await trx
      .updateTable('connector_sources')
      .set({ deleted_at: at, enabled: 0, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new NotFoundError('connector_source', id);
    await recordAudit(trx, {
      userId: actorId,
      action: 'delete',
      entityType: 'connector_source',
      entityId: id,
      oldValue: toPublicSource(before),
      at,
    });
  });
  after.emit('connector_source.changed', id);
}

/** Validates a config for a one-off test without storing it (secrets kept from the stored source). */
export function testableConfig(
  box: SecretBox,
  kind: string,
  sourceId: number | null,
  given: unknown,
  stored: ConnectorSourceRow | null,
): Record<string, unknown> {
  const spec = specOf(kind);
  const config = { ...asObject(given, 'config') };
  if (stored) {
    const sealed = parseJson<Record<string, unknown>>(stored.config) ?? {};
    for (const f of spec.secretFields) {
      if (config[f] === undefined && typeof sealed[f] === 'string' && sourceId !== null)
        config[f] = box.open(sealed[f] as string, secretContext(sourceId, f));
      if (config[f] === null) delete config[f];
    }
  }
  check(spec.configSchema, config, 'config');
  checkProblems(spec, config, []);
  return config;
}

export { findLive as findLiveSource, specOf as connectorSpecOf };
