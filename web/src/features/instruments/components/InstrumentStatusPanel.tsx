import { HealthBar, QualityBadge } from '../../../components/Badges.tsx';
import { ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { formatAgo, formatDate, formatValue, humanize } from '../../../lib/format.ts';
import { type InstrumentStatus, useInstrumentStatus } from '../api/get-instrument-status.ts';

interface Props {
  instrumentId: number;
  unit: string;
  /** The register's last reading, shown when the server has no detector status to give. */
  lastReading?: { timestamp: string; value: number; quality: string } | null;
}

function LiveValue({
  r,
  unit,
}: {
  r: { timestamp: string; value: number; quality: string } | null | undefined;
  unit: string;
}) {
  if (!r) return <span className="muted">No reading yet</span>;
  return (
    <>
      <span className="live-value">
        {formatValue(r.value)} {unit}
      </span>{' '}
      <QualityBadge quality={r.quality} />
      <div className="muted">{formatAgo(r.timestamp)}</div>
    </>
  );
}

function Rules({ s }: { s: InstrumentStatus }) {
  const active = (s.rules?.conditions ?? []).filter((c) => c.active);
  if (!s.rules?.conditions?.length) return <span className="muted">No limits set</span>;
  if (active.length === 0) return <>Within limits</>;
  return (
    <>
      {active.map((c) => (
        <span key={c.condition} className={`badge severity-${c.severity}`} style={{ marginRight: 4 }}>
          {humanize(c.condition)}
        </span>
      ))}
    </>
  );
}

function Cusum({ c }: { c: InstrumentStatus['cusum'] }) {
  if (!c || typeof c.s_plus !== 'number' || typeof c.s_minus !== 'number')
    return <span className="muted">not running</span>;
  const warm = c.warmup && !c.warmup.complete;
  return (
    <>
      S+ {c.s_plus.toFixed(2)} · S− {c.s_minus.toFixed(2)}
      {typeof c.h === 'number' && <> of h = {c.h}</>}
      {(c.alarm_up || c.alarm_down) && (
        <>
          {' '}
          <span className="badge severity-warning">Drifting {c.alarm_up ? 'up' : 'down'}</span>
        </>
      )}
      {warm && c.warmup && (
        <div className="muted">
          learning its baseline: {c.warmup.windows} of {c.warmup.required} windows
        </div>
      )}
      {!warm && c.baseline_source && <div className="muted">baseline: {humanize(c.baseline_source)}</div>}
    </>
  );
}

/** Live value, health score with its parts, and what each detector currently says. */
export function InstrumentStatusPanel({ instrumentId, unit, lastReading }: Props) {
  const q = useInstrumentStatus(instrumentId);
  if (q.isPending) return <Loading label="Loading live status…" />;
  if (q.error) {
    if (q.error instanceof ApiError && q.error.code === 'route_not_found')
      return (
        <dl className="fact-grid">
          <div>
            <dt>Live value</dt>
            <dd>
              <LiveValue r={lastReading} unit={unit} />
            </dd>
          </div>
          <div>
            <dt>Detectors</dt>
            <dd className="muted">Detector status is not available on this server.</dd>
          </div>
        </dl>
      );
    return <ErrorMessage error={q.error} onRetry={() => q.refetch()} />;
  }
  const s = q.data;
  const score = s.anomaly?.score ?? null;
  return (
    <dl className="fact-grid" data-testid="instrument-status">
      <div>
        <dt>Live value</dt>
        <dd>
          <LiveValue r={s.live} unit={unit} />
          {typeof s.signal?.last_ma === 'number' && (
            <div className="muted">{s.signal.last_ma.toFixed(2)} mA loop current</div>
          )}
        </dd>
      </div>
      <div>
        <dt>Health score</dt>
        <dd>
          <HealthBar score={s.health_score} />
          {s.health_parts && (
            <small className="muted">
              {Object.entries(s.health_parts)
                .filter(([, v]) => v > 0)
                .map(([k, v]) => `${humanize(k)} −${v}`)
                .join(' · ') || 'nothing deducted'}
            </small>
          )}
        </dd>
      </div>
      <div>
        <dt>Alarm limits</dt>
        <dd>
          <Rules s={s} />
        </dd>
      </div>
      <div>
        <dt>CUSUM drift</dt>
        <dd>
          <Cusum c={s.cusum} />
        </dd>
      </div>
      <div>
        <dt>Stuck sensor</dt>
        <dd>
          {s.stuck?.active ? (
            <span className="badge severity-critical">Frozen signal</span>
          ) : (
            'Moving normally'
          )}
        </dd>
      </div>
      <div>
        <dt>Anomaly model</dt>
        <dd>
          {s.model ? (
            <>
              v{s.model.version} <span className="muted">trained {formatDate(s.model.trained_at)}</span>
              <div>
                {score !== null ? (
                  <>
                    score {score.toFixed(3)}
                    {typeof s.anomaly?.model_threshold === 'number' && (
                      <> (threshold {s.anomaly.model_threshold.toFixed(3)})</>
                    )}{' '}
                    {s.anomaly?.anomalous && <span className="badge severity-warning">Anomalous</span>}
                  </>
                ) : (
                  <span className="muted">no window scored yet</span>
                )}
              </div>
            </>
          ) : (
            <span className="muted">none trained</span>
          )}
        </dd>
      </div>
      <div>
        <dt>Open alerts</dt>
        <dd>{s.open_alerts.length === 0 ? 'None' : s.open_alerts.length}</dd>
      </div>
      {s.data_gap?.active && (
        <div>
          <dt>Data</dt>
          <dd>
            <span className="badge severity-warning">Data gap</span>
          </dd>
        </div>
      )}
    </dl>
  );
}
