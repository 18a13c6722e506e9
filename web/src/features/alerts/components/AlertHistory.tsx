import { useState } from 'react';
import { Loading } from '../../../components/Feedback.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAlertEvents } from '../api/get-alert-events.ts';

const WORDS: Record<string, string> = {
  raise: 'Raised',
  suppress: 'Raised while suppressed',
  clear: 'Condition cleared',
  acknowledge: 'Acknowledged',
  shelve: 'Shelved',
  unshelve: 'Unshelved',
  resolve: 'Resolved',
};

function detailText(e: { event: string; details: Record<string, unknown> | null }): string {
  const d = e.details ?? {};
  if (e.event === 'shelve')
    return `${d.until ? `until ${formatDateTime(String(d.until))}` : 'until it clears'}: ${d.reason ?? ''}`;
  if (e.event === 'resolve' && d.automatic) return 'automatically';
  if (typeof d.reason === 'string') return d.reason;
  if (typeof d.notes === 'string') return d.notes;
  return '';
}

/** The alert's history from the alarm event log, loaded when opened. */
export function AlertHistory({ alertId }: { alertId: number }) {
  const [open, setOpen] = useState(false);
  const q = useAlertEvents(alertId, open);
  return (
    <details className="alert-details" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>History</summary>
      {q.isPending && open && <Loading label="Loading history…" />}
      {q.data && (
        <ol className="alert-history">
          {q.data.map((e) => (
            <li key={e.id}>
              {formatDateTime(e.at)} · {WORDS[e.event] ?? e.event}
              {e.user_name ? ` by ${e.user_name}` : ''}
              {detailText(e) ? ` (${detailText(e)})` : ''}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
