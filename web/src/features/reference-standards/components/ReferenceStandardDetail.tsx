import { useState } from 'react';
import { Link } from 'react-router-dom';
import { PassFail } from '../../../components/Badges.tsx';
import { EmptyState, QueryState } from '../../../components/Feedback.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { paths } from '../../../config/paths.ts';
import { downloadFile } from '../../../lib/api-client.ts';
import { formatDate, formatDateTime } from '../../../lib/format.ts';
import { useReferenceStandard } from '../api/get-reference-standard.ts';
import { useStandardCalibrations } from '../api/get-standard-calibrations.ts';
import { StandardCertificates } from './StandardCertificates.tsx';

const OUTCOME: Record<string, string> = {
  passed: 'Passed',
  failed_as_found: 'Failed as found',
  failed_as_left: 'Failed as left',
};

/** Reverse traceability: every calibration done with this standard. */
export function ReferenceStandardDetail({ id }: { id: number }) {
  const std = useReferenceStandard(id);
  const [offset, setOffset] = useState(0);
  const limit = 25;
  const cals = useStandardCalibrations(id, limit, offset);
  return (
    <div className="page">
      <QueryState query={std}>
        {(s) => (
          <>
            <header className="page-header">
              <div>
                <p className="muted">
                  <Link to={paths.referenceStandards.href()}>Reference standards</Link> ›
                </p>
                <h1>
                  {s.identifier} <small className="muted">{s.description}</small>
                </h1>
              </div>
              {s.expired && <span className="badge severity-critical">Expired</span>}
            </header>
            <section className="panel">
              <dl className="fact-grid">
                <div>
                  <dt>Certificate</dt>
                  <dd className="mono">{s.certificate_number}</dd>
                </div>
                <div>
                  <dt>Accuracy</dt>
                  <dd>{s.accuracy}</dd>
                </div>
                <div>
                  <dt>Uncertainty (k=2)</dt>
                  <dd>
                    {s.uncertainty_value != null
                      ? `±${s.uncertainty_value} ${s.uncertainty_unit ?? ''}`
                      : '—'}
                  </dd>
                </div>
                <div>
                  <dt>Calibrated on</dt>
                  <dd>{formatDate(s.calibrated_on)}</dd>
                </div>
                <div>
                  <dt>Due date</dt>
                  <dd>
                    {formatDate(s.due_date)} {s.expired ? '(expired)' : `(${s.days_until_due} days left)`}
                  </dd>
                </div>
              </dl>
            </section>
          </>
        )}
      </QueryState>
      <StandardCertificates id={id} />
      <section className="panel panel-flush">
        <div className="panel-header" style={{ padding: '0.8rem 1rem 0' }}>
          <h2>Calibrations done with this standard</h2>
        </div>
        <QueryState query={cals}>
          {(page) =>
            page.items.length === 0 ? (
              <EmptyState title="No calibrations were done with this standard" />
            ) : (
              <>
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Performed</th>
                      <th scope="col">Instrument</th>
                      <th scope="col">Technician</th>
                      <th scope="col">Result</th>
                      <th scope="col" className="num">
                        Max as-found
                      </th>
                      <th scope="col" className="num">
                        Max as-left
                      </th>
                      <th scope="col">
                        <span className="sr-only">Certificate</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((c) => (
                      <tr key={c.id} className={c.superseded ? 'row-muted' : undefined}>
                        <td>{formatDateTime(c.performed_at)}</td>
                        <td>
                          <Link to={paths.instrument.href(c.instrument_id)} className="tag-link">
                            {c.tag}
                          </Link>
                        </td>
                        <td>{c.technician_name}</td>
                        <td>
                          <PassFail passed={c.passed} label={OUTCOME[c.outcome] ?? c.outcome} />
                        </td>
                        <td className="num">{c.max_as_found_error_pct.toFixed(3)} %</td>
                        <td className="num">{c.max_as_left_error_pct.toFixed(3)} %</td>
                        <td>
                          <button
                            type="button"
                            className="button button-small"
                            aria-label={`Download certificate of calibration ${c.id}`}
                            onClick={() =>
                              void downloadFile(
                                `/api/calibrations/${c.id}/certificate.pdf`,
                                {},
                                `CAL-${c.id}.pdf`,
                              )
                            }
                          >
                            Certificate
                          </button>
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
                  noun="calibrations"
                />
              </>
            )
          }
        </QueryState>
      </section>
    </div>
  );
}
