import { HealthBar, QualityBadge } from '../../../components/Badges.tsx';
import { ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { formatAgo, formatValue, humanize } from '../../../lib/format.ts';
import { useInstrumentStatus } from '../api/get-instrument-status.ts';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Live value, health score with its parts, and what each detector currently says. */
interface Props {
  instrumentId: number;
  unit: string;
  /** The register's last reading, shown when the server has no detector status to give. */
  lastReading?: { timestamp: string; value: number; quality: string } | null;
}

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
              {lastReading ? (
                <>
                  <span className="live-value">
                    {formatValue(lastReading.value)} {unit}
                  </span>{' '}
                  <QualityBadge quality={lastReading.quality} />
                  <div className="muted">{formatAgo(lastReading.timestamp)}</div>
                </>
              ) : (
                <span className="muted">No reading yet</span>
              )}
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
  const cusum = s.cusum ?? null;
  const sPlus = num(cusum?.s_plus ?? cusum?.sPlus);
  const sMinus = num(cusum?.s_minus ?? cusum?.sMinus);
  const h = num(cusum?.h);
  const anomaly = num(s.anomaly_score ?? s.anomaly?.score);
  const model = s.active_model_version ?? (typeof s.model?.version === 'number' ? s.model.version : null);
  const ruleState = s.rule_state ?? s.rules?.state ?? null;
  return (
    <dl className="fact-grid" data-testid="instrument-status">
      <div>
        <dt>Live value</dt>
        <dd>
          {s.last_reading ? (
            <>
              <span className="live-value">
                {formatValue(s.last_reading.value)} {unit}
              </span>{' '}
              <QualityBadge quality={s.last_reading.quality} />
              <div className="muted">{formatAgo(s.last_reading.timestamp)}</div>
            </>
          ) : (
            <span className="muted">No reading yet</span>
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
        <dt>Rules (limits)</dt>
        <dd>{ruleState ? humanize(ruleState) : 'OK'}</dd>
      </div>
      <div>
        <dt>CUSUM S+ / S− vs h</dt>
        <dd>
          {sPlus !== null && sMinus !== null ? (
            <>
              {sPlus.toFixed(2)} / {sMinus.toFixed(2)} {h !== null && <>of {h}</>}
            </>
          ) : (
            <span className="muted">warming up</span>
          )}
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
        <dt>Anomaly score</dt>
        <dd>{anomaly !== null ? anomaly.toFixed(3) : <span className="muted">no score yet</span>}</dd>
      </div>
      <div>
        <dt>Active model</dt>
        <dd>{model !== null ? `v${model}` : <span className="muted">none trained</span>}</dd>
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
