import { existsSync, renameSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { lockRow } from '../db/row-lock.ts';
import type { DB } from '../db/schema.ts';
import type { IsolationForestModel } from '../detection/isolation-forest.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { bool, parseJson } from '../shared/db-values.ts';
import { NotFoundError, UnprocessableError } from '../shared/errors.ts';
import { MODEL_FILE_FORMAT } from './training-task.ts';

type VersionRow = Awaited<ReturnType<ReturnType<typeof selectVersions>['executeTakeFirstOrThrow']>>;

const selectVersions = (db: Kysely<DB>) =>
  db
    .selectFrom('ml_model_versions')
    .leftJoin('users', 'users.id', 'ml_model_versions.trained_by')
    .selectAll('ml_model_versions')
    .select('users.full_name as trained_by_name');

function toPublic(r: VersionRow) {
  return {
    id: r.id,
    instrument_id: r.instrument_id,
    tag: r.tag,
    version: r.version,
    trained_by: r.trained_by,
    trained_by_name: r.trained_by_name,
    trained_at: r.trained_at,
    windows_used: r.windows_used,
    contamination: r.contamination,
    threshold: r.threshold,
    feature_set_version: r.feature_set_version,
    is_active: bool(r.is_active),
    model_file: r.model_file,
    metrics: parseJson<Record<string, unknown>>(r.metrics),
  };
}
export type PublicModelVersion = ReturnType<typeof toPublic>;

/** Model versions of an instrument, newest first, and which one is active. */
export async function listModelVersions(
  db: Kysely<DB>,
  instrumentId: number,
  page: { limit: number; offset: number },
) {
  const base = selectVersions(db).where('ml_model_versions.instrument_id', '=', instrumentId);
  const { n } = await base
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await base
    .orderBy('ml_model_versions.version', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const active = await db
    .selectFrom('ml_model_versions')
    .select('version')
    .where('instrument_id', '=', instrumentId)
    .where('is_active', '=', 1)
    .executeTakeFirst();
  return {
    items: rows.map(toPublic),
    total: Number(n),
    limit: page.limit,
    offset: page.offset,
    active_version: active?.version ?? null,
  };
}

export interface NewModelVersion {
  instrumentId: number;
  tag: string;
  trainedBy: number | null;
  trainedAt: string;
  windowsUsed: number;
  contamination: number;
  threshold: number;
  featureSetVersion: number;
  metrics: Record<string, unknown>;
  /** The trained model, written by the worker (absolute path); renamed to models/<tag>/v<N>.json. */
  stagedFile: string;
}

const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);

/**
 * Stores a trained model as the instrument's next version and makes it the active one, audited, in
 * one transaction. Older versions stay (rollback). Two processes training the same instrument at once
 * both get a version: the loser of the unique (instrument, version) race takes the next number.
 */
export async function registerModelVersion(
  db: Kysely<DB>,
  dataDir: string,
  v: NewModelVersion,
  after: AfterCommit,
) {
  for (let attempt = 0; ; attempt++) {
    try {
      const registered = await db.transaction().execute(async (trx) => {
        await lockRow(trx, 'instruments', v.instrumentId);
        const last = await trx
          .selectFrom('ml_model_versions')
          .select((eb) => eb.fn.max('version').as('v'))
          .where('instrument_id', '=', v.instrumentId)
          .executeTakeFirst();
        const version = Number(last?.v ?? 0) + 1;
        const rel = path.join('models', v.tag, `v${version}.json`);
        const previous = await trx
          .updateTable('ml_model_versions')
          .set({ is_active: 0, updated_at: v.trainedAt })
          .where('instrument_id', '=', v.instrumentId)
          .where('is_active', '=', 1)
          .returning('version')
          .executeTakeFirst();
        const { id } = await trx
          .insertInto('ml_model_versions')
          .values({
            instrument_id: v.instrumentId,
            tag: v.tag,
            version,
            trained_at: v.trainedAt,
            trained_by: v.trainedBy,
            windows_used: v.windowsUsed,
            contamination: v.contamination,
            threshold: v.threshold,
            feature_set_version: v.featureSetVersion,
            is_active: 1,
            model_file: rel,
            metrics: JSON.stringify(v.metrics),
            created_at: v.trainedAt,
            updated_at: v.trainedAt,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const row = toPublic(
          await selectVersions(trx).where('ml_model_versions.id', '=', id).executeTakeFirstOrThrow(),
        );
        await recordAudit(trx, {
          userId: v.trainedBy,
          action: 'train',
          entityType: 'ml_model',
          entityId: id,
          oldValue: { active_version: previous?.version ?? null },
          newValue: { ...row, metrics: undefined },
          at: v.trainedAt,
        });
        // Last, so a failed insert leaves the staged file for the next attempt.
        renameSync(v.stagedFile, path.join(dataDir, rel));
        return row;
      });
      after.emit('model.activated', v.instrumentId);
      return registered;
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (attempt < 3 && UNIQUE_VIOLATION.has(code)) continue;
      throw e;
    }
  }
}

/** Makes an older (or any) version the active one: the rollback. Every process's scorer follows. */
export async function activateModelVersion(
  db: Kysely<DB>,
  dataDir: string,
  actorId: number,
  instrumentId: number,
  version: number,
  at: string,
  after: AfterCommit,
) {
  const activated = await db.transaction().execute(async (trx) => {
    // One instrument's trainings and activations queue here (see lockRow).
    await lockRow(trx, 'instruments', instrumentId);
    const target = await selectVersions(trx)
      .where('ml_model_versions.instrument_id', '=', instrumentId)
      .where('ml_model_versions.version', '=', version)
      .executeTakeFirst();
    if (!target) throw new NotFoundError('model_version', version);
    if (!existsSync(path.join(dataDir, target.model_file))) {
      throw new UnprocessableError(
        'ml_model_file_missing',
        `the file of model version ${version} (${target.model_file}) is missing from DATA_DIR`,
      );
    }
    const previous = await trx
      .updateTable('ml_model_versions')
      .set({ is_active: 0, updated_at: at })
      .where('instrument_id', '=', instrumentId)
      .where('is_active', '=', 1)
      .returning('version')
      .executeTakeFirst();
    await trx
      .updateTable('ml_model_versions')
      .set({ is_active: 1, updated_at: at })
      .where('id', '=', target.id)
      .execute();
    await recordAudit(trx, {
      userId: actorId,
      action: 'activate',
      entityType: 'ml_model',
      entityId: target.id,
      oldValue: { active_version: previous?.version ?? null },
      newValue: { active_version: version, tag: target.tag },
      at,
    });
    return toPublic({ ...target, is_active: 1 });
  });
  after.emit('model.activated', instrumentId);
  return activated;
}

export interface ActiveModelRow {
  instrument_id: number;
  version: number;
  model_file: string;
}

/** Active model versions of live instruments (one instrument, or all). */
export async function activeModelRows(db: Kysely<DB>, instrumentId?: number): Promise<ActiveModelRow[]> {
  let q = db
    .selectFrom('ml_model_versions')
    .innerJoin('instruments', 'instruments.id', 'ml_model_versions.instrument_id')
    .select(['ml_model_versions.instrument_id', 'ml_model_versions.version', 'ml_model_versions.model_file'])
    .where('ml_model_versions.is_active', '=', 1)
    .where('instruments.deleted_at', 'is', null);
  if (instrumentId !== undefined) q = q.where('ml_model_versions.instrument_id', '=', instrumentId);
  return q.execute();
}

export interface ModelFile {
  format: string;
  instrument_id: number;
  tag: string;
  feature_set_version: number;
  window_seconds: number;
  /** Sliding-window stride the model was trained with (feature set 3). */
  stride_seconds: number;
  /** Median training score: the clear threshold lies between it and the alert threshold. */
  score_p50: number;
  min_points: number;
  model: IsolationForestModel;
}

/** Reads a model file (path relative to DATA_DIR) and checks it is one of ours. */
export async function loadModelFile(dataDir: string, relPath: string): Promise<ModelFile> {
  const parsed = JSON.parse(await readFile(path.join(dataDir, relPath), 'utf8')) as ModelFile;
  if (parsed?.format !== MODEL_FILE_FORMAT || parsed.model?.algorithm !== 'isolation-forest') {
    throw new Error(`${relPath} is not a CBU CMMS Isolation Forest model file`);
  }
  return parsed;
}
