import { memo } from 'react';
import { HealthBar, healthBand } from '../../../components/Badges.tsx';
import { formatAgo, formatValue } from '../../../lib/format.ts';
import type { HealthCard } from '../types.ts';

const RULE = {
  ok: ['det-ok', 'Limits OK'],
  warning: ['det-warning', 'Limit warning'],
  critical: ['det-critical', 'Limit critical'],
};
const DRIFT = { ok: ['det-ok', 'CUSUM OK'], drifting: ['det-warning', 'Drifting'] };
const ML = {
  ok: ['det-ok', 'ML OK'],
  anomaly: ['det-warning', 'Anomaly'],
  no_model: ['det-off', 'No model'],
};
const QUALITY = {
  good: ['det-ok', 'Quality good'],
  fault: ['det-critical', 'Hardware fault'],
  spike: ['det-warning', 'Spike'],
  no_data: ['det-off', 'No data'],
};

function Det({ pair, title }: { pair: string[]; title: string }) {
  return (
    <span className={`det ${pair[0]}`} title={title}>
      {pair[1]}
    </span>
  );
}

/**
 * One instrument at a glance: live value, health 0–100 and what each detector says. Memoised: a
 * refresh re-renders only the cards whose data changed (the query keeps unchanged cards' identity)
 * or whose "updated … ago" text moved on.
 */
export const InstrumentCard = memo(function InstrumentCard({
  card,
  ago,
  onOpen,
}: {
  card: HealthCard;
  /** "updated 5 s ago", computed by the list at each refresh. */
  ago: string;
  onOpen: (c: HealthCard) => void;
}) {
  const band = healthBand(card.health_score);
  const parts = Object.entries(card.health_parts)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} −${v}`)
    .join(', ');
  return (
    <button
      type="button"
      className={`card card-${band}`}
      onClick={() => onOpen(card)}
      aria-label={`${card.tag}: health ${card.health_score}. Open trend`}
      data-tag={card.tag}
    >
      <div className="card-head">
        <span className="card-tag">{card.tag}</span>
        {card.worst_severity ? (
          // Says it is an alert (not the instrument's criticality): "Alert: critical", "2 alerts: warning".
          <span
            className={`badge severity-${card.worst_severity}`}
            title={`${card.open_alerts} open alert${card.open_alerts === 1 ? '' : 's'}; the worst is ${card.worst_severity}`}
            data-testid="card-alert-pill"
          >
            {card.open_alerts > 1 ? `${card.open_alerts} alerts` : 'Alert'}: {card.worst_severity}
          </span>
        ) : (
          <small className="muted">{card.type}</small>
        )}
      </div>
      <div className="card-sub">{card.process_unit_name ?? 'No process unit'}</div>
      <div className="card-value">
        {card.last_reading ? (
          <>
            {formatValue(card.last_reading.value)} <small>{card.unit}</small>
          </>
        ) : (
          <span className="muted">
            — <small>{card.unit}</small>
          </span>
        )}
      </div>
      <small className="muted">{ago}</small>
      <div title={parts ? `Deducted: ${parts}` : 'Nothing deducted'}>
        <HealthBar score={card.health_score} label={`Health score of ${card.tag}`} />
      </div>
      <div className="card-badges">
        <Det pair={RULE[card.badges.rule]} title="Rule engine (alarm limits)" />
        <Det pair={DRIFT[card.badges.drift]} title="CUSUM drift detector" />
        <Det pair={ML[card.badges.ml]} title="Isolation Forest anomaly model" />
        <Det pair={QUALITY[card.badges.quality]} title="Signal quality of the last reading" />
        {card.calibration_overdue && <span className="det det-warning">Cal. overdue</span>}
        {card.out_of_tolerance && <span className="det det-critical">Out of tolerance</span>}
      </div>
    </button>
  );
});

export const cardAgo = (card: HealthCard) =>
  card.last_reading ? `updated ${formatAgo(card.last_reading.timestamp)}` : 'no reading yet';
