import { Link } from 'react-router-dom';
import { paths } from '../../../config/paths.ts';
import type { DashboardSummary } from '../types.ts';

export function KpiTiles({ summary }: { summary: DashboardSummary }) {
  const tiles = [
    {
      label: 'Total instruments',
      value: summary.total_instruments,
      hint: 'In the register',
      to: paths.instruments.href(),
      tone: 'kpi',
    },
    {
      label: 'Calibration overdue',
      value: summary.calibration_overdue,
      hint: 'Past their due date',
      to: `${paths.alerts.href()}?type=calibration_overdue`,
      tone: summary.calibration_overdue > 0 ? 'kpi kpi-warn' : 'kpi kpi-ok',
    },
    {
      label: 'Active alerts',
      value: summary.active_alerts,
      hint: 'Raised or acknowledged',
      to: paths.alerts.href(),
      tone: summary.active_alerts > 0 ? 'kpi kpi-alarm' : 'kpi kpi-ok',
    },
    {
      label: 'Open work orders',
      value: summary.open_work_orders,
      hint: 'Open or in progress',
      to: paths.workOrders.href(),
      tone: 'kpi',
    },
  ];
  return (
    <section className="kpis" aria-label="Key figures">
      {tiles.map((t) => (
        <Link
          key={t.label}
          to={t.to}
          className={t.tone}
          data-testid={`kpi-${t.label.toLowerCase().replace(/\s+/g, '-')}`}
        >
          <div className="kpi-label">{t.label}</div>
          <div className="kpi-value">{t.value}</div>
          <div className="kpi-hint">{t.hint}</div>
        </Link>
      ))}
    </section>
  );
}
