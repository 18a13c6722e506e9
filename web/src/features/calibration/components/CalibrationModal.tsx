import { type FormEvent, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { PassFail } from '../../../components/Badges.tsx';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { OfflineSavedModal } from '../../../components/OfflineSavedModal.tsx';
import { paths } from '../../../config/paths.ts';
import { ApiError } from '../../../lib/api-client.ts';
import { formatDate, formatValue, fromLocalInput, toLocalInput } from '../../../lib/format.ts';
import { useCreateCalibration } from '../api/create-calibration.ts';
import { type ComputedPoint, computePoints } from '../calibration-math.ts';
import { type Calibration, type InstrumentUnderTest, OUTCOME_WORD, type StandardOption } from '../types.ts';

interface Row {
  key: number;
  reference: string;
  asFound: string;
  asLeft: string;
}

let nextKey = 1;
const row = (reference: number | string): Row => ({
  key: nextKey++,
  reference: String(reference),
  asFound: '',
  asLeft: '',
});

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

function ErrorCell({ value, passed }: { value: number | null; passed: boolean | null }) {
  if (value === null || passed === null) return <td className="num muted">—</td>;
  return (
    <td className={`num ${passed ? 'err-pass' : 'err-fail'}`}>
      {fmtErr(value)} <span className="sr-only">{passed ? 'pass' : 'fail'}</span>
      <span aria-hidden="true">{passed ? ' ✓' : ' ✗'}</span>
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
  const [rows, setRows] = useState<Row[]>(() => presetPoints(instrument, [0, 25, 50, 75, 100]));
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

  const computed = useMemo(
    () =>
      rows.map((r) => {
        const ref = parse(r.reference);
        const found = parse(r.asFound);
        const left = parse(r.asLeft);
        const range = { range_min: instrument.range_min, range_max: instrument.range_max };
        const one = (value: number | null) =>
          ref === null || value === null
            ? null
            : computePoints([{ reference_value: ref, as_found: value, as_left: value }], range, tol)
                .points[0];
        const f: ComputedPoint | null = one(found);
        const l: ComputedPoint | null = one(left);
        return {
          foundErr: f?.as_found_error_pct ?? null,
          foundPass: f ? f.as_found_passed : null,
          leftErr: l?.as_left_error_pct ?? null,
          leftPass: l ? l.as_left_passed : null,
        };
      }),
    [rows, instrument.range_min, instrument.range_max, tol],
  );

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
          reference_value: Number(r.reference),
          as_found: Number(r.asFound),
          as_left: Number(r.asLeft),
        })),
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
        </ul>
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
        Range {formatValue(instrument.range_min)} to {formatValue(instrument.range_max)} {instrument.unit} ·
        tolerance ±{tol} % of span (±{formatValue(tolUnits)} {instrument.unit})
        {workOrderId ? ` · under work order #${workOrderId}` : ''}
      </p>
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
          <h3>Test points ({instrument.unit})</h3>
          <div className="header-actions">
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
                <th scope="col">Reference</th>
                <th scope="col">As found</th>
                <th scope="col" className="num">
                  As-found error
                </th>
                <th scope="col">As left</th>
                <th scope="col" className="num">
                  As-left error
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
                    <td>
                      <input
                        aria-label={`Point ${n} reference value`}
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
                    <ErrorCell value={c.foundErr} passed={c.foundPass} />
                    <td>
                      <input
                        aria-label={`Point ${n} as left`}
                        inputMode="decimal"
                        value={r.asLeft}
                        aria-invalid={!!errors[`${r.key}.asLeft`]}
                        onChange={(e) => update(r.key, 'asLeft', e.target.value)}
                      />
                    </td>
                    <ErrorCell value={c.leftErr} passed={c.leftPass} />
                    <td>
                      <button
                        type="button"
                        className="icon-button"
                        aria-label={`Remove point ${n}`}
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
        <button
          type="button"
          className="button button-small"
          onClick={() => setRows((rs) => [...rs, row('')])}
          disabled={rows.length >= 50}
        >
          Add point
        </button>
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
