import { useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { ErrorMessage } from '../../../components/Feedback.tsx';
import { paths } from '../../../config/paths.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { downloadTemplate, type UploadPhase, uploadImport } from '../api/upload-import.ts';
import type { ImportAnswer, ImportKind, ImportProblem } from '../types.ts';

// Issue 18: pick a file -> the server checks it (dry run) -> a preview with every bad cell marked
// -> confirm -> the same file written, all or nothing -> a summary that links to what came in.

const KINDS: { kind: ImportKind; label: string; hint: string }[] = [
  {
    kind: 'instruments',
    label: 'Instrument register',
    hint: 'One row per instrument: tag, type, unit, range_min, range_max, process_unit, … (or "Tag No.", "LRV", "URV", "Eng. Units").',
  },
  {
    kind: 'calibrations',
    label: 'Calibration history',
    hint: 'One row per test point: tag, performed_at, performed_by, reference_standard, reference_value, as_found, as_left, notes.',
  },
];

type Step =
  | { step: 'pick' }
  | { step: 'busy'; what: 'checking' | 'writing'; progress: UploadPhase }
  | { step: 'preview'; answer: ImportAnswer }
  | { step: 'done'; answer: ImportAnswer };

const norm = (h: string) => h.toLowerCase().replace(/[._]+/g, ' ').replace(/\s+/g, ' ').trim();

function Progress({ what, progress }: { what: string; progress: UploadPhase }) {
  const uploading = progress.phase === 'uploading';
  const pct = uploading && progress.total > 0 ? Math.round((progress.sent / progress.total) * 100) : 100;
  return (
    <div className="panel" data-testid="import-progress" aria-live="polite">
      <p>
        {uploading
          ? `Uploading the file… ${pct} %`
          : `The server is ${what} every row (one transaction; this can take a few seconds for a large file)…`}
      </p>
      <div
        className={`progress${uploading ? '' : ' progress-indeterminate'}`}
        role="progressbar"
        aria-label={uploading ? 'Upload' : `Server ${what}`}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(uploading ? { 'aria-valuenow': pct } : {})}
      >
        <div style={{ width: uploading ? `${pct}%` : '30%' }} />
      </div>
    </div>
  );
}

function Counts({ a }: { a: ImportAnswer }) {
  const future = a.dry_run || a.errors.length > 0;
  return (
    <ul className="import-counts" data-testid="import-counts">
      <li>{a.rows} data rows</li>
      <li>
        {a.created} {future ? 'to create' : 'created'}
      </li>
      {a.kind === 'instruments' && (
        <li>
          {a.updated} {future ? 'to update' : 'updated'}
        </li>
      )}
      <li>{a.unchanged} unchanged</li>
      {a.kind === 'instruments' && a.calibrations_created > 0 && (
        <li>
          {a.calibrations_created} last-calibration record{a.calibrations_created === 1 ? '' : 's'}
        </li>
      )}
      {a.process_units_created.length > 0 && (
        <li>
          new process unit{a.process_units_created.length === 1 ? '' : 's'}:{' '}
          {a.process_units_created.join(', ')}
        </li>
      )}
    </ul>
  );
}

/** The file as read, every cell an error names marked, with its message beside it. */
function PreviewTable({ answer }: { answer: ImportAnswer }) {
  const preview = answer.preview;
  if (!preview) return null;
  const cellProblems = new Map<string, ImportProblem[]>();
  const rowProblems = new Map<number, ImportProblem[]>();
  const colIndex = new Map(preview.header.map((h, i) => [norm(h), i]));
  for (const p of [...answer.errors, ...answer.warnings]) {
    const i = p.column === null ? undefined : colIndex.get(norm(p.column));
    if (i === undefined || p.row === 1) {
      rowProblems.set(p.row, [...(rowProblems.get(p.row) ?? []), p]);
      continue;
    }
    const key = `${p.row}:${i}`;
    cellProblems.set(key, [...(cellProblems.get(key) ?? []), p]);
  }
  const isError = (p: ImportProblem) => answer.errors.includes(p);
  const action = new Map(answer.items.map((it) => [it.row, it.action]));
  return (
    <div className="table-scroll">
      <table className="table table-compact import-preview" data-testid="import-preview">
        <caption className="sr-only">Preview of the file</caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            {preview.header.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
              <th scope="col" key={i}>
                {h}
              </th>
            ))}
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((r) => {
            const whole = rowProblems.get(r.row) ?? [];
            const notes: ImportProblem[] = [...whole];
            return (
              <tr key={r.row} data-row={r.row}>
                <th scope="row">{r.row}</th>
                {preview.header.map((_, i) => {
                  const ps = cellProblems.get(`${r.row}:${i}`) ?? [];
                  notes.push(...ps);
                  const bad = ps.some(isError);
                  return (
                    <td
                      // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                      key={i}
                      className={bad ? 'cell-error' : ps.length ? 'cell-warning' : undefined}
                      title={ps.map((p) => p.message).join('\n') || undefined}
                      data-testid={bad ? 'bad-cell' : undefined}
                    >
                      {r.cells[i] ?? ''}
                    </td>
                  );
                })}
                <td>
                  {notes.length > 0 ? (
                    <ul className="import-messages">
                      {notes.map((p, n) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: messages of one row
                        <li key={n} className={isError(p) ? 'text-error' : 'muted'}>
                          {p.message}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">{action.get(r.row) ?? ''}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Problems({ list, title, error }: { list: ImportProblem[]; title: string; error?: boolean }) {
  const fileLevel = list.filter((p) => p.row === 1);
  if (fileLevel.length === 0) return null;
  return (
    <div className={error ? 'error-box' : 'callout'} role={error ? 'alert' : 'status'}>
      <strong>{title}</strong>
      <ul>
        {fileLevel.map((p, n) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: messages
          <li key={n}>{p.message}</li>
        ))}
      </ul>
    </div>
  );
}

function Summary({ answer, onAgain }: { answer: ImportAnswer; onAgain: () => void }) {
  const touched = answer.items.filter((i) => i.action !== 'unchanged' && i.instrument_id !== null);
  return (
    <section className="panel" data-testid="import-summary">
      <div className="callout" role="status">
        Imported <strong>{answer.file}</strong>: {answer.created} created
        {answer.kind === 'instruments' ? `, ${answer.updated} updated` : ''}, {answer.unchanged} unchanged.
      </div>
      <Counts a={answer} />
      <p>
        <Link to={paths.instruments.href()}>Open the instrument register</Link>
      </p>
      {touched.length > 0 && (
        <table className="table table-compact">
          <caption>What was imported</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Instrument</th>
              <th scope="col">{answer.kind === 'instruments' ? 'Change' : 'Calibration'}</th>
            </tr>
          </thead>
          <tbody>
            {touched.slice(0, 500).map((i) => (
              <tr key={`${i.row}`}>
                <td>{i.row}</td>
                <td>
                  <Link to={paths.instrument.href(i.instrument_id as number)}>{i.tag}</Link>
                </td>
                <td>
                  {answer.kind === 'instruments'
                    ? i.action === 'create'
                      ? 'created'
                      : `updated: ${i.changes.join(', ')}`
                    : `${i.performed_at?.slice(0, 16).replace('T', ' ')} (${i.points} points)`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" className="button" onClick={onAgain}>
        Import another file
      </button>
    </section>
  );
}

export function ImportPage() {
  const qc = useQueryClient();
  const [kind, setKind] = useState<ImportKind>('instruments');
  const [file, setFile] = useState<File | null>(null);
  const [state, setState] = useState<Step>({ step: 'pick' });
  const [error, setError] = useState<unknown>(null);

  const send = async (f: File, dryRun: boolean) => {
    setError(null);
    setState({
      step: 'busy',
      what: dryRun ? 'checking' : 'writing',
      progress: { phase: 'uploading', sent: 0, total: f.size },
    });
    try {
      const answer = await uploadImport(kind, f, dryRun, (progress) =>
        setState({ step: 'busy', what: dryRun ? 'checking' : 'writing', progress }),
      );
      if (!dryRun && answer.errors.length === 0) {
        qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
        qc.invalidateQueries({ queryKey: queryKeys.processUnits.all });
        setState({ step: 'done', answer });
      } else setState({ step: 'preview', answer });
    } catch (e) {
      setError(e);
      setState({ step: 'pick' });
    }
  };

  const onFile = (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0] ?? null;
    e.target.value = '';
    setFile(f);
    if (f) void send(f, true);
  };

  const reset = () => {
    setFile(null);
    setState({ step: 'pick' });
    setError(null);
  };

  return (
    <section className="panel" data-testid="import-page">
      <div className="panel-header">
        <h1>Import</h1>
      </div>
      <p className="muted">
        Bring a plant in from its spreadsheets: CSV (comma or semicolon) or Excel XLSX, up to 10,000 rows and
        5 MB. The file is checked first and nothing is written until you confirm; with any error nothing is
        written at all. Importing the same file again changes nothing.
      </p>
      <fieldset className="import-kind" disabled={state.step === 'busy'}>
        <legend>What does the file hold?</legend>
        {KINDS.map((k) => (
          <label key={k.kind} className="radio">
            <input
              type="radio"
              name="import-kind"
              value={k.kind}
              checked={kind === k.kind}
              onChange={() => {
                setKind(k.kind);
                reset();
              }}
            />{' '}
            <strong>{k.label}</strong> <span className="muted">{k.hint}</span>
          </label>
        ))}
      </fieldset>
      <p>
        Template:{' '}
        <button
          type="button"
          className="button-link"
          onClick={() => void downloadTemplate(kind, 'csv').catch(setError)}
        >
          CSV
        </button>
        {kind === 'instruments' && (
          <>
            {' · '}
            <button
              type="button"
              className="button-link"
              onClick={() => void downloadTemplate(kind, 'xlsx').catch(setError)}
            >
              XLSX
            </button>
          </>
        )}
      </p>
      {state.step !== 'done' && (
        <label className="button button-primary">
          {file ? 'Choose another file' : 'Choose a file'}
          <input
            type="file"
            className="sr-only"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={onFile}
            disabled={state.step === 'busy'}
            data-testid="import-file"
          />
        </label>
      )}
      {error !== null && <ErrorMessage error={error} />}
      {state.step === 'busy' && <Progress what={state.what} progress={state.progress} />}
      {state.step === 'preview' && (
        <div data-testid="import-check">
          <h2>
            {state.answer.file}:{' '}
            {state.answer.errors.length === 0
              ? 'ready to import'
              : `${state.answer.errors.length} problem(s)`}
          </h2>
          <Counts a={state.answer} />
          <Problems list={state.answer.errors} title="The file cannot be imported:" error />
          <Problems list={state.answer.warnings} title="Note:" />
          {state.answer.errors.length > 0 ? (
            <div className="error-box" role="alert">
              Nothing was written. Fix the marked cells in your spreadsheet and choose the file again.
            </div>
          ) : (
            <div className="header-actions">
              <button
                type="button"
                className="button button-primary"
                data-testid="import-confirm"
                onClick={() => file && void send(file, false)}
              >
                Import {state.answer.created + state.answer.updated} change(s)
              </button>
              <button type="button" className="button" onClick={reset}>
                Cancel
              </button>
            </div>
          )}
          <PreviewTable answer={state.answer} />
        </div>
      )}
      {state.step === 'done' && <Summary answer={state.answer} onAgain={reset} />}
    </section>
  );
}
