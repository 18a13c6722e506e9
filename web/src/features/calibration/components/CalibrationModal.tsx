import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { PassFail } from '../../../components/Badges.tsx';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { OfflineSavedModal } from '../../../components/OfflineSavedModal.tsx';
import { paths } from '../../../config/paths.ts';
import { ApiError } from '../../../lib/api-client.ts';
import { formatDate, formatValue, fromLocalInput, toLocalInput } from '../../../lib/format.ts';
import { downloadCertificate } from '../api/calibration-files.ts';
import { useCreateCalibration } from '../api/create-calibration.ts';
import { useInstrumentProcedure } from '../api/get-instrument-procedure.ts';
import {
  accuracyClassRule,
  describeRule,
  evaluatePoints,
  expectedOutput,
  inputUnit,
  MIN_TUR,
  nominalApplied,
  uncertaintyAtPoint,
} from '../calibration-math.ts';
import {
  type Calibration,
  type CalibrationProcedure,
  type InstrumentUnderTest,
  OUTCOME_WORD,
  type StandardOption,
} from '../types.ts';

interface Row {
  key: number;
  /** The applied value: the input under a transfer function, else the reference in the output unit. */
  reference: string;
  asFound: string;
  asLeft: string;
  direction?: 'up' | 'down';
  nominal?: number;
}

let nextKey = 1;
const row = (reference: number | string, direction?: 'up' | 'down', nominal?: number): Row => ({
  key: nextKey++,
  reference: String(reference),
  asFound: '',
  asLeft: '',
  direction,
  nominal,
});

/** The rows a procedure asks for, in its order, each at its nominal applied value. */
function procedureRows(i: InstrumentUnderTest, p: CalibrationProcedure): Row[] {
  return p.sequence.map((s) =>
    row(clean(nominalApplied(s.nominal_pct, p.transfer_function, i)), s.direction, s.nominal_pct),
  );
}

const clean = (v: number) => Number(v.toPrecision(10));

function presetPoints(i: InstrumentUnderTest, pcts: number[]): Row[] {
  return pcts.map((p) => row(clean(i.range_min + ((i.range_max - i.range_min) * p) / 100)));
}

const parse = (s: string): number | null => {
  if (s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

const fmtErr = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(3)} %`;

function ErrorCell({
  value,
  passed,
  verdict,
}: {
  value: number | null;
  passed: boolean | null;
  verdict?: string | null;
}) {
  if (value === null || passed === null) return <td className="num muted">—</td>;
  const adjust = passed && verdict === 'adjust';
  return (
    <td className={`num ${passed ? 'err-pass' : 'err-fail'}`} data-verdict={verdict ?? undefined}>
      {fmtErr(value)} <span className="sr-only">{adjust ? 'adjust' : passed ? 'pass' : 'fail'}</span>
      <span aria-hidden="true">{adjust ? ' adj' : passed ? ' ✓' : ' ✗'}</span>
    </td>
  );
}

interface Props {
  instrument: InstrumentUnderTest;
  standards: StandardOption[];
  standardsLoading?: boolean;
  /** The calibration work order this is done under, if any. */
  workOrderId?: number;
  onClose: () => void;
  onRecorded?: (c: Calibration) => void;
}

/**
 * Multi-point calibration entry. Errors and pass/fail are computed as the technician types with
 * the server's own function, so the verdict shown is the verdict stored.
 */
export function CalibrationModal({
  instrument,
  standards,
  standardsLoading,
  workOrderId,
  onClose,
  onRecorded,
}: Props) {
  const create = useCreateCalibration();
  const procQuery = useInstrumentProcedure(instrument.id);
  const procedure = procQuery.data?.procedure ?? null;
  const tf = procedure?.transfer_function ?? null;
  const [rows, setRows] = useState<Row[]>(() => presetPoints(instrument, [0, 25, 50, 75, 100]));
  const [reduced, setReduced] = useState(false);
  // The procedure, once known, sets the points (in its order and directions); only when it changes.
  const procKey = procedure ? `${procedure.id}:${procedure.revision}` : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the procedure's identity and revision
  useEffect(() => {
    if (procedure) setRows(procedureRows(instrument, procedure));
  }, [procKey]);
  const [standardId, setStandardId] = useState('');
  const [performedAt, setPerformedAt] = useState(() => toLocalInput(new Date()));
  const [notes, setNotes] = useState('');
  // Issue 13: the performer's electronic signature, sent with the record when given.
  const [signPassword, setSignPassword] = useState('');
  // Checked on the first save and live from then on, so a fixed field clears its message at once.
  const [submitted, setSubmitted] = useState(false);
  const [saved, setSaved] = useState<Calibration | null>(null);
  const [queuedOffline, setQueuedOffline] = useState(false);

  const span = instrument.range_max - instrument.range_min;
  const tol = instrument.accuracy_class;
  const tolUnits = (tol / 100) * span;
  const rule = procedure?.tolerance ?? accuracyClassRule(tol);
  const chosen = standards.find((s) => String(s.id) === standardId);
  const uncertainty =
    chosen?.uncertainty_value != null && chosen.uncertainty_unit
      ? { value: chosen.uncertainty_value, unit: chosen.uncertainty_unit }
      : null;

  // The server's own functions: transfer function, limits, verdicts (pass / adjust / fail) and TUR.
  const computed = useMemo(
    () =>
      rows.map((r) => {
        const applied = parse(r.reference);
        const found = parse(r.asFound);
        const left = parse(r.asLeft);
        const range = { range_min: instrument.range_min, range_max: instrument.range_max };
        const ref = applied === null ? null : tf ? expectedOutput(tf, applied, range) : applied;
        const u =
          applied === null
            ? null
            : uncertaintyAtPoint(uncertainty, applied, tf ? inputUnit(tf) : instrument.unit, tf, range);
        const one = (value: number | null) =>
          ref === null || value === null
            ? null
            : evaluatePoints(
                [{ reference_value: ref, as_found: value, as_left: value, std_uncertainty: u }],
                range,
                rule,
              ).points[0];
        const f = one(found);
        const l = one(left);
        const any = f ?? l ?? (ref === null ? null : one(ref));
        return {
          reference: ref,
          foundErr: f?.as_found_error_pct ?? null,
          foundPass: f ? f.as_found_passed : null,
          foundVerdict: f?.as_found_verdict ?? null,
          leftErr: l?.as_left_error_pct ?? null,
          leftPass: l ? l.as_left_passed : null,
          leftVerdict: l?.as_left_verdict ?? null,
          tur: any?.tur ?? null,
        };
      }),
    [rows, instrument.range_min, instrument.range_max, instrument.unit, rule, tf, uncertainty],
  );
  const lowTur = computed.some((c) => c.tur !== null && c.tur < MIN_TUR);
  const procCount = procedure?.sequence.length ?? 0;

  const complete = rows.length > 0 && computed.every((c) => c.foundPass !== null && c.leftPass !== null);
  const verdict = complete
    ? {
        found: computed.every((c) => c.foundPass),
        left: computed.every((c) => c.leftPass),
      }
    : null;

  const update = (key: number, field: keyof Omit<Row, 'key'>, value: string) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, [field]: value } : r)));

  const usable = standards.filter((s) => !s.expired);
  const serverField = create.error instanceof ApiError ? create.error.field : null;

  const validate = (): Record<string, string | undefined> => {
    const errs: Record<string, string | undefined> = {};
    if (!standardId) errs.standard = 'Choose the reference standard used';
    const at = fromLocalInput(performedAt);
    if (!at) errs.performedAt = 'Enter when the calibration was done';
    else if (Date.parse(at) > Date.now() + 60_000) errs.performedAt = 'Cannot be in the future';
    if (rows.length === 0) errs.points = 'Add at least one test point';
    if (procedure && !reduced && rows.length !== procCount)
      errs.points = `Procedure ${procedure.name} takes ${procCount} points; tick “Reduced check” for fewer`;
    for (const r of rows) {
      for (const [f, label] of [
        ['reference', 'reference'],
        ['asFound', 'as-found'],
        ['asLeft', 'as-left'],
      ] as const) {
        if (parse(r[f]) === null) errs[`${r.key}.${f}`] = `Enter the ${label} value`;
      }
    }
    if (Object.keys(errs).some((k) => k.includes('.')))
      errs.points = 'Every test point needs a reference, as-found and as-left value';
    return errs;
  };
  const errors = submitted ? validate() : {};

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.values(validate()).some(Boolean)) return;
    const at = fromLocalInput(performedAt);
    create.mutate(
      {
        instrument_id: instrument.id,
        reference_standard_id: Number(standardId),
        performed_at: at ?? undefined,
        notes: notes.trim() || null,
        points: rows.map((r) => ({
          ...(tf ? { input_value: Number(r.reference) } : { reference_value: Number(r.reference) }),
          ...(r.direction ? { direction: r.direction } : {}),
          as_found: Number(r.asFound),
          as_left: Number(r.asLeft),
        })),
        ...(reduced ? { reduced_check: true } : {}),
        ...(workOrderId ? { work_order_id: workOrderId } : {}),
        ...(signPassword ? { signature: { password: signPassword } } : {}),
        label: `Calibration of ${instrument.tag}`,
      },
      {
        onError: () => setSignPassword(''),
        onSuccess: (sent) => {
          // Offline: kept in the outbox (lib/offline-queue.ts) and sent when the connection returns.
          if (sent.queued) return setQueuedOffline(true);
          setSaved(sent.result);
          onRecorded?.(sent.result);
        },
      },
    );
  };

  if (queuedOffline)
    return <OfflineSavedModal what={`The calibration of ${instrument.tag}`} onClose={onClose} />;

  if (saved) {
    const agrees =
      verdict && verdict.found === saved.as_found_passed && verdict.left === saved.as_left_passed;
    return (
      <Modal
        title={`Calibration of ${instrument.tag} recorded`}
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose} autoFocus>
            Done
          </button>
        }
      >
        <div
          className={`verdict ${saved.passed ? 'verdict-pass' : 'verdict-fail'}`}
          data-testid="calibration-result"
        >
          <strong>{OUTCOME_WORD[saved.outcome] ?? saved.outcome}</strong>
          <span>
            As found <PassFail passed={saved.as_found_passed} /> (max{' '}
            {saved.max_as_found_error_pct.toFixed(3)} %)
          </span>
          <span>
            As left <PassFail passed={saved.as_left_passed} /> (max {saved.max_as_left_error_pct.toFixed(3)}{' '}
            %)
          </span>
        </div>
        <ul>
          <li>
            Record #{saved.id}, stored with {saved.points.length} test points.
          </li>
          {saved.next_due_at && <li>Next calibration due {formatDate(saved.next_due_at)}.</li>}
          {saved.corrective_work_order_id && (
            <li>
              As-found out of tolerance: corrective{' '}
              <Link to={paths.workOrder.href(saved.corrective_work_order_id)} onClick={onClose}>
                work order #{saved.corrective_work_order_id}
              </Link>{' '}
              was opened.
            </li>
          )}
          {agrees === false && (
            <li>The server’s verdict differs from the preview; the stored verdict above applies.</li>
          )}
          {saved.min_tur != null && <li>Lowest test uncertainty ratio {saved.min_tur}:1.</li>}
        </ul>
        {(saved.warnings ?? []).length > 0 && (
          <ul className="form-error" data-testid="calibration-warnings">
            {(saved.warnings ?? []).map((w) => (
              <li key={w.code} data-code={w.code}>
                {w.message}
              </li>
            ))}
          </ul>
        )}
        <button
          type="button"
          className="button button-small"
          onClick={() => void downloadCertificate(saved.id)}
        >
          Download certificate (PDF)
        </button>
      </Modal>
    );
  }

  return (
    <Modal
      wide
      title={`Record calibration — ${instrument.tag}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="calibration-form"
          onCancel={onClose}
          pending={create.isPending}
          pendingLabel="Saving…"
          label="Save calibration"
        />
      }
    >
      <p className="muted">
        Range {formatValue(instrument.range_min)} to {formatValue(instrument.range_max)} {instrument.unit} ·{' '}
        {procedure
          ? `tolerance ${describeRule(rule, instrument.unit)}`
          : `tolerance ±${tol} % of span (±${formatValue(tolUnits)} ${instrument.unit})`}
        {workOrderId ? ` · under work order #${workOrderId}` : ''}
      </p>
      {procedure && (
        <p data-testid="calibration-procedure">
          Procedure <strong>{procedure.name}</strong> (rev. {procedure.revision}
          {procQuery.data?.source === 'type' ? ', for its instrument type' : ''}): {procCount} points
          {tf ? `, input in ${inputUnit(tf)} through a ${tf.kind} transfer function` : ''}.
        </p>
      )}
      <form id="calibration-form" onSubmit={submit} noValidate>
        <div className="form-grid form-grid-2-1">
          <Field
            label="Reference standard"
            required
            error={
              errors.standard ??
              (serverField === 'reference_standard_id' ? 'Not accepted (see below)' : undefined)
            }
            hint={standards.length > usable.length ? 'Expired standards cannot be used.' : undefined}
          >
            {(p) => (
              <select {...p} value={standardId} onChange={(e) => setStandardId(e.target.value)}>
                <option value="">{standardsLoading ? 'Loading…' : 'Choose…'}</option>
                {usable.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.identifier} — {s.description} (cert. {s.certificate_number}, due{' '}
                    {formatDate(s.due_date)})
                  </option>
                ))}
                {standards
                  .filter((s) => s.expired)
                  .map((s) => (
                    <option key={s.id} value={s.id} disabled>
                      {s.identifier} — expired {formatDate(s.due_date)}
                    </option>
                  ))}
              </select>
            )}
          </Field>
          <Field label="Performed at" required error={errors.performedAt}>
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                value={performedAt}
                max={toLocalInput(new Date())}
                onChange={(e) => setPerformedAt(e.target.value)}
              />
            )}
          </Field>
        </div>

        <div className="panel-header">
          <h3>Test points ({tf ? `input ${inputUnit(tf)} → ${instrument.unit}` : instrument.unit})</h3>
          <div className="header-actions">
            {procedure ? (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={reduced}
                  onChange={(e) => {
                    setReduced(e.target.checked);
                    if (!e.target.checked) setRows(procedureRows(instrument, procedure));
                  }}
                />{' '}
                Reduced check{procedure.allow_reduced_check ? '' : ' (keeps the due date)'}
              </label>
            ) : (
              <>
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => setRows(presetPoints(instrument, [0, 25, 50, 75, 100]))}
                >
                  5 points up
                </button>
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => setRows(presetPoints(instrument, [0, 25, 50, 75, 100, 75, 50, 25, 0]))}
                >
                  9 points up/down
                </button>
              </>
            )}
            <button
              type="button"
              className="button button-small"
              onClick={() =>
                setRows((rs) => rs.map((r) => (r.asLeft === '' ? { ...r, asLeft: r.asFound } : r)))
              }
              title="For points that needed no adjustment"
            >
              Copy as-found → empty as-left
            </button>
          </div>
        </div>
        <div className="table-scroll">
          <table className="table table-compact cal-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                {procedure && <th scope="col">Point</th>}
                <th scope="col">{tf ? `Input (${inputUnit(tf)})` : 'Reference'}</th>
                {tf && (
                  <th scope="col" className="num">
                    Expected
                  </th>
                )}
                <th scope="col">As found</th>
                <th scope="col" className="num">
                  As-found error
                </th>
                <th scope="col">As left</th>
                <th scope="col" className="num">
                  As-left error
                </th>
                <th scope="col" className="num">
                  TUR
                </th>
                <th scope="col">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, idx) => {
                const c = computed[idx];
                const n = idx + 1;
                return (
                  <tr key={r.key} data-point={n}>
                    <td>{n}</td>
                    {procedure && (
                      <td className="nowrap">
                        {r.nominal ?? '—'} % {r.direction === 'down' ? '↓' : '↑'}
                      </td>
                    )}
                    <td>
                      <input
                        aria-label={`Point ${n} ${tf ? 'input' : 'reference'} value`}
                        inputMode="decimal"
                        value={r.reference}
                        aria-invalid={!!errors[`${r.key}.reference`]}
                        onChange={(e) => update(r.key, 'reference', e.target.value)}
                      />
                    </td>
                    <td>
                      <input
                        aria-label={`Point ${n} as found`}
                        inputMode="decimal"
                        value={r.asFound}
                        aria-invalid={!!errors[`${r.key}.asFound`]}
                        onChange={(e) => update(r.key, 'asFound', e.target.value)}
                      />
                    </td>
                    {tf && (
                      <td className="num">{c.reference === null ? '—' : formatValue(c.reference, 5)}</td>
                    )}
                    <ErrorCell value={c.foundErr} passed={c.foundPass} verdict={c.foundVerdict} />
                    <td>
                      <input
                        aria-label={`Point ${n} as left`}
                        inputMode="decimal"
                        value={r.asLeft}
                        aria-invalid={!!errors[`${r.key}.asLeft`]}
                        onChange={(e) => update(r.key, 'asLeft', e.target.value)}
                      />
                    </td>
                    <ErrorCell value={c.leftErr} passed={c.leftPass} verdict={c.leftVerdict} />
                    <td className={`num ${c.tur !== null && c.tur < MIN_TUR ? 'err-fail' : ''}`}>
                      {c.tur === null ? '—' : `${c.tur}:1`}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="icon-button"
                        aria-label={`Remove point ${n}`}
                        hidden={!!procedure && !reduced}
                        onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
                      >
                        ×
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        {!procedure && (
          <button
            type="button"
            className="button button-small"
            onClick={() => setRows((rs) => [...rs, row('')])}
            disabled={rows.length >= 50}
          >
            Add point
          </button>
        )}
        {lowTur && (
          <p className="field-error" data-testid="tur-warning">
            Test uncertainty ratio below {MIN_TUR}:1: the standard’s uncertainty takes a large share of the
            tolerance. The record is kept, with the ratio printed on it.
          </p>
        )}
        {errors.points && (
          <p className="field-error" role="alert">
            {errors.points}
          </p>
        )}

        <div
          className={`verdict ${verdict ? (verdict.found && verdict.left ? 'verdict-pass' : 'verdict-fail') : ''}`}
          aria-live="polite"
          data-testid="calibration-verdict"
        >
          {verdict ? (
            <>
              <strong>
                {verdict.found && verdict.left
                  ? 'Calibration passes'
                  : verdict.found
                    ? 'Fails as left'
                    : 'Fails as found'}
              </strong>
              <span>
                As found <PassFail passed={verdict.found} />
              </span>
              <span>
                As left <PassFail passed={verdict.left} />
              </span>
              {!(verdict.found && verdict.left) && (
                <span className="muted">A corrective work order will be opened.</span>
              )}
            </>
          ) : (
            <span className="muted">Enter as-found and as-left values at every point to see the result.</span>
          )}
        </div>

        <Field label="Notes" hint="Adjustments made, conditions, anything an auditor should know.">
          {(p) => (
            <textarea
              {...p}
              rows={2}
              maxLength={4000}
              value={notes}
              onChange={(e) => setNotes(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Password (electronic signature)"
          hint="Sign the record as performed by re-entering your password (required where the plant's signature policy asks for it)."
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              value={signPassword}
              onChange={(e) => setSignPassword(e.target.value)}
            />
          )}
        </Field>
        <FormError error={create.error} />
      </form>
    </Modal>
  );
}
