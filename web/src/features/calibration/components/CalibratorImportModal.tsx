import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { downloadCertificate, useImportCalibrations } from '../api/calibration-files.ts';
import { OUTCOME_WORD } from '../types.ts';

type Format = 'cbu' | 'beamex' | 'fluke';

const FORMATS: { value: Format; label: string; header: string }[] = [
  {
    value: 'cbu',
    label: 'CBU CMMS columns',
    header:
      'tag, performed_at, reference_standard, point, direction, reference_value | input_value, as_found, as_left, notes',
  },
  {
    value: 'beamex',
    label: 'Beamex-style export',
    header:
      'Position ID; Calibration Date; Calibrator ID; Point No; Direction; Input Applied; Output As Found; Output As Left',
  },
  {
    value: 'fluke',
    label: 'Fluke-style export',
    header:
      'Tag, Test Date, Test Type (As Found / As Left), Calibrator Serial, Step, Actual Input, Actual Output',
  },
];

interface Problem {
  row: number;
  column?: string;
  message: string;
}

/**
 * Results from a documenting calibrator as CSV: every row is checked by the server and every
 * problem comes back with its line number; nothing is recorded unless the whole file is good.
 */
export function CalibratorImportModal({ onClose }: { onClose: () => void }) {
  const run = useImportCalibrations();
  const [format, setFormat] = useState<Format>('cbu');
  const [csv, setCsv] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);

  const problems: Problem[] =
    run.error instanceof ApiError && Array.isArray(run.error.details.errors)
      ? (run.error.details.errors as Problem[])
      : [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!csv.trim()) {
      setMissing(true);
      return;
    }
    run.mutate({ format, csv });
  };

  if (run.data) {
    const r = run.data;
    return (
      <Modal
        wide
        title={`Imported ${r.imported} calibration${r.imported === 1 ? '' : 's'}`}
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose} autoFocus>
            Done
          </button>
        }
      >
        <table className="table table-compact" data-testid="import-result">
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Tag</th>
              <th scope="col">Performed</th>
              <th scope="col">Result</th>
              <th scope="col">
                <span className="sr-only">Certificate</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {r.records.map((c) => (
              <tr key={c.id}>
                <td>#{c.id}</td>
                <td className="mono">{c.tag}</td>
                <td>{formatDateTime(c.performed_at)}</td>
                <td>{OUTCOME_WORD[c.outcome] ?? c.outcome}</td>
                <td>
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => void downloadCertificate(c.id)}
                  >
                    Certificate
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {r.warnings.length > 0 && (
          <ul className="muted">
            {r.warnings.map((w) => (
              <li key={`${w.row}-${w.code}`}>
                Row {w.row}: {w.message}
              </li>
            ))}
          </ul>
        )}
      </Modal>
    );
  }

  const chosen = FORMATS.find((f) => f.value === format);
  return (
    <Modal
      wide
      title="Import calibrator results (CSV)"
      onClose={onClose}
      footer={
        <FormFooter
          formId="calibrator-import"
          onCancel={onClose}
          pending={run.isPending}
          pendingLabel="Importing…"
          label="Import"
        />
      }
    >
      <form id="calibrator-import" onSubmit={submit} noValidate>
        <div className="form-grid form-grid-2-1">
          <Field label="Layout" required hint={chosen?.header}>
            {(p) => (
              <select {...p} value={format} onChange={(e) => setFormat(e.target.value as Format)}>
                {FORMATS.map((f) => (
                  <option key={f.value} value={f.value}>
                    {f.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="CSV file" hint={fileName ?? 'or paste the rows below'}>
            {(p) => (
              <input
                {...p}
                type="file"
                accept=".csv,text/csv,text/plain"
                onChange={async (e) => {
                  const f = e.target.files?.[0];
                  if (!f) return;
                  setFileName(f.name);
                  setCsv(await f.text());
                  setMissing(false);
                }}
              />
            )}
          </Field>
        </div>
        <Field
          label="Rows"
          required
          error={missing ? 'Choose a file or paste the exported rows' : undefined}
          hint="The first line is the header. Tags and standard identifiers must exist; one record per tag and date."
        >
          {(p) => (
            <textarea
              {...p}
              rows={8}
              className="mono"
              value={csv}
              onChange={(e) => {
                setCsv(e.target.value);
                setMissing(false);
              }}
            />
          )}
        </Field>
        {problems.length > 0 ? (
          <div className="form-error" role="alert" data-testid="import-problems">
            <p>
              {problems.length} problem{problems.length === 1 ? '' : 's'}; nothing was imported.
            </p>
            <ul>
              {problems.map((pr) => (
                <li key={`${pr.row}-${pr.column ?? ''}-${pr.message}`}>
                  Row {pr.row}
                  {pr.column ? ` (${pr.column})` : ''}: {pr.message}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <FormError error={run.error} />
        )}
      </form>
    </Modal>
  );
}
