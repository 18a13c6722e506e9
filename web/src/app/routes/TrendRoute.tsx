import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { paths } from '../../config/paths.ts';
import { TrendViewer } from '../../features/trends/components/TrendViewer.tsx';
import { isRange, type RangeKey } from '../../features/trends/types.ts';
import { useInstrumentOptions } from '../options.ts';
import { useTrendMarkers } from './use-trend-markers.ts';

/** The trend viewer for one tag, with a picker to move to another instrument. */
export function TrendRoute() {
  const { tag = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const range: RangeKey = isRange(params.get('range')) ? (params.get('range') as RangeKey) : '24h';
  const { instruments } = useInstrumentOptions();
  const instrument = instruments.find((i) => i.tag === tag);
  const markers = useTrendMarkers(tag, instrument?.id ?? null, range);

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <p className="muted">
            <Link to={paths.dashboard.href()}>Dashboard</Link> › Trend
          </p>
          <h1>
            {tag}{' '}
            {instrument && (
              <small className="muted">
                {instrument.description ?? instrument.measured_variable} · {instrument.range_min}–
                {instrument.range_max} {instrument.unit}
              </small>
            )}
          </h1>
        </div>
        <div className="header-actions">
          <label className="inline-label">
            <span className="sr-only">Instrument</span>
            <select
              aria-label="Instrument"
              value={tag}
              onChange={(e) => navigate(paths.trend.href(e.target.value, range))}
            >
              {!instrument && <option value={tag}>{tag}</option>}
              {instruments.map((i) => (
                <option key={i.id} value={i.tag}>
                  {i.tag}
                </option>
              ))}
            </select>
          </label>
          {instrument && (
            <Link to={paths.instrument.href(instrument.id)} className="button">
              Instrument details
            </Link>
          )}
        </div>
      </header>
      <TrendViewer
        tag={tag}
        range={range}
        onRangeChange={(r) => setParams({ range: r }, { replace: true })}
        markers={markers}
      />
    </div>
  );
}
