import { useRef } from 'react';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import {
  type AttachmentTarget,
  downloadAttachment,
  useAttachments,
  useUploadAttachment,
} from '../api/attachments.ts';

const size = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} kB`;

/** Photos, as-found screenshots and PDFs on a record: listed, added, downloaded (all audited). */
export function AttachmentsPanel({ type, id }: { type: AttachmentTarget; id: number }) {
  const q = useAttachments(type, id);
  const upload = useUploadAttachment(type, id);
  const input = useRef<HTMLInputElement>(null);
  return (
    <section className="panel" aria-label="Attachments">
      <h2>Attachments</h2>
      <QueryState query={q} loadingLabel="Loading attachments…">
        {(list) =>
          list.items.length === 0 ? (
            <EmptyState title="No attachments">
              Photos, as-found screenshots and PDFs added here are kept with the record.
            </EmptyState>
          ) : (
            <ul className="plain-list">
              {list.items.map((a) => (
                <li key={a.id}>
                  <button type="button" className="button button-link" onClick={() => downloadAttachment(a)}>
                    {a.filename}
                  </button>{' '}
                  <span className="muted">
                    {a.mime_type} · {size(a.size_bytes)} · {a.uploaded_by_name} ·{' '}
                    {formatDateTime(a.created_at)}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
      <input
        ref={input}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp,application/pdf"
        aria-label="Attachment file"
        hidden
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) upload.mutate(f);
          e.target.value = '';
        }}
      />
      <button
        type="button"
        className="button"
        disabled={upload.isPending}
        onClick={() => input.current?.click()}
      >
        {upload.isPending ? 'Uploading…' : 'Add attachment…'}
      </button>
      <FormError error={upload.error} />
    </section>
  );
}
