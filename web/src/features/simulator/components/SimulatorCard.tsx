import { type FormEvent, useState } from 'react';
import { ErrorMessage, FormError, Loading } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { formatAgo, formatDateTime, formatNumber } from '../../../lib/format.ts';
import { useClearFaults } from '../api/clear-faults.ts';
import { useControlSimulator } from '../api/control-simulator.ts';
import { useSimulatorStatus } from '../api/get-simulator-status.ts';
import { useInjectFault } from '../api/inject-fault.ts';
import { FAULTS } from '../types.ts';

/** Start and stop the data simulator and inject faults, to see every detector at work. */
export function SimulatorCard({ tags }: { tags: string[] }) {
  const status = useSimulatorStatus();
  const control = useControlSimulator();
  const inject = useInjectFault();
  const clear = useClearFaults();
  const [tag, setTag] = useState('');
  const [kind, setKind] = useState('drift');
  const [params, setParams] = useState<Record<string, string>>({});
  const [duration, setDuration] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});

  if (status.isPending) return <Loading label="Loading simulator status…" />;
  if (status.error) {
    if (status.error instanceof ApiError && status.error.status === 503)
      return <p className="muted">The simulator is not available in this server process.</p>;
    return <ErrorMessage error={status.error} onRetry={() => status.refetch()} />;
  }
  const s = status.data;
  const def = FAULTS[kind];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string | undefined> = { tag: tag ? undefined : 'Choose an instrument' };
    const body: Record<string, unknown> = { tag, kind };
    for (const p of def.params) {
      const raw = (params[`${kind}.${p.key}`] ?? p.default ?? '').trim();
      if (!raw) {
        if (p.required) errs[p.key] = 'Required';
        continue;
      }
      if (p.choices) body[p.key] = raw;
      else if (Number.isFinite(Number(raw))) body[p.key] = Number(raw);
      else errs[p.key] = 'Enter a number';
    }
    if (duration.trim()) {
      const d = Number(duration);
      if (!(d > 0)) errs.duration = 'Seconds, above 0';
      else body.durationSeconds = d;
    }
    setErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    inject.mutate(body as { tag: string; kind: string });
  };

  return (
    <div className="simulator" data-testid="simulator-card">
      <div className="panel-header">
        <p style={{ margin: 0 }}>
          <span className={`badge ${s.running ? 'status-running' : 'badge-muted'}`}>
            {s.running ? 'Running' : 'Stopped'}
          </span>{' '}
          {s.running && (
            <>
              publishing {s.instruments} instruments to <code>{s.broker}</code>
              {s.rate_multiplier !== 1 && <> at ×{s.rate_multiplier}</>} · {formatNumber(s.published)}{' '}
              readings
              {s.started_at && <> since {formatAgo(s.started_at)}</>}
              {!s.connected && <span className="badge severity-warning"> broker not connected</span>}
            </>
          )}
        </p>
        <div className="header-actions">
          {s.running ? (
            <button
              type="button"
              className="button"
              disabled={control.isPending}
              onClick={() => control.mutate({ action: 'stop' })}
            >
              Stop simulator
            </button>
          ) : (
            <button
              type="button"
              className="button button-primary"
              disabled={control.isPending}
              onClick={() => control.mutate({ action: 'start' })}
            >
              Start simulator
            </button>
          )}
        </div>
      </div>
      <FormError error={control.error} />
      <h3>Inject a fault</h3>
      <form
        id="fault-form"
        onSubmit={submit}
        noValidate
        className="form-grid form-grid-4"
        aria-label="Inject a fault"
      >
        <Field label="Instrument" error={errors.tag} required>
          {(p) => (
            <select {...p} value={tag} onChange={(e) => setTag(e.target.value)}>
              <option value="">Choose…</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Fault" hint={def.hint} required>
          {(p) => (
            <select {...p} value={kind} onChange={(e) => setKind(e.target.value)}>
              {Object.entries(FAULTS).map(([k, f]) => (
                <option key={k} value={k}>
                  {f.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {def.params.map((p) => (
          <Field key={`${kind}.${p.key}`} label={p.label} error={errors[p.key]} required={p.required}>
            {(fp) =>
              p.choices ? (
                <select
                  {...fp}
                  value={params[`${kind}.${p.key}`] ?? p.default ?? ''}
                  onChange={(e) => setParams((x) => ({ ...x, [`${kind}.${p.key}`]: e.target.value }))}
                >
                  {p.choices.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  {...fp}
                  inputMode="decimal"
                  value={params[`${kind}.${p.key}`] ?? p.default ?? ''}
                  onChange={(e) => setParams((x) => ({ ...x, [`${kind}.${p.key}`]: e.target.value }))}
                />
              )
            }
          </Field>
        ))}
        <Field label="Duration (s)" error={errors.duration} hint="Empty: until cleared">
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              value={duration}
              onChange={(e) => setDuration(e.target.value)}
            />
          )}
        </Field>
      </form>
      <button type="submit" form="fault-form" className="button button-primary" disabled={inject.isPending}>
        Inject fault
      </button>
      <FormError error={inject.error} />
      {inject.isSuccess && (
        <p className="success" role="status">
          {FAULTS[inject.data.kind]?.label ?? inject.data.kind} injected on {inject.data.tag}.
        </p>
      )}
      <h3>Active faults</h3>
      {s.faults.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">Instrument</th>
              <th scope="col">Fault</th>
              <th scope="col">Parameters</th>
              <th scope="col">Since</th>
              <th scope="col">Until</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {s.faults.map((f) => (
              <tr key={`${f.tag}-${f.kind}-${f.started_at}`}>
                <td className="mono">{f.tag}</td>
                <td>{FAULTS[f.kind]?.label ?? f.kind}</td>
                <td>{describeParams(f.kind, f.params)}</td>
                <td>{formatDateTime(f.started_at)}</td>
                <td>{f.ends_at ? formatDateTime(f.ends_at) : 'cleared by hand'}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="button button-small"
                    disabled={clear.isPending}
                    onClick={() => clear.mutate({ tag: f.tag, kind: f.kind })}
                  >
                    Clear
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <FormError error={clear.error} />
    </div>
  );
}

/** A fault's parameters as the form labels them ("Offset (% of span): 5"), not as JSON. */
function describeParams(kind: string, params: Record<string, unknown>): string {
  const defs = FAULTS[kind]?.params ?? [];
  const parts = Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => {
      const label = defs.find((d) => d.key === k)?.label ?? k.replace(/([A-Z])/g, ' $1').toLowerCase();
      return `${label}: ${typeof v === 'object' ? Object.values(v as object).join(', ') : String(v)}`;
    });
  return parts.length ? parts.join('; ') : 'Default settings';
}
