import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { PassFail } from '../../../components/Badges.tsx';
import { EmptyState, ErrorMessage, FormError, Loading } from '../../../components/Feedback.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import type { Query } from '../../../lib/api-client.ts';
import { formatDate, formatDateTime } from '../../../lib/format.ts';
import { useDownloadReport } from '../api/download-report.ts';
import { useReport } from '../api/get-report.ts';
import { type Cell, REPORT_DEFS, type ReportColumn, type ReportJson, type ReportTable } from '../types.ts';

const PAGE = 100;
const SCOPE_KEYS = ['from', 'to', 'process_unit_id', 'tag', 'instrument_type', 'criticality'];

export function formatCell(v: Cell, kind?: string, decimals?: number): React.ReactNode {
  if (v === null || v === undefined || v === '') return <span className="muted">—</span>;
  switch (kind) {
    case 'datetime':
      return formatDateTime(String(v));
    case 'date':
      return formatDate(String(v));
    case 'percent':
      return typeof v === 'number' ? `${v.toFixed(decimals ?? 1)} %` : String(v);
    case 'number':
      return typeof v === 'number' ? v.toFixed(decimals ?? 2) : String(v);
    case 'int':
      return typeof v === 'number' ? String(Math.round(v)) : String(v);
    case 'passfail':
      if (v === true || v === 1) return <PassFail passed={true} label="PASS" />;
      if (v === false || v === 0) return <PassFail passed={false} label="FAIL" />;
      return String(v);
    case 'yesno':
      return v === true || v === 1 ? 'Yes' : v === false || v === 0 ? 'No' : String(v);
    default:
      if (typeof v === 'boolean') return v ? 'Yes' : 'No';
      if (typeof v === 'number' && decimals !== undefined) return v.toFixed(decimals);
      return String(v);
  }
}

function isNumeric(kind?: string) {
  return kind === 'int' || kind === 'number' || kind === 'percent';
}

/** Numbers right-aligned; tags and dates kept on one line so a row stays readable. */
function cellClass(c: ReportColumn): string | undefined {
  if (isNumeric(c.kind)) return 'num';
  if (c.key === 'tag' || c.kind === 'date' || c.kind === 'datetime' || c.kind === 'passfail') return 'nowrap';
  return undefined;
}

function Table({
  columns,
  rows,
  caption,
}: {
  columns: ReportColumn[];
  rows: Record<string, Cell>[];
  caption: string;
}) {
  if (rows.length === 0) return <EmptyState title="No rows for these filters" />;
  return (
    <div className="table-scroll">
      <table className="table table-compact">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={cellClass(c)}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: report rows have no identity of their own
            <tr key={i}>
              {columns.map((c) => (
                <td key={c.key} className={cellClass(c)}>
                  {formatCell(r[c.key], c.kind, c.decimals)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Section({ t }: { t: ReportTable }) {
  return (
    <section className="panel">
      <h3>{t.title}</h3>
      <Table columns={t.columns} rows={t.rows} caption={t.title} />
    </section>
  );
}

function ReportView({
  r,
  offset,
  setOffset,
}: {
  r: ReportJson;
  offset: number;
  setOffset: (o: number) => void;
}) {
  return (
    <>
      <section className="panel">
        <h2>{r.title}</h2>
        <p className="report-meta">
          {r.description}
          <br />
          {r.plant_name} · period {formatDateTime(r.period.from)} – {formatDateTime(r.period.to)}
          {r.period.source === 'default' && ' (default period)'} · generated {formatDateTime(r.generated_at)}{' '}
          by {r.generated_by.full_name}
          {r.filters.length > 0 && (
            <> · filters: {r.filters.map((f) => `${f.label} ${f.display}`).join(', ')}</>
          )}
        </p>
        {r.summary_fields.length > 0 && (
          <div className="summary-figures" data-testid="report-summary">
            {r.summary_fields.map((f) => (
              <div key={f.key} className="figure">
                <div className="figure-label">{f.label}</div>
                <div className="figure-value">
                  {formatCell(r.summary[f.key] ?? null, f.kind, f.decimals)}
                  {f.unit && r.summary[f.key] !== null && <small> {f.unit}</small>}
                </div>
              </div>
            ))}
          </div>
        )}
      </section>
      {r.sections.map((s) => (
        <Section key={s.key} t={s} />
      ))}
      <section className="panel">
        <h3>
          {r.table.title} <small className="muted">({r.total_rows} rows)</small>
        </h3>
        <Table columns={r.columns} rows={r.rows} caption={r.table.title} />
        <Pagination total={r.total_rows} limit={PAGE} offset={offset} onChange={setOffset} noun="rows" />
      </section>
      {r.notes.length > 0 && (
        <section className="panel">
          <h3>How the figures are computed</h3>
          <ul>
            {r.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </section>
      )}
      <details className="panel raw-json">
        <summary>Raw JSON</summary>
        <pre>{JSON.stringify(r, null, 2)}</pre>
      </details>
    </>
  );
}

interface Props {
  processUnits: { id: number; name: string }[];
}

/** Every report with its filters: figures and tables on screen, raw JSON, and PDF / CSV files. */
export function ReportsPage({ processUnits }: Props) {
  const [params, setParams] = useSearchParams();
  const key = REPORT_DEFS.some((d) => d.key === params.get('report'))
    ? (params.get('report') as string)
    : 'calibration';
  const def = REPORT_DEFS.find((d) => d.key === key) ?? REPORT_DEFS[0];
  const applied: Query = {};
  for (const k of [...SCOPE_KEYS, ...def.filters.map((f) => f.key)]) {
    const v = params.get(k);
    if (v) applied[k] = k === 'process_unit_id' ? Number(v) : v;
  }
  const [draft, setDraft] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(applied).map(([k, v]) => [k, String(v)])),
  );
  const [offset, setOffset] = useState(0);
  const [dateError, setDateError] = useState<string | null>(null);
  const report = useReport(key, { ...applied, limit: PAGE, offset });
  const download = useDownloadReport();

  const choose = (k: string) => {
    setParams({ report: k });
    setDraft({});
    setOffset(0);
    download.reset();
  };

  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (draft.from && draft.to && draft.from > draft.to) {
      setDateError('The start date must not be after the end date');
      return;
    }
    setDateError(null);
    const next = new URLSearchParams({ report: key });
    for (const [k, v] of Object.entries(draft)) if (v.trim()) next.set(k, v.trim());
    setParams(next);
    setOffset(0);
  };

  const set = (k: string) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [k]: e.target.value }));

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Reports</h1>
          <p className="subtitle">Audit-ready reports: view on screen, or download as PDF or CSV.</p>
        </div>
      </header>
      <div className="tabs" role="tablist" aria-label="Reports">
        {REPORT_DEFS.map((d) => (
          <button
            key={d.key}
            type="button"
            role="tab"
            aria-selected={d.key === key}
            onClick={() => choose(d.key)}
          >
            {d.title}
          </button>
        ))}
      </div>
      <section className="panel">
        <p className="muted" style={{ marginTop: 0 }}>
          {def.blurb} Default period: the last {def.defaultDays} days.
        </p>
        <form className="filters" onSubmit={apply} aria-label={`${def.title} report filters`}>
          <label>
            <span>From</span>
            <input type="date" value={draft.from ?? ''} onChange={set('from')} aria-invalid={!!dateError} />
          </label>
          <label>
            <span>To</span>
            <input type="date" value={draft.to ?? ''} onChange={set('to')} aria-invalid={!!dateError} />
          </label>
          <label>
            <span>Process unit</span>
            <select value={draft.process_unit_id ?? ''} onChange={set('process_unit_id')}>
              <option value="">All units</option>
              {processUnits.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Instrument tag</span>
            <input value={draft.tag ?? ''} onChange={set('tag')} placeholder="All instruments" size={12} />
          </label>
          <label>
            <span>Type</span>
            <select value={draft.instrument_type ?? ''} onChange={set('instrument_type')}>
              <option value="">All types</option>
              {['pressure', 'temperature', 'flow', 'level'].map((t) => (
                <option key={t} value={t}>
                  {t[0].toUpperCase() + t.slice(1)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Criticality</span>
            <select value={draft.criticality ?? ''} onChange={set('criticality')}>
              <option value="">Any</option>
              {['low', 'medium', 'high', 'critical'].map((t) => (
                <option key={t} value={t}>
                  {t[0].toUpperCase() + t.slice(1)}
                </option>
              ))}
            </select>
          </label>
          {def.filters.map((f) => (
            <label key={f.key}>
              <span>{f.label}</span>
              <select value={draft[f.key] ?? ''} onChange={set(f.key)}>
                <option value="">All</option>
                {f.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
          ))}
          <button type="submit" className="button button-primary">
            Run report
          </button>
          <span className="filter-action header-actions">
            <button
              type="button"
              className="button"
              disabled={download.isPending}
              onClick={() => download.mutate({ key, query: applied, format: 'csv' })}
            >
              Download CSV
            </button>
            <button
              type="button"
              className="button"
              disabled={download.isPending}
              onClick={() => download.mutate({ key, query: applied, format: 'pdf' })}
            >
              Download PDF
            </button>
          </span>
        </form>
        {dateError && <FormError error={dateError} />}
        {download.isPending && (
          <div role="status" aria-live="polite">
            {download.progress ? (
              <>
                <p className="muted">
                  Large export ({download.progress.rows} rows) running as background job #
                  {download.progress.jobId}…
                </p>
                <div className="progress" aria-hidden="true">
                  <div style={{ width: `${Math.round(download.progress.progress * 100)}%` }} />
                </div>
              </>
            ) : (
              <Loading label="Preparing the file…" />
            )}
          </div>
        )}
        {download.isSuccess && (
          <p className="success" role="status">
            Downloaded {download.data}.
          </p>
        )}
        <FormError error={download.error} />
      </section>
      {report.isPending && <Loading label="Building the report…" />}
      {report.error && !report.data && <ErrorMessage error={report.error} onRetry={() => report.refetch()} />}
      {report.error && report.data && <ErrorMessage error={report.error} />}
      {report.data && report.data.report === key && (
        <ReportView r={report.data} offset={offset} setOffset={setOffset} />
      )}
    </div>
  );
}
