import type { ChartOptions } from 'chart.js';
import { Bar } from 'react-chartjs-2';
import '../chart-setup.ts';
import type { AlarmKpis } from '../api/get-alarm-kpis.ts';

const COLORS = {
  bar: '#1f5fa8',
  flood: '#c62828',
  target: '#2e7d32',
  advisory: '#1d6fb8',
  warning: '#d48a00',
  critical: '#c62828',
};

const hline = (y: number, color: string, label: string) => ({
  type: 'line',
  yMin: y,
  yMax: y,
  borderColor: color,
  borderWidth: 1.5,
  borderDash: [6, 4],
  label: { display: true, content: label, position: 'end', font: { size: 11 } },
});

/** Alarms per 10-minute period, flood periods in red, with the EEMUA target and flood lines. */
export function RateChart({ k }: { k: AlarmKpis }) {
  const start = Date.parse(k.series_start);
  const labels = k.rate_series.map((_, i) => {
    const d = new Date(start + i * 600_000);
    return `${d.toISOString().slice(5, 10)} ${d.toISOString().slice(11, 16)}`;
  });
  const options = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: {
      legend: { display: false },
      annotation: {
        annotations: {
          target: hline(1, COLORS.target, 'target ~1 / 10 min'),
          flood: hline(10, COLORS.flood, 'flood ≥ 10'),
        },
      },
    },
    scales: {
      x: { ticks: { maxTicksLimit: 12, autoSkip: true } },
      y: { beginAtZero: true, title: { display: true, text: 'alarms / 10 min' }, suggestedMax: 11 },
    },
  } as ChartOptions<'bar'>;
  return (
    <div className="chart-box" style={{ height: 260 }}>
      <Bar
        aria-label="Alarms per 10-minute period"
        role="img"
        options={options}
        data={{
          labels,
          datasets: [
            {
              label: 'Alarms',
              data: k.rate_series,
              backgroundColor: k.rate_series.map((n) => (n >= 10 ? COLORS.flood : COLORS.bar)),
              barPercentage: 1,
              categoryPercentage: 1,
            },
          ],
        }}
      />
    </div>
  );
}

/** Share of alarms per priority beside the EEMUA 191 split. */
export function PriorityChart({ k }: { k: AlarmKpis }) {
  const options = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: '% of alarms' } } },
  } as ChartOptions<'bar'>;
  return (
    <div className="chart-box" style={{ height: 220 }}>
      <Bar
        aria-label="Alarms by priority against the target split"
        role="img"
        options={options}
        data={{
          labels: k.by_priority.map((p) => p.severity),
          datasets: [
            {
              label: 'Actual %',
              data: k.by_priority.map((p) => p.percent),
              backgroundColor: k.by_priority.map(
                (p) => COLORS[p.severity as keyof typeof COLORS] ?? COLORS.bar,
              ),
            },
            {
              label: 'Target %',
              data: k.by_priority.map((p) => p.target_percent),
              backgroundColor: 'rgba(46,125,50,0.35)',
            },
          ],
        }}
      />
    </div>
  );
}

/** The top 10 bad actors' raises. */
export function BadActorChart({ k }: { k: AlarmKpis }) {
  const options = {
    indexAxis: 'y',
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: false } },
    scales: { x: { beginAtZero: true, title: { display: true, text: 'alarms' } } },
  } as ChartOptions<'bar'>;
  return (
    <div className="chart-box" style={{ height: Math.max(120, 28 * k.bad_actors.length + 40) }}>
      <Bar
        aria-label="Top 10 bad actors"
        role="img"
        options={options}
        data={{
          labels: k.bad_actors.map((a) => `${a.tag ?? '?'} · ${a.alert_type.replace(/_/g, ' ')}`),
          datasets: [
            { label: 'Alarms', data: k.bad_actors.map((a) => a.raises), backgroundColor: COLORS.bar },
          ],
        }}
      />
    </div>
  );
}
