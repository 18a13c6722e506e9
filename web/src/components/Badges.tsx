// The shared vocabulary of the plant: severities, alert kinds, statuses and health, each with one
// colour and one word everywhere. Colour is never the only signal: every badge carries text.

const SEVERITY_WORD: Record<string, string> = { critical: 'Critical', warning: 'Warning', advisory: 'Advisory' };

export function SeverityBadge({ severity }: { severity: string }) {
  return <span className={`badge severity-${severity}`}>{SEVERITY_WORD[severity] ?? severity}</span>;
}

/** What kind of problem an alert is: hardware vs process vs drift are told apart at a glance. */
export const ALERT_KINDS: Record<string, { label: string; category: string; glyph: string; hint: string }> = {
  instrument_fault: {
    label: 'Hardware fault',
    category: 'hardware',
    glyph: '⚙',
    hint: 'The transmitter or its wiring: signal out of range, frozen or spiking',
  },
  anomaly: {
    label: 'Process anomaly',
    category: 'process',
    glyph: '≈',
    hint: 'An unusual pattern in the process signal (Isolation Forest)',
  },
  drift: {
    label: 'Drift',
    category: 'drift',
    glyph: '↗',
    hint: 'A slow shift of the reading (CUSUM): the transmitter may need calibration',
  },
  rule_violation: {
    label: 'Limit violation',
    category: 'process',
    glyph: '⇕',
    hint: 'The process value crossed an alarm limit',
  },
  data_gap: {
    label: 'Data gap',
    category: 'hardware',
    glyph: '⋯',
    hint: 'No readings arrived for longer than expected',
  },
  calibration_overdue: {
    label: 'Calibration overdue',
    category: 'calibration',
    glyph: '⏲',
    hint: 'The instrument is past its calibration due date',
  },
};

export function AlertKindBadge({ type }: { type: string }) {
  const k = ALERT_KINDS[type] ?? { label: type, category: 'other', glyph: '•', hint: type };
  return (
    <span className={`kind kind-${k.category}`} title={k.hint}>
      <span aria-hidden="true" className="kind-glyph">
        {k.glyph}
      </span>
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
  return <span className={`badge crit-${criticality}`}>{criticality[0]?.toUpperCase() + criticality.slice(1)}</span>;
}

export function PriorityBadge({ priority }: { priority: string }) {
  return <span className={`badge priority-${priority}`}>{priority[0]?.toUpperCase() + priority.slice(1)}</span>;
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
