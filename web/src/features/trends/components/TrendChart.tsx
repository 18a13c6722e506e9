import type { ChartData, ChartOptions } from 'chart.js';
import { useMemo } from 'react';
import { Line } from 'react-chartjs-2';
import '../chart-setup.ts';
import { formatValue } from '../../../lib/format.ts';
import type { TrendMarker, TrendSeries } from '../types.ts';

// The plugin's option types do not resolve under NodeNext (extensionless re-exports), so the
// annotations are described by this local shape.
type AnnotationOptions = Record<string, unknown>;

const COLORS = {
  line: '#1f5fa8',
  band: 'rgba(31, 95, 168, 0.14)',
  range: '#8a97a6',
  nominal: '#2e7d32',
  warning: '#d48a00',
  critical: '#c62828',
  advisory: '#1d6fb8',
  calibration: '#0f7b6c',
  calibrationFail: '#8e3bb5',
};

function limitsOf(s: TrendSeries) {
  const l = s.limits;
  return {
    lowCritical: l.low_critical,
    lowWarning: l.low_warning,
    highWarning: l.high_warning,
    highCritical: l.high_critical,
  };
}

export type YScale = 'data' | 'limits' | 'range';

function hline(
  id: string,
  y: number,
  color: string,
  label: string,
  dash: number[],
  fit: boolean,
  width = 1.5,
): [string, AnnotationOptions] {
  return [
    id,
    {
      type: 'line',
      // Whether the y-axis stretches to show this line (see the scale choice).
      adjustScaleRange: fit,
      yMin: y,
      yMax: y,
      borderColor: color,
      borderWidth: width,
      borderDash: dash,
      label: {
        display: true,
        content: label,
        position: 'start',
        backgroundColor: 'rgba(255,255,255,0.85)',
        color,
        font: { size: 10, weight: 'bold' },
        padding: 2,
        yAdjust: -8,
      },
    },
  ];
}

interface Props {
  series: TrendSeries;
  window: { from: string; to: string };
  markers: TrendMarker[];
  scale: YScale;
}

/**
 * The trend: values on a real time axis with hover tooltips, the min–max band of aggregated
 * buckets, the range / nominal / alarm-limit lines, and the alerts and calibrations of the span.
 */
export function TrendChart({ series, window, markers, scale }: Props) {
  const aggregated = series.tier !== 'raw';
  const data = useMemo<ChartData<'line', { x: number; y: number }[]>>(() => {
    const pts = series.points.map((p) => ({ t: Date.parse(p.timestamp), ...p }));
    const datasets: ChartData<'line', { x: number; y: number }[]>['datasets'] = [
      {
        label: `${series.tag} (${series.unit})`,
        data: pts.map((p) => ({ x: p.t, y: p.value })),
        borderColor: COLORS.line,
        backgroundColor: COLORS.line,
        borderWidth: 1.6,
        pointRadius: pts.length > 200 ? 0 : 1.5,
        pointHoverRadius: 4,
        tension: 0,
        order: 0,
      },
    ];
    if (aggregated) {
      datasets.push(
        {
          label: 'Bucket min',
          data: pts.map((p) => ({ x: p.t, y: p.min })),
          borderWidth: 0,
          pointRadius: 0,
          pointHoverRadius: 0,
          borderColor: 'transparent',
          fill: false,
          order: 2,
        },
        {
          label: 'Bucket max',
          data: pts.map((p) => ({ x: p.t, y: p.max })),
          borderWidth: 0,
          pointRadius: 0,
          pointHoverRadius: 0,
          borderColor: 'transparent',
          backgroundColor: COLORS.band,
          fill: '-1',
          order: 1,
        },
      );
    }
    return { datasets };
  }, [series, aggregated]);

  const options = useMemo<ChartOptions<'line'>>(() => {
    const lim = limitsOf(series);
    const fitRange = scale === 'range';
    const fitLimits = scale !== 'data';
    const ann: [string, AnnotationOptions][] = [
      hline(
        'rangeMin',
        series.range_min,
        COLORS.range,
        `Range min ${formatValue(series.range_min)}`,
        [2, 3],
        fitRange,
        1,
      ),
      hline(
        'rangeMax',
        series.range_max,
        COLORS.range,
        `Range max ${formatValue(series.range_max)}`,
        [2, 3],
        fitRange,
        1,
      ),
    ];
    if (series.nominal_value !== null)
      ann.push(hline('nominal', series.nominal_value, COLORS.nominal, 'Nominal', [], fitLimits, 1.2));
    if (lim.lowWarning !== null)
      ann.push(hline('lw', lim.lowWarning, COLORS.warning, 'L', [6, 4], fitLimits));
    if (lim.highWarning !== null)
      ann.push(hline('hw', lim.highWarning, COLORS.warning, 'H', [6, 4], fitLimits));
    if (lim.lowCritical !== null)
      ann.push(hline('lc', lim.lowCritical, COLORS.critical, 'LL', [6, 4], fitLimits));
    if (lim.highCritical !== null)
      ann.push(hline('hc', lim.highCritical, COLORS.critical, 'HH', [6, 4], fitLimits));
    for (const m of markers) {
      const t = Date.parse(m.time);
      const color =
        m.kind === 'calibration'
          ? m.tone === 'fail'
            ? COLORS.calibrationFail
            : COLORS.calibration
          : (COLORS[m.tone as 'critical' | 'warning' | 'advisory'] ?? COLORS.critical);
      ann.push([
        `m-${m.id}`,
        {
          type: 'line',
          adjustScaleRange: false,
          xMin: t,
          xMax: t,
          borderColor: color,
          borderWidth: 1.5,
          borderDash: m.kind === 'calibration' ? [] : [3, 3],
          label: {
            display: true,
            content: m.kind === 'calibration' ? 'Cal' : '!',
            position: 'end',
            backgroundColor: color,
            color: '#fff',
            font: { size: 10, weight: 'bold' },
            padding: { x: 4, y: 2 },
          },
        },
      ]);
    }

    const yRange =
      scale === 'range' || series.points.length === 0
        ? { min: series.range_min, max: series.range_max }
        : { grace: '8%' as const };
    // Ticks at a unit that suits the span: minutes for an hour, hours for a day, days for a week.
    const spanMs = Date.parse(window.to) - Date.parse(window.from);
    const unit = spanMs > 2 * 86_400_000 ? 'day' : spanMs > 2 * 3_600_000 ? 'hour' : 'minute';

    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'time',
          min: Date.parse(window.from),
          max: Date.parse(window.to),
          time: {
            unit,
            tooltipFormat: 'd MMM yyyy HH:mm:ss',
            displayFormats: { minute: 'HH:mm', hour: 'HH:mm', day: 'EEE d MMM' },
          },
          ticks: { maxRotation: 0, autoSkipPadding: 16, color: '#4a5868' },
          grid: { color: '#eef1f5' },
        },
        y: {
          ...yRange,
          title: { display: true, text: series.unit, color: '#4a5868' },
          ticks: { color: '#4a5868' },
          grid: { color: '#eef1f5' },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => item.datasetIndex === 0,
          callbacks: {
            label: (item) => {
              const p = series.points[item.dataIndex];
              const base = `${formatValue(item.parsed.y)} ${series.unit}`;
              return aggregated && p
                ? [`avg ${base}`, `min ${formatValue(p.min)} · max ${formatValue(p.max)}`]
                : base;
            },
          },
        },
        annotation: { annotations: Object.fromEntries(ann) },
      },
    };
  }, [series, window, markers, scale, aggregated]);

  return (
    <div className="trend-chart">
      <Line
        data={data}
        options={options}
        aria-label={`Trend of ${series.tag} in ${series.unit}`}
        role="img"
      />
    </div>
  );
}
