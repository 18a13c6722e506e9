// The shared vocabulary of the plant: severities, alert kinds, statuses and health, each with one
// colour and one word everywhere. Colour is never the only signal: every badge carries text.

const SEVERITY_WORD: Record<string, string> = {
  critical: 'Critical',
  warning: 'Warning',
  advisory: 'Advisory',
};

export function SeverityBadge({ severity }: { severity: string }) {
  return <span className={`badge severity-${severity}`}>{SEVERITY_WORD[severity] ?? severity}</span>;
}

/** What kind of problem an alert is: hardware vs process vs drift are told apart at a glance. */
export const ALERT_KINDS: Record<string, { label: string; category: string; icon: string; hint: string }> = {
  instrument_fault: {
    label: 'Hardware fault',
    category: 'hardware',
    // a lightning bolt: the loop, the wiring or the transmitter itself
    icon: 'M9.5 1 3 9h4.2L6.5 15 13 7H8.8z',
    hint: 'The transmitter or its wiring: signal out of range, frozen or spiking',
  },
  anomaly: {
    label: 'Process anomaly',
    category: 'process',
    icon: 'M1 9c1.5-4 3-4 4.5 0s3 4 4.5 0 3-4 4.5 0',
    hint: 'An unusual pattern in the process signal (Isolation Forest)',
  },
  drift: {
    label: 'Drift',
    category: 'drift',
    icon: 'M1.5 13 6 8.5l3 2.5 5-6M10.5 5h3.5v3.5',
    hint: 'A slow shift of the reading (CUSUM): the transmitter may need calibration',
  },
  rule_violation: {
    label: 'Limit violation',
    category: 'process',
    icon: 'M1 4.5h14M2 13l3.5-10L9 13l2-4 2 4',
    hint: 'The process value crossed an alarm limit',
  },
  data_gap: {
    label: 'Data gap',
    category: 'hardware',
    icon: 'M1 8h2.5M6.75 8h2.5M12.5 8H15',
    hint: 'No readings arrived for longer than expected',
  },
  calibration_overdue: {
    label: 'Calibration overdue',
    category: 'calibration',
    icon: 'M8 1.75a6.25 6.25 0 1 0 0 12.5 6.25 6.25 0 0 0 0-12.5zM8 4.5V8l2.5 1.75',
    hint: 'The instrument is past its calibration due date',
  },
};

/** Filled for the bolt, stroked for the line drawings. */
const FILLED = new Set(['instrument_fault']);

export function AlertKindBadge({ type }: { type: string }) {
  const k = ALERT_KINDS[type] ?? { label: type, category: 'other', icon: 'M4 8h8', hint: type };
  const filled = FILLED.has(type);
  return (
    <span className={`kind kind-${k.category}`} title={k.hint}>
      <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true" className="kind-icon">
        <path
          d={k.icon}
          fill={filled ? 'currentColor' : 'none'}
          stroke={filled ? 'none' : 'currentColor'}
          strokeWidth="1.8"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
      {k.label}
    </span>
  );
}

const STATUS_WORD: Record<string, string> = {
  raised: 'Raised',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  open: 'Open',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
  active: 'Active',
  maintenance: 'In maintenance',
  out_of_service: 'Out of service',
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{STATUS_WORD[status] ?? status}</span>;
}

export function CriticalityBadge({ criticality }: { criticality: string }) {
  return (
    <span className={`badge crit-${criticality}`}>
      {criticality[0]?.toUpperCase() + criticality.slice(1)}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: string }) {
  return (
    <span className={`badge priority-${priority}`}>{priority[0]?.toUpperCase() + priority.slice(1)}</span>
  );
}

export function PassFail({ passed, label }: { passed: boolean | null; label?: string }) {
  if (passed === null) return <span className="badge badge-muted">{label ?? '—'}</span>;
  return <span className={passed ? 'badge pass' : 'badge fail'}>{label ?? (passed ? 'Pass' : 'Fail')}</span>;
}

const QUALITY_WORD: Record<string, string> = {
  good: 'Good',
  fault: 'Fault',
  spike: 'Spike',
  bad: 'Bad',
  stale: 'Stale',
  uncertain: 'Uncertain',
};

export function QualityBadge({ quality }: { quality: string | null | undefined }) {
  if (!quality) return <span className="badge badge-muted">No data</span>;
  return (
    <span className={`badge quality-${quality === 'good' ? 'good' : 'bad'}`}>
      {QUALITY_WORD[quality] ?? quality}
    </span>
  );
}

export function healthBand(score: number): 'good' | 'fair' | 'poor' {
  if (score >= 80) return 'good';
  if (score >= 50) return 'fair';
  return 'poor';
}

export function HealthBar({ score, label }: { score: number | null | undefined; label?: string }) {
  const s = typeof score === 'number' && Number.isFinite(score) ? Math.round(score) : null;
  return (
    <div className="health">
      {/* biome-ignore lint/a11y/useSemanticElements: a native <meter> cannot take the band colours consistently across browsers */}
      <div
        className="health-track"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={s ?? undefined}
        aria-label={label ?? 'Health score'}
      >
        {s !== null && <div className={`health-fill health-${healthBand(s)}`} style={{ width: `${s}%` }} />}
      </div>
      <span className="health-value">{s === null ? '—' : s}</span>
    </div>
  );
}
