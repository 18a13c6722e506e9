import { useEffect, useRef, useState } from 'react';
import { ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { formatAgo, formatLocalDateTime } from '../../../lib/format.ts';
import { useUnreadNotifications } from '../api/get-notifications.ts';
import { useMarkAllNotificationsRead } from '../api/mark-all-read.ts';
import { useMarkNotificationRead } from '../api/mark-read.ts';

interface Props {
  /** Where a notification about a work order leads (the app owns the routes). */
  onOpenWorkOrder: (workOrderId: number) => void;
}

/** The bell: unread count polled every 30 s; a click on one opens its work order and marks it read. */
export function NotificationBell({ onOpenWorkOrder }: Props) {
  const q = useUnreadNotifications();
  const markRead = useMarkNotificationRead();
  const markAll = useMarkAllNotificationsRead();
  const [open, setOpen] = useState(false);
  const wrap = useRef<HTMLDivElement>(null);
  const count = q.data?.unread_count ?? 0;

  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="bell" ref={wrap}>
      <button
        type="button"
        className="bell-button"
        aria-haspopup="true"
        aria-expanded={open}
        aria-label={q.data ? `Notifications: ${count} unread` : 'Notifications'}
        data-unread={q.data ? count : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path
            fill="currentColor"
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z"
          />
        </svg>
        {count > 0 && (
          <span className="bell-count" data-testid="bell-count">
            {count > 99 ? '99+' : count}
          </span>
        )}
      </button>
      {open && (
        <section className="bell-panel" aria-label="Unread notifications">
          <div className="bell-panel-header">
            <strong>Notifications</strong>
            {count > 0 && (
              <button
                type="button"
                className="button button-link button-small"
                disabled={markAll.isPending}
                onClick={() => markAll.mutate()}
              >
                Mark all read
              </button>
            )}
          </div>
          {q.isPending && <Loading />}
          {q.error && <ErrorMessage error={q.error} onRetry={() => q.refetch()} />}
          {q.data && q.data.items.length === 0 && (
            <p className="muted bell-empty">No unread notifications.</p>
          )}
          <ul className="bell-list">
            {q.data?.items.map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  className="bell-item"
                  onClick={() => {
                    markRead.mutate(n.id);
                    setOpen(false);
                    if (n.work_order_id) onOpenWorkOrder(n.work_order_id);
                  }}
                >
                  <span>{n.message}</span>
                  <small className="muted">
                    <time dateTime={n.created_at}>
                      {formatLocalDateTime(n.created_at)} · {formatAgo(n.created_at)}
                    </time>
                  </small>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
