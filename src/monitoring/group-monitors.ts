// The live side of model groups (issue 11): for each enabled group with an active model, a
// GroupResidualMonitor (drift on each member's residual against the others) and a
// GroupAnomalyMonitor (the group's T² score). MonitorService routes every good reading of a member
// here; a member whose group has a drift model has its own reading CUSUM paused (the residual
// CUSUM replaces it). State is checkpointed per group and restored when the same version is active.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { GroupAnomalyMonitor, type GroupAnomalyState } from '../detection/group-anomaly.ts';
import { GroupResidualMonitor, type GroupResidualState } from '../detection/group-residuals.ts';
import type { DetectorEvent, MonitorConfig, Reading } from '../detection/types.ts';
import { type ActiveGroupModel, activeGroupModels } from '../ml/group-service.ts';

export interface GroupCheckpoint {
  residual: GroupResidualState | null;
  anomaly: GroupAnomalyState | null;
}

export interface GroupAnomalySettings {
  limitFactor: number;
  persistence: number;
}

interface Group {
  id: number;
  name: string;
  versionId: number;
  version: number;
  memberIds: number[];
  tags: string[];
  residual: GroupResidualMonitor | null;
  anomaly: GroupAnomalyMonitor | null;
  dirty: boolean;
}

export interface GroupStatusSnapshot {
  group_id: number;
  name: string;
  version: number;
  members: {
    instrument_id: number;
    tag: string;
    residual_cusum: ReturnType<GroupResidualMonitor['snapshot']> | null;
  }[];
  anomaly: { active: boolean; score: number | null; scored_at: string | null } | null;
}

/** What a reading produced: drift events per member, and the group's anomaly raise / clear. */
export interface GroupReadingEvents {
  drift: { instrumentId: number; events: DetectorEvent[] }[];
  group: { groupId: number; name: string; events: DetectorEvent[] } | null;
}

export class GroupMonitors {
  private readonly groups = new Map<number, Group>();
  private readonly byMember = new Map<number, { group: Group; index: number }>();

  constructor(
    private readonly configOf: (instrumentId: number) => MonitorConfig | null,
    private readonly anomalySettings: GroupAnomalySettings,
  ) {}

  /** (Re)loads one group or all from the database, restoring checkpoints of the same version. */
  async load(db: Kysely<DB>, groupId?: number): Promise<{ added: number[]; removed: number[] }> {
    const models = await activeGroupModels(db, groupId);
    const ids = groupId === undefined ? [...this.groups.keys()] : [groupId];
    const before = new Set(ids.flatMap((id) => this.groups.get(id)?.memberIds ?? []));
    for (const id of ids) this.drop(id);
    const checkpoints = await loadGroupCheckpoints(db, groupId);
    const after = new Set<number>();
    for (const m of models) {
      const g = this.build(m, checkpoints.get(m.groupId));
      if (!g) continue;
      this.groups.set(g.id, g);
      g.memberIds.forEach((id, index) => {
        this.byMember.set(id, { group: g, index });
        if (g.residual) after.add(id);
      });
    }
    return {
      added: [...after].filter((id) => !before.has(id)),
      removed: [...before].filter((id) => !after.has(id)),
    };
  }

  /** True when the instrument's drift runs on its group's residual (its own CUSUM is paused). */
  hasDriftModel(instrumentId: number): boolean {
    return this.byMember.get(instrumentId)?.group.residual != null;
  }

  /** A latched residual drift of the instrument (for the aggregator's restart reconciliation). */
  driftConditions(instrumentId: number): { alert_type: string; condition: string }[] {
    const s = this.residualSnapshot(instrumentId);
    const out: { alert_type: string; condition: string }[] = [];
    if (s?.alarm_up) out.push({ alert_type: 'drift', condition: 'cusum_up' });
    if (s?.alarm_down) out.push({ alert_type: 'drift', condition: 'cusum_down' });
    return out;
  }

  /** The residual CUSUM of a member whose group has a drift model; null otherwise. */
  residualSnapshot(instrumentId: number) {
    const m = this.byMember.get(instrumentId);
    return m?.group.residual ? m.group.residual.snapshot(m.index) : null;
  }

  /** Cheap hot-path test: a latched residual drift of the instrument. */
  latched(instrumentId: number): boolean {
    const m = this.byMember.get(instrumentId);
    return m?.group.residual?.latched(m.index) ?? false;
  }

  groupIds(): number[] {
    return [...this.groups.keys()];
  }

  /** One accepted reading of any instrument. */
  process(instrumentId: number, reading: Reading): GroupReadingEvents | null {
    const m = this.byMember.get(instrumentId);
    if (!m) return null;
    const g = m.group;
    const out: GroupReadingEvents = { drift: [], group: null };
    if (g.residual) {
      const perMember = g.residual.update(m.index, reading);
      perMember.forEach((events, j) => {
        if (events.length > 0) out.drift.push({ instrumentId: g.memberIds[j], events });
      });
    }
    if (g.anomaly) {
      const events = g.anomaly.update(m.index, reading);
      if (events.length > 0) out.group = { groupId: g.id, name: g.name, events };
    }
    g.dirty = true;
    return out;
  }

  /** A member was calibrated: its residual CUSUM starts a new run (returns the clears). */
  resetMember(instrumentId: number, ts: number): DetectorEvent[] {
    const m = this.byMember.get(instrumentId);
    if (!m?.group.residual) return [];
    m.group.dirty = true;
    return m.group.residual.reset(m.index, ts);
  }

  /** New settings of a member (limits, k, h): the residual CUSUM uses them from the next window. */
  refreshConfigs(instrumentId: number): void {
    const g = this.byMember.get(instrumentId)?.group;
    if (!g?.residual) return;
    const cfgs = g.memberIds.map((id) => this.configOf(id));
    if (cfgs.every((c) => c !== null)) g.residual.setConfigs(cfgs as MonitorConfig[]);
  }

  snapshot(groupId: number): GroupStatusSnapshot | null {
    const g = this.groups.get(groupId);
    if (!g) return null;
    const last = g.anomaly?.lastScore ?? null;
    return {
      group_id: g.id,
      name: g.name,
      version: g.version,
      members: g.memberIds.map((id, j) => ({
        instrument_id: id,
        tag: g.tags[j],
        residual_cusum: g.residual ? g.residual.snapshot(j) : null,
      })),
      anomaly: g.anomaly
        ? {
            active: g.anomaly.active,
            score: last?.score ?? null,
            scored_at: last ? new Date(last.at).toISOString() : null,
          }
        : null,
    };
  }

  /** The states changed since the last call, for the checkpoint. */
  takeDirty(): { groupId: number; versionId: number; state: GroupCheckpoint }[] {
    const out: { groupId: number; versionId: number; state: GroupCheckpoint }[] = [];
    for (const g of this.groups.values()) {
      if (!g.dirty) continue;
      g.dirty = false;
      out.push({
        groupId: g.id,
        versionId: g.versionId,
        state: { residual: g.residual?.toJSON() ?? null, anomaly: g.anomaly?.toJSON() ?? null },
      });
    }
    return out;
  }

  markDirty(groupIds: readonly number[]): void {
    for (const id of groupIds) {
      const g = this.groups.get(id);
      if (g) g.dirty = true;
    }
  }

  private drop(groupId: number): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    for (const id of g.memberIds) if (this.byMember.get(id)?.group === g) this.byMember.delete(id);
    this.groups.delete(groupId);
  }

  private build(m: ActiveGroupModel, saved?: { versionId: number; state: GroupCheckpoint }): Group | null {
    const cfgs = m.memberIds.map((id) => this.configOf(id));
    if (cfgs.some((c) => c === null)) return null; // a member was deleted: wait for the next training
    const members = cfgs as MonitorConfig[];
    const same = saved?.versionId === m.versionId ? saved.state : undefined;
    const tags = members.map((c, j) => c.tag ?? `#${m.memberIds[j]}`);
    const residual = m.model.drift
      ? new GroupResidualMonitor(
          m.model.drift.pca,
          members,
          m.model.drift.windowSeconds,
          same?.residual ?? undefined,
        )
      : null;
    const anomaly = m.model.anomaly
      ? new GroupAnomalyMonitor(
          m.model.anomaly.pca,
          { group: m.name, members: tags },
          m.model.anomaly.windowSamples,
          m.model.samplePeriodSeconds * 1000,
          this.anomalySettings,
          same?.anomaly ?? undefined,
        )
      : null;
    return {
      id: m.groupId,
      name: m.name,
      versionId: m.versionId,
      version: m.version,
      memberIds: m.memberIds,
      tags,
      residual,
      anomaly,
      dirty: false,
    };
  }
}

export async function loadGroupCheckpoints(db: Kysely<DB>, groupId?: number) {
  let q = db.selectFrom('model_group_checkpoints').select(['group_id', 'version_id', 'state']);
  if (groupId !== undefined) q = q.where('group_id', '=', groupId);
  const out = new Map<number, { versionId: number; state: GroupCheckpoint }>();
  for (const r of await q.execute()) {
    try {
      out.set(r.group_id, { versionId: r.version_id, state: JSON.parse(r.state) as GroupCheckpoint });
    } catch {
      // A damaged row costs that group a fresh start.
    }
  }
  return out;
}

export async function saveGroupCheckpoints(
  db: Kysely<DB>,
  states: readonly { groupId: number; versionId: number; state: GroupCheckpoint }[],
  at: string,
): Promise<void> {
  if (states.length === 0) return;
  // A group deleted meanwhile has no parent row: write only the ones that still exist.
  const live = new Set(
    (
      await db
        .selectFrom('model_groups')
        .select('id')
        .where(
          'id',
          'in',
          states.map((s) => s.groupId),
        )
        .execute()
    ).map((r) => r.id),
  );
  const rows = states
    .filter((s) => live.has(s.groupId))
    .map((s) => ({
      group_id: s.groupId,
      version_id: s.versionId,
      state: JSON.stringify(s.state),
      updated_at: at,
    }));
  if (rows.length === 0) return;
  await db
    .insertInto('model_group_checkpoints')
    .values(rows)
    .onConflict((oc) =>
      oc.column('group_id').doUpdateSet((eb) => ({
        version_id: eb.ref('excluded.version_id'),
        state: eb.ref('excluded.state'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** Forgets a deleted group's detector state (called in the group's delete transaction). */
export async function dropGroupCheckpoint(trx: Kysely<DB>, groupId: number): Promise<void> {
  await trx.deleteFrom('model_group_checkpoints').where('group_id', '=', groupId).execute();
}
