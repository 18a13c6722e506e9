import { useState } from 'react';
import { EmptyState, ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { formatDateTime, formatTime, formatValue } from '../../../lib/format.ts';
import { useTrend } from '../api/get-trends.ts';
import { spanStats } from '../stats.ts';
import { RANGES, type RangeKey, TIER_WORD, type TrendMarker } from '../types.ts';
import { TrendChart, type YScale } from './TrendChart.tsx';

interface Props {
  tag: string;
  range: RangeKey;
  onRangeChange: (r: RangeKey) => void;
  /** Alerts and calibrations in the span, supplied by the app from their features. */
  markers: TrendMarker[];
}

function Swatch({ color, dashed }: { color: string; dashed?: boolean }) {
  return (
    <span
      className="legend-swatch"
      style={{ borderTopColor: color, borderTopStyle: dashed ? 'dashed' : 'solid' }}
    />
  );
}

/** What one plotted point stands for: a raw reading, or a bucket of the tier's width. */
function resolution(s: { tier: string; bucket_seconds?: number | null }): string {
  const b = s.bucket_seconds;
  if (!b) return TIER_WORD[s.tier] ?? s.tier;
  const w =
    b % 86_400 === 0
      ? `${b / 86_400}-day`
      : b % 3600 === 0
        ? `${b / 3600}-hour`
        : b % 60 === 0
          ? `${b / 60}-minute`
          : `${b}-second`;
  return `${w} buckets (from ${TIER_WORD[s.tier] ?? s.tier})`;
}

export function RangeSelector({ range, onChange }: { range: RangeKey; onChange: (r: RangeKey) => void }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a toolbar of toggle buttons reads better than a radio group here
    <div className="segmented" role="group" aria-label="Time range">
      {(Object.keys(RANGES) as RangeKey[]).map((k) => (
        <button key={k} type="button" aria-pressed={k === range} onClick={() => onChange(k)}>
          {RANGES[k].label}
        </button>
      ))}
    </div>
  );
}

export function TrendViewer({ tag, range, onRangeChange, markers }: Props) {
  const q = useTrend(tag, range);
  const [scale, setScale] = useState<YScale>('limits');
  const stats = q.data ? spanStats(q.data.points) : null;
  const unit = q.data?.unit ?? '';
  const inSpan = q.data
    ? markers
        .filter((m) => m.time >= q.data.window.from && m.time <= q.data.window.to)
        .sort((a, b) => a.time.localeCompare(b.time))
    : [];

  return (
    <section className="panel" aria-label={`Trend of ${tag}`}>
      <div className="trend-toolbar">
        <RangeSelector range={range} onChange={onRangeChange} />
        <div className="header-actions">
          <label className="inline-label">
            <span className="sr-only">Vertical scale</span>
            <select
              aria-label="Vertical scale"
              value={scale}
              onChange={(e) => setScale(e.target.value as YScale)}
            >
              <option value="limits">Scale: values and alarm limits</option>
              <option value="data">Scale: values only</option>
              <option value="range">Scale: full instrument range</option>
            </select>
          </label>
          {q.data && (
            <small className="muted" data-testid="trend-tier">
              {q.data.points.length} points · {resolution(q.data)} · updated {formatTime(q.dataUpdatedAt)}
            </small>
          )}
          {q.isFetching && <span className="spinner" role="status" aria-label="Loading trend" />}
        </div>
      </div>
      {q.isPending && <Loading label="Loading the trend…" />}
      {q.error && !q.data && <ErrorMessage error={q.error} onRetry={() => q.refetch()} />}
      {q.data && (
        <div
          style={{ opacity: q.isPlaceholderData ? 0.5 : 1 }}
          data-range={q.isPlaceholderData ? '' : range}
          data-testid="trend"
        >
          {q.data.points.length === 0 ? (
            <EmptyState title={`No readings for ${tag} in the last ${RANGES[range].label}`}>
              Readings appear once the instrument (or the simulator) publishes over MQTT.
            </EmptyState>
          ) : (
            <TrendChart series={q.data} window={q.data.window} markers={inSpan} scale={scale} />
          )}
          <div className="legend-line" aria-hidden="true">
            <span>
              <Swatch color="#1f5fa8" /> value{q.data.tier !== 'raw' && ' (band: bucket min–max)'}
            </span>
            <span>
              <Swatch color="#2e7d32" /> nominal
            </span>
            <span>
              <Swatch color="#d48a00" dashed /> warning limits (L/H)
            </span>
            <span>
              <Swatch color="#c62828" dashed /> critical limits (LL/HH)
            </span>
            <span>
              <Swatch color="#8a97a6" dashed /> range
            </span>
            <span>
              <Swatch color="#0f7b6c" /> calibration
            </span>
            <span>
              <Swatch color="#c62828" dashed /> alert
            </span>
          </div>
          {stats && (
            <dl
              className="trend-stats"
              aria-label={`Statistics for the last ${RANGES[range].label}`}
              data-testid="trend-stats"
            >
              <div className="stat">
                <dt>Min</dt>
                <dd>
                  {formatValue(stats.min)} {unit}
                </dd>
              </div>
              <div className="stat">
                <dt>Max</dt>
                <dd>
                  {formatValue(stats.max)} {unit}
                </dd>
              </div>
              <div className="stat">
                <dt>Mean</dt>
                <dd>
                  {formatValue(stats.mean)} {unit}
                </dd>
              </div>
              <div className="stat">
                <dt>Std dev</dt>
                <dd>
                  {formatValue(stats.std)} {unit}
                </dd>
              </div>
              <div className="stat">
                <dt>Last</dt>
                <dd title={formatDateTime(stats.lastAt)}>
                  {formatValue(stats.last)} {unit}
                </dd>
              </div>
              <div className="stat">
                <dt>Points</dt>
                <dd>{stats.count}</dd>
              </div>
            </dl>
          )}
          {inSpan.length > 0 && (
            <details className="trend-events">
              <summary>
                {inSpan.length} event{inSpan.length === 1 ? '' : 's'} in this span
              </summary>
              <ul>
                {inSpan.map((m) => (
                  <li key={m.id}>
                    {formatDateTime(m.time)} — {m.label}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </section>
  );
}
