// The demo's trained models, made as an admin would make them (reference baselines, then training)
// through the product's own services, on the generated history:
//   - a model group per process unit, from the unit (every instrument of it), trained on the unit's
//     clean days (demo-story.ts unitBaselineRanges): residual drift per member and the unit's T²;
//   - an Isolation Forest for one instrument per unit (DEMO_MODEL_TAGS), trained in this thread by the
//     training job's own code (ml/training-task.ts trainModel) and registered as its active version.
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { DB } from '../db/schema.ts';
import { createBaseline, instrumentByTag, type WindowSettings } from '../ml/baseline-service.ts';
import { createGroup, trainGroup } from '../ml/group-service.ts';
import { registerModelVersion } from '../ml/model-service.ts';
import { modelVersionOf, trainingInput } from '../ml/training-service.ts';
import { trainModel } from '../ml/training-task.ts';
import { AfterCommit } from '../notifications/after-commit.ts';
import type { ScheduledFault } from '../simulator/history.ts';
import { DEMO_MODEL_TAGS, type DemoTimeline, unitBaselineRanges } from './demo-story.ts';

/** Baselines and a trained model group for every process unit; returns what was trained. */
export async function seedUnitGroups(
  db: Kysely<DB>,
  adminId: number,
  timeline: DemoTimeline,
  episodes: readonly ScheduledFault[],
  now: Date,
  windows: WindowSettings,
): Promise<string[]> {
  const at = now.toISOString();
  const units = await db.selectFrom('process_units').select(['id', 'name']).orderBy('name').execute();
  const done: string[] = [];
  for (const unit of units) {
    const members = await db
      .selectFrom('instruments')
      .select('tag')
      .where('process_unit_id', '=', unit.id)
      .where('deleted_at', 'is', null)
      .orderBy('tag')
      .execute();
    if (members.length < 2) continue;
    const tags = members.map((m) => m.tag);
    const ranges = unitBaselineRanges(timeline, tags, episodes);
    for (const tag of tags) {
      for (const [start, end] of ranges) {
        const range = { tag, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
        await createBaseline(db, adminId, range, now, windows, new AfterCommit());
      }
    }
    const group = await createGroup(
      db,
      adminId,
      {
        name: unit.name,
        description: `Every instrument of ${unit.name}: one process, modelled together`,
        process_unit_id: unit.id,
      },
      at,
      new AfterCommit(),
    );
    const version = await trainGroup(db, adminId, group.id, at, new AfterCommit());
    done.push(`${group.name} v${version.version} (${tags.length} instruments)`);
  }
  return done;
}

/** A baseline on the first hour of the dense tail and a trained Isolation Forest, one per unit. */
export async function seedUnitForests(
  db: Kysely<DB>,
  config: Config,
  adminId: number,
  timeline: DemoTimeline,
  now: Date,
  windows: WindowSettings,
): Promise<string[]> {
  const done: string[] = [];
  for (const tag of Object.values(DEMO_MODEL_TAGS)) {
    const target = await instrumentByTag(db, tag).catch(() => null);
    if (!target) continue;
    const range = {
      tag,
      start: new Date(timeline.denseFrom).toISOString(),
      end: new Date(timeline.modelBaselineEnd).toISOString(),
    };
    await createBaseline(db, adminId, range, now, windows, new AfterCommit());
    const staged = path.join(config.dataDir, 'models', tag, '.seed.json');
    const input = await trainingInput(db, config, target, staged);
    const out = await trainModel(db, input);
    const version = await registerModelVersion(
      db,
      config.dataDir,
      modelVersionOf(target, input, out, { trainedBy: adminId, trainedAt: now.toISOString(), jobId: null }),
      new AfterCommit(),
    );
    done.push(`${tag} v${version.version} (${out.windowsUsed} windows)`);
  }
  return done;
}
