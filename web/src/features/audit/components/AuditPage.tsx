import { type ChangeEvent, useState } from 'react';
import { PassFail } from '../../../components/Badges.tsx';
import { EmptyState, ErrorMessage, Loading, QueryState } from '../../../components/Feedback.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAuditEntries } from '../api/get-audit.ts';
import { useDownloadCheckpoint, useVerifyAudit } from '../api/verify-audit.ts';
import type { AuditVerifyReport } from '../types.ts';

// What each verify check covers, in an auditor's words (docs/audit.md has the full list).
const CHECK_LABEL: Record<string, string> = {
  chain_links: 'Rows linked to the row before',
  row_signatures: 'Row signatures (HMAC with the audit key)',
  ids_contiguous: 'No missing row ids',
  keyed_boundary: 'Legacy rows sealed by the keyed marker',
  local_checkpoint: 'Head against the checkpoint in the data folder',
  exported_checkpoint: 'Head against the checkpoint you supplied',
  record_hashes: 'Calibration and maintenance records match their audited hashes',
  deleted_records: 'No audited record deleted',
};

function VerifyResult({ report }: { report: AuditVerifyReport }) {
  return (
    <div data-testid="audit-verify-result">
      <div className={report.ok ? 'callout' : 'error-box'} role="status">
        {report.ok ? (
          <span>
            Audit trail intact: {report.rows_checked} rows and{' '}
            {report.records_checked.calibration_records + report.records_checked.maintenance_records} records
            checked, no problem found.
          </span>
        ) : (
          <span>
            Tampering or damage found: {report.problems.length}
            {report.problems_truncated ? '+' : ''} problem(s). {report.reason}
          </span>
        )}
      </div>
      <table className="table table-compact">
        <caption className="sr-only">Checks</caption>
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Result</th>
            <th scope="col">What was checked</th>
          </tr>
        </thead>
        <tbody>
          {report.checks.map((c) => (
            <tr key={c.name} data-testid={`audit-check-${c.name}`}>
              <td>{CHECK_LABEL[c.name] ?? c.name}</td>
              <td>
                <PassFail passed={c.ok} label={c.ok ? 'OK' : 'Failed'} />
              </td>
              <td>{c.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.problems.length > 0 && (
        <>
          <h3>Problems</h3>
          <table className="table table-compact" data-testid="audit-problems">
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Audit row</th>
                <th scope="col">Record</th>
                <th scope="col">Finding</th>
              </tr>
            </thead>
            <tbody>
              {report.problems.map((p) => (
                <tr
                  key={`${p.check}-${p.kind}-${p.audit_id ?? ''}-${p.entity_type ?? ''}-${p.entity_id ?? ''}-${p.message}`}
                >
                  <td>{CHECK_LABEL[p.check] ?? p.check}</td>
                  <td>{p.audit_id ?? '—'}</td>
                  <td>{p.entity_type ? `${p.entity_type.replace('_', ' ')} ${p.entity_id}` : '—'}</td>
                  <td>{p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <p className="muted">
        Key {report.key_id} · {report.legacy_rows} legacy rows before the keyed marker
        {report.keyed_from_id ? ` (row ${report.keyed_from_id})` : ''} · head row {report.head.last_id ?? '—'}
      </p>
    </div>
  );
}

function VerifyPanel() {
  const verify = useVerifyAudit();
  const download = useDownloadCheckpoint();
  const [fileError, setFileError] = useState<string | null>(null);

  const verifyWithFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setFileError(null);
    try {
      verify.mutate(JSON.parse(await file.text()));
    } catch {
      setFileError(`${file.name} is not a checkpoint file (not JSON).`);
    }
  };

  return (
    <section className="panel">
      <div className="panel-header">
        <h2>Integrity</h2>
        <div className="header-actions">
          <button
            type="button"
            className="button button-primary"
            onClick={() => verify.mutate(undefined)}
            disabled={verify.isPending}
          >
            Verify now
          </button>
          <label className="button">
            Verify against a checkpoint…
            <input
              type="file"
              accept="application/json,.json"
              className="sr-only"
              onChange={verifyWithFile}
            />
          </label>
          <button
            type="button"
            className="button"
            onClick={() => download.mutate()}
            disabled={download.isPending}
          >
            Download checkpoint
          </button>
        </div>
      </div>
      <p>
        A checkpoint is a signed record of the trail's length and last row. Download one regularly and keep it
        away from this server: verifying against it later shows rows cut off the end or history rewritten
        since.
      </p>
      {fileError && <ErrorMessage error={new Error(fileError)} />}
      {download.error && <ErrorMessage error={download.error} />}
      {verify.isPending && <Loading label="Verifying the whole trail…" />}
      {verify.error && <ErrorMessage error={verify.error} />}
      {verify.data && !verify.isPending && <VerifyResult report={verify.data} />}
    </section>
  );
}

function RecentEntries() {
  const [offset, setOffset] = useState(0);
  const limit = 50;
  const entries = useAuditEntries({ limit, offset });
  return (
    <section className="panel panel-flush">
      <QueryState query={entries}>
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState title="No audit entries yet" />
          ) : (
            <>
              <table className="table table-compact">
                <thead>
                  <tr>
                    <th scope="col">Row</th>
                    <th scope="col">Time</th>
                    <th scope="col">User</th>
                    <th scope="col">Action</th>
                    <th scope="col">Entity</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((e) => (
                    <tr key={e.id}>
                      <td>{e.id}</td>
                      <td>{formatDateTime(e.timestamp)}</td>
                      <td>{e.user_id ?? 'system'}</td>
                      <td>{e.action}</td>
                      <td>
                        {e.entity_type.replace(/_/g, ' ')} {e.entity_id ?? ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pagination
                total={page.total}
                limit={limit}
                offset={offset}
                onChange={setOffset}
                noun="entries"
              />
            </>
          )
        }
      </QueryState>
    </section>
  );
}

/** The audit trail for administrators: verify it, export a checkpoint, browse the latest entries. */
export function AuditPage() {
  return (
    <div className="page">
      <header className="page-header">
        <h1>Audit trail</h1>
      </header>
      <VerifyPanel />
      <RecentEntries />
    </div>
  );
}
