import { useState } from 'react';
import { Link } from 'react-router-dom';
import { SeverityBadge, StatusBadge } from '../../components/Badges.tsx';
import { ErrorMessage, Loading } from '../../components/Feedback.tsx';
import { paths } from '../../config/paths.ts';
import { useAlert } from '../../features/alerts/api/get-alert.ts';
import { useInstrument } from '../../features/instruments/api/get-instrument.ts';
import { InstrumentStatusPanel } from '../../features/instruments/components/InstrumentStatusPanel.tsx';
import { TrendViewer } from '../../features/trends/components/TrendViewer.tsx';
import type { RangeKey } from '../../features/trends/types.ts';
import type { WorkOrder } from '../../features/work-orders/types.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useTrendMarkers } from './use-trend-markers.ts';

/**
 * What a technician fixing an instrument needs beside the order: its live value and detector
 * state, the recent trend, and the alert the order was raised from.
 */
export function WorkOrderContext({ wo }: { wo: WorkOrder }) {
  const [range, setRange] = useState<RangeKey>('24h');
  const instrument = useInstrument(wo.instrument_id);
  const alert = useAlert(wo.alert_id);
  const markers = useTrendMarkers(wo.tag, wo.instrument_id, range);
  const alertsOfTag = `${paths.alerts.href()}?tag=${encodeURIComponent(wo.tag)}&status=all`;

  return (
    <>
      <div className={wo.alert_id !== null ? 'grid-2' : undefined} data-testid="work-order-context">
        <section className="panel">
          <h2>Live value of {wo.tag}</h2>
          {instrument.data ? (
            <InstrumentStatusPanel
              instrumentId={wo.instrument_id}
              unit={instrument.data.unit}
              lastReading={instrument.data.last_reading}
            />
          ) : instrument.error ? (
            <ErrorMessage error={instrument.error} onRetry={() => instrument.refetch()} />
          ) : (
            <Loading label="Loading live value…" />
          )}
        </section>
        {wo.alert_id !== null && (
          <section className="panel" data-testid="work-order-alert">
            <h2>Raised from alert #{wo.alert_id}</h2>
            {alert.data ? (
              <>
                <p>
                  <SeverityBadge severity={alert.data.severity} /> <StatusBadge status={alert.data.status} />
                </p>
                <p>{alert.data.message}</p>
                <p className="muted">
                  First seen {formatDateTime(alert.data.first_seen)}
                  {alert.data.occurrence_count > 1 && <>, {alert.data.occurrence_count} times</>}
                  {alert.data.cleared_at
                    ? `; condition cleared ${formatDateTime(alert.data.cleared_at)}`
                    : '; condition still present'}
                </p>
              </>
            ) : alert.error ? (
              <ErrorMessage error={alert.error} onRetry={() => alert.refetch()} />
            ) : (
              <Loading label="Loading the alert…" />
            )}
            <Link to={alertsOfTag}>All alerts on {wo.tag}</Link>
          </section>
        )}
      </div>
      <TrendViewer tag={wo.tag} range={range} onRangeChange={setRange} markers={markers} />
    </>
  );
}
