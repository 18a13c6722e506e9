import { CriticalityBadge, StatusBadge } from '../../../components/Badges.tsx';
import { formatDate, formatDateTime, formatValue } from '../../../lib/format.ts';
import { type Instrument, TYPE_WORD } from '../types.ts';

/** The register entry of one instrument: what it is, where, its range, limits and calibration. */
export function InstrumentFacts({ i }: { i: Instrument }) {
  const lim = (v: number | null) => (v === null ? '—' : `${formatValue(v)} ${i.unit}`);
  return (
    <dl className="fact-grid">
      <div>
        <dt>Type</dt>
        <dd>
          {TYPE_WORD[i.type] ?? i.type}
          {i.measured_variable && <> · {i.measured_variable}</>}
        </dd>
      </div>
      <div>
        <dt>Range</dt>
        <dd>
          {formatValue(i.range_min)} – {formatValue(i.range_max)} {i.unit}
        </dd>
      </div>
      <div>
        <dt>Nominal</dt>
        <dd>{lim(i.nominal_value)}</dd>
      </div>
      <div>
        <dt>Accuracy class</dt>
        <dd>±{i.accuracy_class} % of span</dd>
      </div>
      <div>
        <dt>Process unit</dt>
        <dd>{i.process_unit_name ?? '—'}</dd>
      </div>
      <div>
        <dt>Location / equipment</dt>
        <dd>{[i.location, i.equipment].filter(Boolean).join(' · ') || '—'}</dd>
      </div>
      <div>
        <dt>Criticality</dt>
        <dd>
          <CriticalityBadge criticality={i.criticality} />
        </dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={i.status} />
        </dd>
      </div>
      <div>
        <dt>Alarm limits LL / L / H / HH</dt>
        <dd>
          {[i.alarm_low_critical, i.alarm_low_warning, i.alarm_high_warning, i.alarm_high_critical]
            .map((v) => (v === null ? '—' : formatValue(v)))
            .join(' / ')}{' '}
          {i.unit}
        </dd>
      </div>
      <div>
        <dt>Deadband / on-delay</dt>
        <dd>
          {formatValue(i.alarm_deadband)} {i.unit} / {i.alarm_on_delay_seconds} s
        </dd>
      </div>
      <div>
        <dt>Last calibration</dt>
        <dd>{formatDate(i.last_calibration_at)}</dd>
      </div>
      <div>
        <dt>Next calibration due</dt>
        <dd>
          {formatDate(i.next_calibration_due)}{' '}
          {i.calibration_overdue && <span className="badge severity-critical">Overdue</span>}
        </dd>
      </div>
      {i.suppressed_until && Date.parse(i.suppressed_until) > Date.now() && (
        <div>
          <dt>Alerts suppressed until</dt>
          <dd>{formatDateTime(i.suppressed_until)}</dd>
        </div>
      )}
    </dl>
  );
}
