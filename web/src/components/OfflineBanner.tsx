import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { Link } from 'react-router-dom';
import { paths } from '../config/paths.ts';
import { useOutbox, useOutboxSync } from '../lib/offline-queue.ts';

/**
 * The connection line at the top of every page: offline (showing saved data), entries waiting in
 * the outbox, entries the server refused, and a word when queued entries have been sent.
 */
export function OfflineBanner() {
  const qc = useQueryClient();
  const { entries, online } = useOutbox();
  const [sent, setSent] = useState(0);
  const onSent = useCallback(
    (n: number) => {
      setSent(n);
      // What was queued now exists on the server: reload what shows it.
      void qc.invalidateQueries();
    },
    [qc],
  );
  useOutboxSync(onSent);
  const pending = entries.filter((e) => e.status === 'pending').length;
  const refused = entries.filter((e) => e.status === 'refused').length;
  const plural = (n: number, one: string) =>
    `${n} ${n === 1 ? one : one.endsWith('entry') ? `${one.slice(0, -1)}ies` : `${one}s`}`;

  if (online && pending === 0 && refused === 0 && sent === 0) return null;
  return (
    <div className="offline-banners">
      {!online && (
        <p className="offline-banner offline-banner-off" role="status" data-testid="offline-banner">
          No connection: showing the data last loaded on this device. Calibration and maintenance entries are
          kept and sent when the connection returns.
        </p>
      )}
      {pending > 0 && (
        <p className="offline-banner" role="status" data-testid="outbox-pending">
          {plural(pending, 'entry')} waiting to be sent.{' '}
          <Link to={paths.offlineQueue.href()}>Offline queue</Link>
        </p>
      )}
      {refused > 0 && (
        <p className="offline-banner offline-banner-refused" role="alert" data-testid="outbox-refused">
          The server refused {plural(refused, 'queued entry')}.{' '}
          <Link to={paths.offlineQueue.href()}>Review {refused === 1 ? 'it' : 'them'}</Link>
        </p>
      )}
      {sent > 0 && pending === 0 && (
        <p className="offline-banner offline-banner-sent" role="status" data-testid="outbox-sent">
          Sent {plural(sent, 'queued entry')} to the server.{' '}
          <button type="button" className="button button-small" onClick={() => setSent(0)}>
            Dismiss
          </button>
        </p>
      )}
    </div>
  );
}
