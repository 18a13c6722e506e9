import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { deleteGroup } from '../ml/group-service.ts';
import { dropGroupCheckpoint } from '../monitoring/group-monitors.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';

/** A model group goes with its detector checkpoint (monitoring's table), in one transaction. */
export async function deleteModelGroup(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  at: string,
  after: AfterCommit,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await dropGroupCheckpoint(trx, id);
    await deleteGroup(trx, actorId, id, at, after);
  });
}
