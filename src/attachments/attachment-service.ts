import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB, Role } from '../db/schema.ts';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { ALLOWED_MIME_TYPES, detectFileType } from './file-types.ts';

// Attachments (photos, as-found screenshots, PDFs) on calibration and work-order records. The bytes
// are written under ATTACHMENTS_DIR (default DATA_DIR/attachments) with a generated name; the row
// keeps the original name, the MIME type recognised from the content, the size and the SHA-256.
// Attachments are evidence: they are added, listed and downloaded, never edited.

export const ATTACHMENT_TARGETS = ['calibration_record', 'work_order'] as const;
export type AttachmentTarget = (typeof ATTACHMENT_TARGETS)[number];

export interface AttachmentSettings {
  dir: string;
  maxBytes: number;
}

const publicColumns = [
  'a.id',
  'a.entity_type',
  'a.entity_id',
  'a.filename',
  'a.mime_type',
  'a.size_bytes',
  'a.sha256',
  'a.description',
  'a.uploaded_by',
  'a.created_at',
] as const;

const selectAttachment = (db: Kysely<DB>) =>
  db
    .selectFrom('attachments as a')
    .innerJoin('users as u', 'u.id', 'a.uploaded_by')
    .select(publicColumns)
    .select('u.full_name as uploaded_by_name');

/** The record exists, and a technician adds to a work order only when it is theirs or unassigned. */
async function assertTarget(
  db: Kysely<DB>,
  actor: { id: number; role: Role } | null,
  type: AttachmentTarget,
  id: number,
) {
  if (type === 'calibration_record') {
    const r = await db.selectFrom('calibration_records').select('id').where('id', '=', id).executeTakeFirst();
    if (!r) throw new NotFoundError('calibration', id);
    return;
  }
  const w = await db
    .selectFrom('work_orders')
    .select(['id', 'assigned_to'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!w) throw new NotFoundError('work_order', id);
  if (actor && actor.role !== 'admin' && w.assigned_to !== null && w.assigned_to !== actor.id) {
    throw new ForbiddenError(
      `work order #${id} is assigned to another user: technicians attach files only to their own or unassigned work`,
      'work_order_not_assigned',
      { assigned_to: w.assigned_to },
    );
  }
}

export async function listAttachments(db: Kysely<DB>, type: AttachmentTarget, id: number) {
  await assertTarget(db, null, type, id);
  const items = await selectAttachment(db)
    .where('a.entity_type', '=', type)
    .where('a.entity_id', '=', id)
    .orderBy('a.created_at')
    .orderBy('a.id')
    .execute();
  return { items, total: items.length };
}

export async function getAttachment(db: Kysely<DB>, id: number) {
  const a = await selectAttachment(db).select('a.storage_name').where('a.id', '=', id).executeTakeFirst();
  if (!a) throw new NotFoundError('attachment', id);
  return a;
}

/** A file name as shown and offered for download: no path, no control characters. */
function cleanName(name: string) {
  const base = path
    .basename(name.replace(/\\/g, '/'))
    .split('')
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f && c !== '"')
    .join('')
    .trim();
  if (!base || base === '.' || base === '..') throw new ValidationError('filename', 'filename is empty');
  return base.slice(0, 200);
}

export async function addAttachment(
  db: Kysely<DB>,
  settings: AttachmentSettings,
  actor: { id: number; role: Role },
  target: { type: AttachmentTarget; id: number },
  file: { filename: string; declaredType: string | undefined; content: Buffer; description?: string | null },
  now: Date,
) {
  const at = now.toISOString();
  const filename = cleanName(file.filename);
  if (file.content.length === 0) throw new ValidationError('body', 'the file is empty');
  if (file.content.length > settings.maxBytes) {
    throw new AppError('attachment_too_large', `attachments are limited to ${settings.maxBytes} bytes`, 413, {
      max_bytes: settings.maxBytes,
    });
  }
  const type = detectFileType(file.content);
  if (!type) {
    throw new AppError(
      'attachment_type_not_allowed',
      `the content is not one of the allowed types (${ALLOWED_MIME_TYPES.join(', ')})`,
      415,
      { allowed: ALLOWED_MIME_TYPES },
    );
  }
  const declared = file.declaredType?.split(';')[0].trim().toLowerCase();
  if (declared && declared !== 'application/octet-stream' && declared !== type.mime) {
    throw new AppError('attachment_type_mismatch', `the content is ${type.mime}, not ${declared}`, 415, {
      detected: type.mime,
    });
  }
  const ext = path.extname(filename).toLowerCase();
  if (!type.extensions.includes(ext)) {
    throw new AppError(
      'attachment_type_mismatch',
      `the content is ${type.mime}; the file name must end in ${type.extensions.join(' or ')}`,
      415,
      { detected: type.mime },
    );
  }
  await assertTarget(db, actor, target.type, target.id);

  const storageName = path.join(target.type, `${randomUUID()}${type.extensions[0]}`);
  const file_ = path.join(settings.dir, storageName);
  await mkdir(path.dirname(file_), { recursive: true });
  const tmp = `${file_}.part`;
  await writeFile(tmp, file.content, { flag: 'wx' });
  await rename(tmp, file_);
  try {
    return await db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('attachments')
        .values({
          entity_type: target.type,
          entity_id: target.id,
          filename,
          mime_type: type.mime,
          size_bytes: file.content.length,
          sha256: createHash('sha256').update(file.content).digest('hex'),
          storage_name: storageName,
          description: file.description?.trim() || null,
          uploaded_by: actor.id,
          created_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { storage_name: _, ...attachment } = await getAttachment(trx, id);
      await recordAudit(trx, {
        userId: actor.id,
        action: 'attach',
        entityType: target.type,
        entityId: target.id,
        newValue: attachment,
        at,
      });
      return attachment;
    });
  } catch (e) {
    // No row, no file: an orphan would be evidence nobody can find.
    await rm(file_, { force: true });
    throw e;
  }
}

/** Where an attachment's bytes are, checked to stay inside the attachments folder. */
export function attachmentPath(settings: AttachmentSettings, storageName: string) {
  const root = path.resolve(settings.dir);
  const file = path.resolve(root, storageName);
  if (!file.startsWith(root + path.sep)) throw new NotFoundError('attachment_file', storageName);
  return file;
}

export async function auditDownload(
  db: Kysely<DB>,
  actorId: number,
  a: { id: number; entity_type: string; entity_id: number },
  now: Date,
) {
  await db.transaction().execute((trx) =>
    recordAudit(trx, {
      userId: actorId,
      action: 'download_attachment',
      entityType: a.entity_type,
      entityId: a.entity_id,
      newValue: { attachment_id: a.id },
      at: now.toISOString(),
    }),
  );
}
