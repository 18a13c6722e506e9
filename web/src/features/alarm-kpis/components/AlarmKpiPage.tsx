import { Link } from 'react-router-dom';
import { EmptyState, ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { paths } from '../../../config/paths.ts';
import { formatDateTime, fromLocalInput, humanize, toLocalInput } from '../../../lib/format.ts';
import { useFilterParams } from '../../../lib/use-filter-params.ts';
import { type AlarmKpis, useAlarmKpis } from '../api/get-alarm-kpis.ts';
import { BadActorChart, PriorityChart, RateChart } from './AlarmKpiCharts.tsx';

interface Props {
  processUnits: readonly { id: number; name: string }[];
}

function Tile({
  label,
  value,
  target,
  ok,
  testId,
}: {
  label: string;
  value: string;
  target: string;
  ok: boolean;
  testId: string;
}) {
  return (
    <div className={`card ${ok ? '' : 'card-poor'}`} data-kpi={testId}>
      <div className="card-head">
        <span className="card-sub">{label}</span>
      </div>
      <div className="card-value">{value}</div>
      <small className="muted">
        {ok ? 'Within target' : 'Over target'} · target {target}
      </small>
    </div>
  );
}

function Tiles({ k }: { k: AlarmKpis }) {
  const t = k.targets;
  return (
    <div className="cards">
      <Tile
        testId="per_10_minutes"
        label="Average alarms / 10 min"
        value={String(k.average_per_10_minutes)}
        target={t.per_10_minutes.text}
        ok={k.average_per_10_minutes <= t.per_10_minutes.max}
      />
      <Tile
        testId="per_hour"
        label="Average alarms / hour"
        value={String(k.average_per_hour)}
        target={t.per_hour.text}
        ok={k.average_per_hour <= t.per_hour.max}
      />
      <Tile
        testId="flood_percent"
        label="10-min periods in flood"
        value={`${k.flood_percent} % (${k.flood_periods} of ${k.periods_10_minutes})`}
        target={t.flood_percent.text}
        ok={k.flood_percent < t.flood_percent.max}
      />
      <Tile
        testId="peak"
        label="Peak 10-min rate"
        value={`${k.peak_10_minutes.count}${k.peak_10_minutes.start ? ` at ${formatDateTime(k.peak_10_minutes.start)}` : ''}`}
        target={t.peak_10_minutes.text}
        ok={k.peak_10_minutes.count <= t.peak_10_minutes.max}
      />
      <Tile
        testId="chattering"
        label="Chattering alarms"
        value={String(k.chattering.count)}
        target={t.chattering.text}
        ok={k.chattering.count <= t.chattering.max}
      />
      <Tile
        testId="stale"
        label="Stale alarms (open > 24 h)"
        value={String(k.stale.count)}
        target={t.stale.text}
        ok={k.stale.count < t.stale.max}
      />
      <Tile
        testId="top10"
        label="Top 10 share of load"
        value={`${k.top10_percent} %`}
        target={t.top10_percent.text}
        ok={k.top10_percent <= t.top10_percent.max}
      />
    </div>
  );
}

/** The alarm KPI page (ISA-18.2 / EEMUA 191): period and process unit in the URL. */
export function AlarmKpiPage({ processUnits }: Props) {
  const [params, setParam] = useFilterParams();
  const unit = Number(params.get('unit')) || undefined;
  const from = params.get('from') || undefined;
  const to = params.get('to') || undefined;
  const q = useAlarmKpis({ from, to, process_unit_id: unit });
  const k = q.data;
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Alarm KPIs</h1>
          <p className="subtitle">
            Alarm system performance per ISA-18.2 and EEMUA 191, from the alarm event log
            {k && (
              <>
                {' '}
                · {formatDateTime(k.from)} – {formatDateTime(k.to)} · {k.total_alarms} alarms
              </>
            )}
          </p>
        </div>
      </header>
      <search className="filters" aria-label="Filter alarm KPIs">
        <label>
          <span>From</span>
          <input
            type="datetime-local"
            value={from ? toLocalInput(new Date(from)) : ''}
            onChange={(e) => setParam('from', fromLocalInput(e.target.value) ?? '')}
          />
        </label>
        <label>
          <span>To</span>
          <input
            type="datetime-local"
            value={to ? toLocalInput(new Date(to)) : ''}
            onChange={(e) => setParam('to', fromLocalInput(e.target.value) ?? '')}
          />
        </label>
        <label>
          <span>Process unit</span>
          <select value={unit ?? ''} onChange={(e) => setParam('unit', e.target.value)}>
            <option value="">Whole plant</option>
            {processUnits.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        {(from || to) && (
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              setParam('from', '');
              setParam('to', '');
            }}
          >
            Last 7 days
          </button>
        )}
      </search>
      {q.isPending && <Loading label="Computing alarm KPIs…" />}
      {q.error && <ErrorMessage error={q.error} onRetry={() => q.refetch()} />}
      {k && (
        <>
          <Tiles k={k} />
          <section className="panel">
            <h2>Alarm rate per 10 minutes</h2>
            {k.total_alarms === 0 ? (
              <EmptyState title="No alarms raised in this period" />
            ) : (
              <RateChart k={k} />
            )}
          </section>
          <div className="grid-2">
            <section className="panel">
              <h2>Distribution by priority</h2>
              <p className="muted">{k.targets.priority_percent.text}</p>
              <PriorityChart k={k} />
              <table className="table">
                <thead>
                  <tr>
                    <th>Priority</th>
                    <th className="num">Alarms</th>
                    <th className="num">Share</th>
                    <th className="num">Target</th>
                  </tr>
                </thead>
                <tbody>
                  {k.by_priority.map((p) => (
                    <tr key={p.severity}>
                      <td>{humanize(p.severity)}</td>
                      <td className="num">{p.count}</td>
                      <td className="num">{p.percent} %</td>
                      <td className="num">~{p.target_percent} %</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section className="panel">
              <h2>Top 10 bad actors</h2>
              <p className="muted">{k.targets.top10_percent.text}</p>
              {k.bad_actors.length === 0 ? (
                <EmptyState title="No alarms in this period" />
              ) : (
                <>
                  <BadActorChart k={k} />
                  <table className="table" data-table="bad-actors">
                    <thead>
                      <tr>
                        <th>Alarm</th>
                        <th className="num">Alarms</th>
                        <th className="num">Share</th>
                      </tr>
                    </thead>
                    <tbody>
                      {k.bad_actors.map((a) => (
                        <tr key={`${a.tag}-${a.alert_type}`}>
                          <td>
                            {a.instrument_id ? (
                              <Link to={paths.instrument.href(a.instrument_id)} className="tag-link">
                                {a.tag}
                              </Link>
                            ) : (
                              a.tag
                            )}{' '}
                            {humanize(a.alert_type)}
                          </td>
                          <td className="num">{a.raises}</td>
                          <td className="num">{a.percent} %</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              )}
            </section>
          </div>
          <div className="grid-2">
            <section className="panel">
              <h2>Chattering alarms</h2>
              <p className="muted">
                {k.targets.chattering.text} (≥ 3 raises of the same alarm within 1 minute)
              </p>
              {k.chattering.count === 0 ? (
                <EmptyState title="No chattering alarms" />
              ) : (
                <table className="table">
                  <thead>
                    <tr>
                      <th>Alarm</th>
                      <th className="num">Raises</th>
                      <th className="num">Most in 1 min</th>
                    </tr>
                  </thead>
                  <tbody>
                    {k.chattering.alarms.map((c) => (
                      <tr key={`${c.tag}-${c.alert_type}-${c.condition}`}>
                        <td>
                          {c.tag} {humanize(c.alert_type)} · {humanize(c.condition)}
                        </td>
                        <td className="num">{c.raises}</td>
                        <td className="num">{c.max_raises_per_minute}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section className="panel">
              <h2>Stale alarms</h2>
              <p className="muted">{k.targets.stale.text}</p>
              {k.stale.count === 0 ? (
                <EmptyState title="No alarm open longer than 24 hours" />
              ) : (
                <table className="table">
                  <thead>
                    <tr>
                      <th>Alarm</th>
                      <th>Raised</th>
                      <th className="num">Open (h)</th>
                    </tr>
                  </thead>
                  <tbody>
                    {k.stale.alarms.map((s) => (
                      <tr key={s.alert_id}>
                        <td>
                          {s.tag} {humanize(s.alert_type)} · {s.message}
                        </td>
                        <td>{formatDateTime(s.raised_at)}</td>
                        <td className="num">{s.open_hours}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </div>
        </>
      )}
    </div>
  );
}
