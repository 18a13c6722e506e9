import { useAlerts } from '../../features/alerts/api/get-alerts.ts';
import { useCalibrations } from '../../features/calibration/api/get-calibrations.ts';
import { RANGES, type RangeKey, type TrendMarker } from '../../features/trends/types.ts';

const MINUTE = 60_000;

/**
 * Alerts and calibrations of the viewed span, as chart markers. The window start is rounded to
 * the minute so the query keys stay put between the 30-second refreshes.
 */
export function useTrendMarkers(tag: string, instrumentId: number | null, range: RangeKey): TrendMarker[] {
  const from = new Date(Math.floor((Date.now() - RANGES[range].ms) / MINUTE) * MINUTE).toISOString();
  const alerts = useAlerts({ tag, status: 'all', from, limit: 200 }, !!tag);
  const cals = useCalibrations(
    { instrument_id: instrumentId ?? undefined, from, limit: 100 },
    instrumentId !== null,
  );
  const markers: TrendMarker[] = [];
  for (const a of alerts.data?.items ?? []) {
    markers.push({
      id: `a${a.id}`,
      time: a.first_seen,
      kind: 'alert',
      label: `${a.severity} ${a.alert_type.replace(/_/g, ' ')}: ${a.message}`,
      tone: a.severity,
    });
  }
  for (const c of cals.data?.items ?? []) {
    markers.push({
      id: `c${c.id}`,
      time: c.performed_at,
      kind: 'calibration',
      label: `Calibration by ${c.technician_name}: ${c.passed ? 'passed' : 'failed'}`,
      tone: c.passed ? 'pass' : 'fail',
    });
  }
  return markers;
}
