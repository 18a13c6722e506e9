import { Fragment, type ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import { PassFail } from '../../../components/Badges.tsx';
import { EmptyState, QueryState } from '../../../components/Feedback.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { paths } from '../../../config/paths.ts';
import { formatDate, formatDateTime, formatValue } from '../../../lib/format.ts';
import { downloadCertificate } from '../api/calibration-files.ts';
import { useInstrumentCalibrations } from '../api/get-instrument-calibrations.ts';
import { type Calibration, OUTCOME_WORD } from '../types.ts';
import { PendingCorrection } from './PendingCorrection.tsx';

const pct = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(3)} %`;

export function CalibrationPoints({ c }: { c: Pick<Calibration, 'id' | 'unit' | 'points'> }) {
  return (
    <table className="table table-compact" aria-label={`Test points of calibration ${c.id}`}>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Dir</th>
          <th scope="col" className="num">
            Reference ({c.unit})
          </th>
          <th scope="col" className="num">
            As found
          </th>
          <th scope="col" className="num">
            Error
          </th>
          <th scope="col" className="num">
            As left
          </th>
          <th scope="col" className="num">
            Error
          </th>
          <th scope="col" className="num">
            TUR
          </th>
        </tr>
      </thead>
      <tbody>
        {c.points.map((p) => (
          <tr key={p.seq}>
            <td>{p.seq + 1}</td>
            <td>{p.direction === 'up' ? '↑' : p.direction === 'down' ? '↓' : '—'}</td>
            <td className="num">{formatValue(p.reference_value, 6)}</td>
            <td className="num">{formatValue(p.as_found, 6)}</td>
            <td className={`num ${p.as_found_passed ? 'err-pass' : 'err-fail'}`}>
              {pct(p.as_found_error_pct)}
            </td>
            <td className="num">{formatValue(p.as_left, 6)}</td>
            <td className={`num ${p.as_left_passed ? 'err-pass' : 'err-fail'}`}>
              {pct(p.as_left_error_pct)}
            </td>
            <td className={`num ${p.tur != null && p.tur < 4 ? 'err-fail' : ''}`}>
              {p.tur == null ? '—' : `${p.tur}:1`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The instrument's calibration history, newest first, each record opening to its test points. */
export function CalibrationHistory({
  instrumentId,
  recordExtras,
}: {
  instrumentId: number;
  /** Shown in an opened record: its signatures and attachments (composed by the app). */
  recordExtras?: (c: Calibration) => ReactNode;
}) {
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  const limit = 10;
  const q = useInstrumentCalibrations(instrumentId, limit, offset);
  return (
    <QueryState query={q} loadingLabel="Loading calibration history…">
      {(page) =>
        page.items.length === 0 ? (
          <EmptyState title="No calibrations recorded yet" />
        ) : (
          <>
            <div className="table-scroll">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Performed</th>
                    <th scope="col">Result</th>
                    <th scope="col" className="num">
                      Max as-found
                    </th>
                    <th scope="col" className="num">
                      Max as-left
                    </th>
                    <th scope="col">Technician</th>
                    <th scope="col">Standard</th>
                    <th scope="col">Next due</th>
                    <th scope="col">
                      <span className="sr-only">Points</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => (
                    <Fragment key={c.id}>
                      <tr className={c.superseded ? 'row-muted' : c.passed ? undefined : 'row-fail'}>
                        <td>
                          {formatDateTime(c.performed_at)}
                          {c.superseded && <div className="muted">superseded by #{c.corrected_by_id}</div>}
                          {c.corrects_id && (
                            <div className="muted">
                              corrects #{c.corrects_id}
                              {c.corrected_by_name && `, corrected by ${c.corrected_by_name}`}
                            </div>
                          )}
                          {c.pending_correction_id && (
                            <div>
                              <button
                                type="button"
                                className="button button-small"
                                aria-expanded={open === c.id}
                                onClick={() => setOpen(c.id)}
                              >
                                Correction pending approval
                              </button>
                            </div>
                          )}
                        </td>
                        <td>
                          <PassFail passed={c.passed} label={OUTCOME_WORD[c.outcome] ?? c.outcome} />
                          {c.corrective_work_order_id && (
                            <div>
                              <Link to={paths.workOrder.href(c.corrective_work_order_id)}>
                                WO #{c.corrective_work_order_id}
                              </Link>
                            </div>
                          )}
                        </td>
                        <td className={`num ${c.as_found_passed ? '' : 'err-fail'}`}>
                          {c.max_as_found_error_pct.toFixed(3)} %
                        </td>
                        <td className={`num ${c.as_left_passed ? '' : 'err-fail'}`}>
                          {c.max_as_left_error_pct.toFixed(3)} %
                        </td>
                        <td>{c.technician_name}</td>
                        <td>
                          {c.reference_standard_id ? (
                            <Link to={paths.referenceStandard.href(c.reference_standard_id)}>
                              {c.reference_standard_identifier}
                            </Link>
                          ) : (
                            '—'
                          )}
                        </td>
                        <td>{formatDate(c.next_due_at)}</td>
                        <td className="actions">
                          <button
                            type="button"
                            className="button button-small"
                            aria-expanded={open === c.id}
                            onClick={() => setOpen(open === c.id ? null : c.id)}
                          >
                            {open === c.id ? 'Hide points' : `${c.points.length} points`}
                          </button>{' '}
                          <button
                            type="button"
                            className="button button-small"
                            aria-label={`Download certificate of calibration ${c.id}`}
                            onClick={() => void downloadCertificate(c.id)}
                          >
                            Certificate
                          </button>
                        </td>
                      </tr>
                      {open === c.id && (
                        <tr>
                          <td colSpan={8}>
                            <CalibrationPoints c={c} />
                            {c.notes && <p className="alert-notes">Notes: {c.notes}</p>}
                            <p className="muted">
                              {c.procedure_name
                                ? `Procedure ${c.procedure_name} (rev. ${c.procedure_revision}); acceptance ±${c.tolerance_pct} % of span at the tightest point.`
                                : `Tolerance ±${c.tolerance_pct} % of span.`}
                              {c.reduced_check &&
                                ` Reduced check${c.resets_due_date ? '' : ', does not reset the due date'}.`}
                              {c.hysteresis_as_found_pct != null &&
                                ` Hysteresis ${c.hysteresis_as_found_pct} % (as found), ${c.hysteresis_as_left_pct} % (as left).`}
                              {c.repeatability_as_found_pct != null &&
                                ` Repeatability ${c.repeatability_as_found_pct} % (as found).`}
                              {c.min_tur != null &&
                                ` Lowest TUR ${c.min_tur}:1${c.min_tur < 4 ? ' (below 4:1)' : ''}.`}
                              {c.reference_standard_uncertainty &&
                                ` Standard ${c.reference_standard_certificate ?? ''} ${c.reference_standard_uncertainty}.`}
                              {c.device_serial_number && (
                                <>
                                  {' '}
                                  Device {c.device_manufacturer} {c.device_model}, serial{' '}
                                  <strong>{c.device_serial_number}</strong>, in position {c.tag}.
                                </>
                              )}
                            </p>
                            {recordExtras?.(c)}
                            {c.pending_correction_id && <PendingCorrection id={c.pending_correction_id} />}
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
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
  );
}
