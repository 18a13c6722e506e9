import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { NotFoundError } from '../shared/errors.ts';
import type { AfterCommit } from './after-commit.ts';

export type NotificationKind = 'assignment' | 'sla_breach';

export interface NewNotification {
  userId: number;
  workOrderId: number | null;
  kind: NotificationKind;
  message: string;
  at: string;
}

/** Stores an in-app notification (inside the caller's transaction, with its audit row). */
export async function createNotification(trx: Kysely<DB>, n: NewNotification): Promise<number> {
  const row = await trx
    .insertInto('notifications')
    .values({
      user_id: n.userId,
      work_order_id: n.workOrderId,
      kind: n.kind,
      message: n.message,
      read_at: null,
      created_at: n.at,
      updated_at: n.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    userId: null,
    action: 'create',
    entityType: 'notification',
    entityId: row.id,
    newValue: { user_id: n.userId, work_order_id: n.workOrderId, kind: n.kind, message: n.message },
    at: n.at,
  });
  return row.id;
}

export interface AssignmentNotice {
  assigneeId: number;
  workOrder: {
    id: number;
    title: string;
    tag: string;
    priority: string;
    due_date: string | null;
    type: string;
  };
  /** Who assigned it; nobody is notified of work they assigned to themselves. */
  actorId: number | null;
  at: string;
  publicUrl: string | null;
}

/**
 * Tells the assignee about a work order: an in-app notification now, and an e-mail after commit
 * when the user has an address (the mailer decides whether SMTP is configured).
 */
export async function notifyAssignment(trx: Kysely<DB>, after: AfterCommit, n: AssignmentNotice) {
  if (n.assigneeId === n.actorId) return;
  const user = await trx
    .selectFrom('users')
    .select(['id', 'email', 'full_name', 'is_active'])
    .where('id', '=', n.assigneeId)
    .executeTakeFirst();
  if (!user) return;
  const wo = n.workOrder;
  const due = wo.due_date ? `, due ${wo.due_date.slice(0, 16).replace('T', ' ')} UTC` : '';
  const message = `Work order #${wo.id} assigned to you: ${wo.title} (${wo.tag}, ${wo.priority} priority${due})`;
  await createNotification(trx, {
    userId: user.id,
    workOrderId: wo.id,
    kind: 'assignment',
    message,
    at: n.at,
  });
  if (user.email) {
    const link = n.publicUrl ? `\n\nOpen it: ${n.publicUrl.replace(/\/$/, '')}/work-orders/${wo.id}` : '';
    after.email({
      to: user.email,
      subject: `[CBU CMMS] Work order #${wo.id} assigned to you: ${wo.title}`,
      text:
        `Hello ${user.full_name},\n\n` +
        `Work order #${wo.id} has been assigned to you.\n\n` +
        `Title:      ${wo.title}\n` +
        `Instrument: ${wo.tag}\n` +
        `Type:       ${wo.type}\n` +
        `Priority:   ${wo.priority}\n` +
        `Due:        ${wo.due_date ?? 'not set'}${link}\n\n` +
        `The Copperbelt University CMMS`,
    });
  }
}

function toPublicNotification(r: {
  id: number;
  work_order_id: number | null;
  kind: string;
  message: string;
  read_at: string | null;
  created_at: string;
}) {
  return {
    id: r.id,
    work_order_id: r.work_order_id,
    kind: r.kind,
    message: r.message,
    read: r.read_at !== null,
    read_at: r.read_at,
    created_at: r.created_at,
  };
}

export async function countUnread(db: Kysely<DB>, userId: number): Promise<number> {
  const { n } = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** The user's notifications, newest first: unread only unless `all`. */
export async function listNotifications(
  db: Kysely<DB>,
  userId: number,
  q: { all?: boolean; limit: number; offset: number },
) {
  let query = db.selectFrom('notifications').where('user_id', '=', userId);
  if (!q.all) query = query.where('read_at', 'is', null);
  const { n } = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return {
    items: rows.map(toPublicNotification),
    total: Number(n),
    limit: q.limit,
    offset: q.offset,
    unread_count: await countUnread(db, userId),
  };
}

/** Marks one of the user's own notifications read; another user's is reported as not found. */
export async function markRead(db: Kysely<DB>, userId: number, id: number, at: string) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('notifications')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('notification', id);
    if (row.read_at) return toPublicNotification(row);
    // Guarded: of concurrent reads (two tabs) one marks it and audits; the others see it read.
    const updated = await trx
      .updateTable('notifications')
      .set({ read_at: at, updated_at: at })
      .where('id', '=', id)
      .where('read_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!updated) {
      const now = await trx
        .selectFrom('notifications')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return toPublicNotification(now);
    }
    await recordAudit(trx, {
      userId,
      action: 'read',
      entityType: 'notification',
      entityId: id,
      oldValue: { read_at: null },
      newValue: { read_at: at },
      at,
    });
    return toPublicNotification(updated);
  });
}

export async function markAllRead(db: Kysely<DB>, userId: number, at: string) {
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('notifications')
      .set({ read_at: at, updated_at: at })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    const updated = Number(res.numUpdatedRows);
    if (updated > 0) {
      await recordAudit(trx, {
        userId,
        action: 'read_all',
        entityType: 'notification',
        entityId: null,
        newValue: { user_id: userId, marked_read: updated },
        at,
      });
    }
    return { updated };
  });
}
