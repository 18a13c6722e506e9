// Model groups (issue 11): which instruments are modelled together, their trained versions and the
// active one. An admin defines a group from a list of instruments or from a process unit; training
// reads the members' baselines (where all of them have one), builds the group model
// (group-model.ts), stores it as the next version and activates it, audited, in one transaction.
// Changing the members makes the active model meaningless (its columns are the old members): the
// change deactivates it, and the group waits for the next training.
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { lockRow } from '../db/row-lock.ts';
import type { DB } from '../db/schema.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { bool, parseJson } from '../shared/db-values.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../shared/errors.ts';
import { baselinesOf } from './baseline-service.ts';
import { commonRanges, type GroupModel, groupModelMetrics, trainGroupModel } from './group-model.ts';
import { windowAggregates } from './reading-windows.ts';

export const MIN_GROUP_MEMBERS = 2;
export const MAX_GROUP_MEMBERS = 32;

export interface GroupInput {
  name: string;
  description?: string | null;
  process_unit_id?: number | null;
  instrument_ids?: number[];
  drift_window_seconds?: number;
  anomaly_window_samples?: number;
}

export interface GroupPatch {
  name?: string;
  description?: string | null;
  instrument_ids?: number[];
  drift_window_seconds?: number;
  anomaly_window_samples?: number;
  is_enabled?: boolean;
}

const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const isUnique = (e: unknown) => UNIQUE_VIOLATION.has((e as { code?: string }).code ?? '');

async function membersOf(db: Kysely<DB>, groupIds: readonly number[]) {
  if (groupIds.length === 0) return new Map<number, { id: number; tag: string }[]>();
  const rows = await db
    .selectFrom('model_group_members as m')
    .innerJoin('instruments as i', 'i.id', 'm.instrument_id')
    .select(['m.group_id', 'i.id', 'i.tag', 'm.position'])
    .where('m.group_id', 'in', groupIds)
    .orderBy('m.position')
    .execute();
  const out = new Map<number, { id: number; tag: string }[]>();
  for (const r of rows) {
    const list = out.get(r.group_id) ?? [];
    list.push({ id: r.id, tag: r.tag });
    out.set(r.group_id, list);
  }
  return out;
}

const selectGroups = (db: Kysely<DB>) =>
  db
    .selectFrom('model_groups as g')
    .leftJoin('model_group_versions as v', (j) =>
      j.onRef('v.group_id', '=', 'g.id').on('v.is_active', '=', 1),
    )
    .leftJoin('process_units as u', 'u.id', 'g.process_unit_id')
    .selectAll('g')
    .select([
      'v.version as active_version',
      'v.trained_at as active_trained_at',
      'u.name as process_unit_name',
    ]);

type GroupRow = Awaited<ReturnType<ReturnType<typeof selectGroups>['executeTakeFirstOrThrow']>>;

function toPublic(r: GroupRow, members: { id: number; tag: string }[]) {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    process_unit_id: r.process_unit_id,
    process_unit_name: r.process_unit_name ?? null,
    drift_window_seconds: r.drift_window_seconds,
    anomaly_window_samples: r.anomaly_window_samples,
    is_enabled: bool(r.is_enabled),
    members,
    active_version: r.active_version ?? null,
    active_trained_at: r.active_trained_at ?? null,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
export type PublicGroup = ReturnType<typeof toPublic>;

export async function listGroups(db: Kysely<DB>, page: { limit: number; offset: number }) {
  const { n } = await db
    .selectFrom('model_groups')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await selectGroups(db).orderBy('g.name').limit(page.limit).offset(page.offset).execute();
  const members = await membersOf(
    db,
    rows.map((r) => r.id),
  );
  return {
    items: rows.map((r) => toPublic(r, members.get(r.id) ?? [])),
    total: Number(n),
    limit: page.limit,
    offset: page.offset,
  };
}

export async function getGroup(db: Kysely<DB>, id: number): Promise<PublicGroup> {
  const row = await selectGroups(db).where('g.id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('model_group', id);
  return toPublic(row, (await membersOf(db, [id])).get(id) ?? []);
}

/** The member list of a new or changed group: explicit ids, or the live instruments of a unit. */
async function resolveMembers(
  db: Kysely<DB>,
  ids: number[] | undefined,
  processUnitId: number | null | undefined,
): Promise<number[]> {
  let members = ids;
  if (members === undefined) {
    if (processUnitId === undefined || processUnitId === null) {
      throw new ValidationError('instrument_ids', 'give instrument_ids or a process_unit_id');
    }
    const rows = await db
      .selectFrom('instruments')
      .select('id')
      .where('process_unit_id', '=', processUnitId)
      .where('deleted_at', 'is', null)
      .orderBy('tag')
      .execute();
    members = rows.map((r) => r.id);
  }
  if (new Set(members).size !== members.length) {
    throw new ValidationError('instrument_ids', 'an instrument is listed twice');
  }
  if (members.length < MIN_GROUP_MEMBERS || members.length > MAX_GROUP_MEMBERS) {
    throw new ValidationError(
      'instrument_ids',
      `a model group has ${MIN_GROUP_MEMBERS} to ${MAX_GROUP_MEMBERS} instruments (got ${members.length})`,
    );
  }
  const found = await db
    .selectFrom('instruments')
    .select('id')
    .where('id', 'in', members)
    .where('deleted_at', 'is', null)
    .execute();
  const missing = members.filter((id) => !found.some((f) => f.id === id));
  if (missing.length > 0) {
    throw new ValidationError('instrument_ids', `no instrument with id ${missing.join(', ')}`, { missing });
  }
  return members;
}

async function checkProcessUnit(db: Kysely<DB>, id: number | null | undefined) {
  if (id === undefined || id === null) return;
  const u = await db.selectFrom('process_units').select('id').where('id', '=', id).executeTakeFirst();
  if (!u) throw new ValidationError('process_unit_id', `no process unit with id ${id}`);
}

/** Inserts the member rows; an instrument already in another group is a 409 naming it. */
async function writeMembers(trx: Kysely<DB>, groupId: number, ids: readonly number[]) {
  const taken = await trx
    .selectFrom('model_group_members as m')
    .innerJoin('model_groups as g', 'g.id', 'm.group_id')
    .innerJoin('instruments as i', 'i.id', 'm.instrument_id')
    .select(['i.tag', 'g.name'])
    .where('m.instrument_id', 'in', ids)
    .where('m.group_id', '<>', groupId)
    .execute();
  if (taken.length > 0) {
    throw new ConflictError(
      'instrument_in_group',
      `${taken.map((t) => `${t.tag} is in group "${t.name}"`).join('; ')}: an instrument belongs to one model group`,
      { instruments: taken.map((t) => t.tag) },
    );
  }
  await trx.deleteFrom('model_group_members').where('group_id', '=', groupId).execute();
  await trx
    .insertInto('model_group_members')
    .values(ids.map((instrument_id, position) => ({ group_id: groupId, instrument_id, position })))
    .execute();
}

function conflictOf(e: unknown, name: string): never {
  if (isUnique(e)) {
    throw new ConflictError(
      'model_group_conflict',
      `a model group named "${name}" exists, or one of the instruments joined another group meanwhile`,
    );
  }
  throw e;
}

export async function createGroup(
  db: Kysely<DB>,
  actorId: number,
  input: GroupInput,
  at: string,
  after: AfterCommit,
) {
  await checkProcessUnit(db, input.process_unit_id);
  const members = await resolveMembers(db, input.instrument_ids, input.process_unit_id);
  const id = await db
    .transaction()
    .execute(async (trx) => {
      const dup = await trx
        .selectFrom('model_groups')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['name']), '=', input.name.toLowerCase()))
        .executeTakeFirst();
      if (dup)
        throw new ConflictError('model_group_name_taken', `a model group named "${input.name}" exists`);
      const { id } = await trx
        .insertInto('model_groups')
        .values({
          name: input.name,
          description: input.description ?? null,
          process_unit_id: input.process_unit_id ?? null,
          drift_window_seconds: input.drift_window_seconds ?? 3600,
          anomaly_window_samples: input.anomaly_window_samples ?? 5,
          created_by: actorId,
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await writeMembers(trx, id, members);
      await recordAudit(trx, {
        userId: actorId,
        action: 'create',
        entityType: 'model_group',
        entityId: id,
        newValue: { ...input, instrument_ids: members },
        at,
      });
      return id;
    })
    .catch((e) => conflictOf(e, input.name));
  after.emit('model_group.changed', id);
  return getGroup(db, id);
}

export async function updateGroup(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  patch: GroupPatch,
  at: string,
  after: AfterCommit,
) {
  const before = await getGroup(db, id);
  const members =
    patch.instrument_ids === undefined
      ? undefined
      : await resolveMembers(db, patch.instrument_ids, undefined);
  const membersChanged =
    members !== undefined &&
    (members.length !== before.members.length || members.some((m, i) => before.members[i].id !== m));
  const windowsChanged =
    (patch.drift_window_seconds !== undefined &&
      patch.drift_window_seconds !== before.drift_window_seconds) ||
    (patch.anomaly_window_samples !== undefined &&
      patch.anomaly_window_samples !== before.anomaly_window_samples);
  await db
    .transaction()
    .execute(async (trx) => {
      if (patch.name !== undefined && patch.name.toLowerCase() !== before.name.toLowerCase()) {
        const dup = await trx
          .selectFrom('model_groups')
          .select('id')
          .where((eb) => eb(eb.fn('lower', ['name']), '=', patch.name?.toLowerCase() ?? ''))
          .where('id', '<>', id)
          .executeTakeFirst();
        if (dup)
          throw new ConflictError('model_group_name_taken', `a model group named "${patch.name}" exists`);
      }
      const res = await trx
        .updateTable('model_groups')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.drift_window_seconds !== undefined
            ? { drift_window_seconds: patch.drift_window_seconds }
            : {}),
          ...(patch.anomaly_window_samples !== undefined
            ? { anomaly_window_samples: patch.anomaly_window_samples }
            : {}),
          ...(patch.is_enabled !== undefined ? { is_enabled: patch.is_enabled ? 1 : 0 } : {}),
          updated_at: at,
        })
        .where('id', '=', id)
        .where('updated_at', '=', before.updated_at)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) {
        throw new ConflictError('model_group_changed', 'the model group changed meanwhile: reload and retry');
      }
      if (members !== undefined && membersChanged) await writeMembers(trx, id, members);
      // The active model's columns (members) or windows no longer match: it stops until retrained.
      if (membersChanged || windowsChanged) {
        await trx
          .updateTable('model_group_versions')
          .set({ is_active: 0, updated_at: at })
          .where('group_id', '=', id)
          .where('is_active', '=', 1)
          .execute();
      }
      await recordAudit(trx, {
        userId: actorId,
        action: 'update',
        entityType: 'model_group',
        entityId: id,
        oldValue: { ...before, members: before.members.map((m) => m.id) },
        newValue: patch,
        at,
      });
    })
    .catch((e) => conflictOf(e, patch.name ?? before.name));
  after.emit('model_group.changed', id);
  return getGroup(db, id);
}

/**
 * Deletes a group, its members and versions, inside the caller's transaction (the group's detector
 * checkpoint, which monitoring owns, goes in the same one: src/workflows/delete-model-group.ts).
 */
export async function deleteGroup(
  trx: Kysely<DB>,
  actorId: number,
  id: number,
  at: string,
  after: AfterCommit,
): Promise<void> {
  const before = await getGroup(trx, id);
  await trx.deleteFrom('model_group_versions').where('group_id', '=', id).execute();
  await trx.deleteFrom('model_group_members').where('group_id', '=', id).execute();
  const res = await trx.deleteFrom('model_groups').where('id', '=', id).executeTakeFirst();
  if (Number(res.numDeletedRows) !== 1) throw new NotFoundError('model_group', id);
  await recordAudit(trx, {
    userId: actorId,
    action: 'delete',
    entityType: 'model_group',
    entityId: id,
    oldValue: { ...before, members: before.members.map((m) => m.id) },
    at,
  });
  after.emit('model_group.changed', id);
}

const selectVersions = (db: Kysely<DB>) =>
  db
    .selectFrom('model_group_versions as v')
    .leftJoin('users as u', 'u.id', 'v.trained_by')
    .select([
      'v.id',
      'v.group_id',
      'v.version',
      'v.trained_at',
      'v.trained_by',
      'u.full_name as trained_by_name',
      'v.member_ids',
      'v.metrics',
      'v.is_active',
    ]);

type VersionRow = Awaited<ReturnType<ReturnType<typeof selectVersions>['executeTakeFirstOrThrow']>>;

function versionToPublic(r: VersionRow) {
  return {
    id: r.id,
    group_id: r.group_id,
    version: r.version,
    trained_at: r.trained_at,
    trained_by: r.trained_by,
    trained_by_name: r.trained_by_name ?? null,
    member_ids: parseJson<number[]>(r.member_ids) ?? [],
    metrics: parseJson<Record<string, unknown>>(r.metrics) ?? {},
    is_active: bool(r.is_active),
  };
}
export type PublicGroupVersion = ReturnType<typeof versionToPublic>;

export async function listGroupVersions(
  db: Kysely<DB>,
  groupId: number,
  page: { limit: number; offset: number },
) {
  await getGroup(db, groupId);
  const { n } = await db
    .selectFrom('model_group_versions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('group_id', '=', groupId)
    .executeTakeFirstOrThrow();
  const rows = await selectVersions(db)
    .where('v.group_id', '=', groupId)
    .orderBy('v.version', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return { items: rows.map(versionToPublic), total: Number(n), limit: page.limit, offset: page.offset };
}

/** Reads the members' common baseline and builds the group model (throws 422 when nothing trains). */
async function buildModel(db: Kysely<DB>, group: PublicGroup): Promise<GroupModel> {
  if (group.members.length < MIN_GROUP_MEMBERS) {
    throw new UnprocessableError('model_group_too_small', 'a model group needs at least two instruments');
  }
  const rows = await db
    .selectFrom('instruments')
    .select(['id', 'tag', 'publish_interval_seconds'])
    .where(
      'id',
      'in',
      group.members.map((m) => m.id),
    )
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const members = group.members.map((m) => byId.get(m.id)).filter((r) => r !== undefined);
  const perMember = await Promise.all(
    members.map(async (m) =>
      (await baselinesOf(db, m.id)).map((b) => [Date.parse(b.start), Date.parse(b.end)] as [number, number]),
    ),
  );
  const ranges = commonRanges(perMember);
  if (ranges.length === 0) {
    const without = members.filter((_, j) => perMember[j].length === 0).map((m) => m.tag);
    throw new UnprocessableError(
      'model_group_no_common_baseline',
      without.length > 0
        ? `mark a baseline for ${without.join(', ')} first: a group trains where all its members have one`
        : 'the members’ baselines do not overlap: a group trains where all its members have one',
      { without_baseline: without },
    );
  }
  const driftWindowSeconds = group.drift_window_seconds;
  const driftAgg = await Promise.all(
    members.map((m) => windowAggregates(db, m.id, ranges, driftWindowSeconds)),
  );
  // What the baseline actually holds: history may be stored thinner than the live publish interval
  // (a backfill at one reading a minute). A window needs half the member's typical count, and the
  // anomaly model's sample period is the coarsest member's spacing, so live scoring (which buckets
  // by that period) sees windows like the ones it was trained on.
  const covered = ranges.reduce((sum, [from, to]) => sum + (to - from) / 1000, 0);
  const spacing = members.map((m, j) => {
    const n = driftAgg[j].reduce((sum, w) => sum + w.n, 0);
    return n > 0 ? Math.max(m.publish_interval_seconds, covered / n) : m.publish_interval_seconds;
  });
  const samplePeriodSeconds = Math.max(
    ...members.map((m) => m.publish_interval_seconds),
    ...spacing.map((s) => Math.round(s)),
  );
  const sampleAgg = await Promise.all(
    members.map((m) => windowAggregates(db, m.id, ranges, samplePeriodSeconds)),
  );
  const model = trainGroupModel({
    tags: members.map((m) => m.tag),
    samplePeriodSeconds,
    driftWindowSeconds,
    anomalyWindowSamples: group.anomaly_window_samples,
    driftWindows: driftAgg.map((a) => new Map(a.map((w) => [w.bucket, { n: w.n, avg: w.avg }]))),
    driftMinSamples: spacing.map((sp) => Math.max(1, Math.floor((0.5 * driftWindowSeconds) / sp))),
    samples: sampleAgg.map((a) => new Map(a.map((w) => [w.bucket, w.avg]))),
  });
  if (!model.drift && !model.anomaly) {
    throw new UnprocessableError('model_group_not_enough_data', model.notes.join('; '), {
      notes: model.notes,
    });
  }
  return model;
}

/** Trains the group on its members' common baseline, stores the next version and activates it. */
export async function trainGroup(
  db: Kysely<DB>,
  actorId: number,
  groupId: number,
  at: string,
  after: AfterCommit,
) {
  const group = await getGroup(db, groupId);
  const model = await buildModel(db, group);
  const metrics = groupModelMetrics(model);
  const memberIds = group.members.map((m) => m.id);
  for (let attempt = 0; ; attempt++) {
    try {
      const id = await db.transaction().execute(async (trx) => {
        await lockRow(trx, 'model_groups', groupId);
        // The members must be the ones trained on: a concurrent edit makes this training stale.
        const now = await trx
          .selectFrom('model_group_members')
          .select('instrument_id')
          .where('group_id', '=', groupId)
          .orderBy('position')
          .execute();
        if (now.map((r) => r.instrument_id).join(',') !== memberIds.join(',')) {
          throw new ConflictError(
            'model_group_changed',
            'the group’s members changed during training: train again',
          );
        }
        const last = await trx
          .selectFrom('model_group_versions')
          .select((eb) => eb.fn.max('version').as('v'))
          .where('group_id', '=', groupId)
          .executeTakeFirst();
        const version = Number(last?.v ?? 0) + 1;
        await trx
          .updateTable('model_group_versions')
          .set({ is_active: 0, updated_at: at })
          .where('group_id', '=', groupId)
          .where('is_active', '=', 1)
          .execute();
        const { id } = await trx
          .insertInto('model_group_versions')
          .values({
            group_id: groupId,
            version,
            trained_at: at,
            trained_by: actorId,
            member_ids: JSON.stringify(memberIds),
            model: JSON.stringify(model),
            metrics: JSON.stringify(metrics),
            is_active: 1,
            created_at: at,
            updated_at: at,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await recordAudit(trx, {
          userId: actorId,
          action: 'train',
          entityType: 'model_group',
          entityId: groupId,
          newValue: { version, members: memberIds, metrics },
          at,
        });
        return id;
      });
      after.emit('model_group.changed', groupId);
      const row = await selectVersions(db).where('v.id', '=', id).executeTakeFirstOrThrow();
      return versionToPublic(row);
    } catch (e) {
      if (attempt < 3 && isUnique(e)) continue;
      throw e;
    }
  }
}

/** Makes a version the active one (rollback); its members must still be the group's. */
export async function activateGroupVersion(
  db: Kysely<DB>,
  actorId: number,
  groupId: number,
  version: number,
  at: string,
  after: AfterCommit,
) {
  await getGroup(db, groupId);
  const target = await selectVersions(db)
    .where('v.group_id', '=', groupId)
    .where('v.version', '=', version)
    .executeTakeFirst();
  if (!target) throw new NotFoundError('model_group_version', version);
  const members = parseJson<number[]>(target.member_ids) ?? [];
  try {
    await db.transaction().execute(async (trx) => {
      // Activations and trainings of one group queue here: without it, two on PostgreSQL could
      // deadlock on each other's version rows and the one-active index.
      await lockRow(trx, 'model_groups', groupId);
      // Checked in the transaction: a member change committed meanwhile must not be undone.
      const now = await trx
        .selectFrom('model_group_members')
        .select('instrument_id')
        .where('group_id', '=', groupId)
        .orderBy('position')
        .execute();
      if (members.join(',') !== now.map((r) => r.instrument_id).join(',')) {
        throw new UnprocessableError(
          'model_group_members_differ',
          `version ${version} was trained on other members than the group has now: train a new version`,
        );
      }
      const previous = await trx
        .updateTable('model_group_versions')
        .set({ is_active: 0, updated_at: at })
        .where('group_id', '=', groupId)
        .where('is_active', '=', 1)
        .returning('version')
        .executeTakeFirst();
      await trx
        .updateTable('model_group_versions')
        .set({ is_active: 1, updated_at: at })
        .where('id', '=', target.id)
        .execute();
      await recordAudit(trx, {
        userId: actorId,
        action: 'activate',
        entityType: 'model_group',
        entityId: groupId,
        oldValue: { active_version: previous?.version ?? null },
        newValue: { active_version: version },
        at,
      });
    });
  } catch (e) {
    if (isUnique(e))
      throw new ConflictError('model_group_changed', 'another activation won: reload and retry');
    throw e;
  }
  after.emit('model_group.changed', groupId);
  return versionToPublic({ ...target, is_active: 1 });
}

export interface ActiveGroupModel {
  groupId: number;
  name: string;
  versionId: number;
  version: number;
  memberIds: number[];
  model: GroupModel;
}

/** Enabled groups with an active version (for the live monitor); one group or all. */
export async function activeGroupModels(db: Kysely<DB>, groupId?: number): Promise<ActiveGroupModel[]> {
  let q = db
    .selectFrom('model_groups as g')
    .innerJoin('model_group_versions as v', 'v.group_id', 'g.id')
    .select(['g.id as group_id', 'g.name', 'v.id as version_id', 'v.version', 'v.member_ids', 'v.model'])
    .where('v.is_active', '=', 1)
    .where('g.is_enabled', '=', 1);
  if (groupId !== undefined) q = q.where('g.id', '=', groupId);
  const rows = await q.execute();
  return rows.map((r) => ({
    groupId: r.group_id,
    name: r.name,
    versionId: r.version_id,
    version: r.version,
    memberIds: parseJson<number[]>(r.member_ids) ?? [],
    model: parseJson<GroupModel>(r.model) as GroupModel,
  }));
}
