import { type FormEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { ConfirmDelete, FormFooter, Modal } from '../../../components/Modal.tsx';
import { paths } from '../../../config/paths.ts';
import { formatDate } from '../../../lib/format.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import { useDeleteReferenceStandard } from '../api/delete-reference-standard.ts';
import { useReferenceStandards } from '../api/get-reference-standards.ts';
import { useSaveReferenceStandard } from '../api/save-reference-standard.ts';
import type { ReferenceStandard, ReferenceStandardInput } from '../types.ts';

/** The text fields of a new standard the form edits (the uncertainty has fields of its own). */
type StandardText = Pick<
  ReferenceStandardInput,
  'identifier' | 'description' | 'certificate_number' | 'accuracy' | 'calibrated_on' | 'due_date'
>;

const FIELDS: { key: keyof StandardText; label: string; type?: string; hint?: string }[] = [
  { key: 'identifier', label: 'Identifier', hint: 'e.g. DPC-01' },
  { key: 'description', label: 'Description', hint: 'Make and model, e.g. Fluke 754 documenting calibrator' },
  { key: 'certificate_number', label: 'Certificate number' },
  { key: 'accuracy', label: 'Accuracy', hint: 'As on the certificate, e.g. ±0.02 % of reading' },
  { key: 'calibrated_on', label: 'Calibrated on', type: 'date' },
  { key: 'due_date', label: 'Due date', type: 'date' },
];

export function StandardForm({
  standard,
  onClose,
}: {
  standard: ReferenceStandard | null;
  onClose: () => void;
}) {
  const save = useSaveReferenceStandard();
  const [v, setV] = useState<StandardText>({
    identifier: standard?.identifier ?? '',
    description: standard?.description ?? '',
    certificate_number: standard?.certificate_number ?? '',
    accuracy: standard?.accuracy ?? '',
    calibrated_on: standard?.calibrated_on ?? '',
    due_date: standard?.due_date ?? '',
  });
  const [errors, setErrors] = useState<Partial<Record<keyof StandardText, string>>>({});
  const [uncertainty, setUncertainty] = useState({ value: '', unit: '' });
  const certificateField = (k: keyof StandardText) =>
    k === 'certificate_number' || k === 'calibrated_on' || k === 'due_date';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errs: typeof errors = {};
    for (const f of FIELDS) if (!v[f.key].trim()) errs[f.key] = `Enter the ${f.label.toLowerCase()}`;
    if (!errs.due_date && !errs.calibrated_on && v.due_date <= v.calibrated_on)
      errs.due_date = 'Must be after the calibration date';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const input = Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, x.trim()]),
    ) as unknown as StandardText;
    // A certificate is never edited: an edit sends the standard's own fields; a new one its first certificate.
    const body: Partial<ReferenceStandardInput> = standard
      ? { identifier: input.identifier, description: input.description, accuracy: input.accuracy }
      : {
          ...input,
          ...(uncertainty.value.trim() && uncertainty.unit.trim()
            ? { uncertainty_value: Number(uncertainty.value), uncertainty_unit: uncertainty.unit.trim() }
            : {}),
        };
    save.mutate({ id: standard?.id, input: body }, { onSuccess: onClose });
  };

  return (
    <Modal
      title={standard ? `Edit ${standard.identifier}` : 'New reference standard'}
      onClose={onClose}
      footer={
        <FormFooter
          formId="standard-form"
          onCancel={onClose}
          pending={save.isPending}
          pendingLabel="Saving…"
          label="Save"
        />
      }
    >
      <form id="standard-form" onSubmit={submit} noValidate className="form-grid">
        {FIELDS.map((f) => (
          <Field
            key={f.key}
            label={f.label}
            error={errors[f.key]}
            hint={
              standard && certificateField(f.key)
                ? 'Certificates are never edited: add a new certificate on the standard’s page'
                : f.hint
            }
            required
          >
            {(p) => (
              <input
                {...p}
                type={f.type ?? 'text'}
                value={v[f.key]}
                readOnly={!!standard && certificateField(f.key)}
                onChange={(e) => setV((s) => ({ ...s, [f.key]: e.target.value }))}
              />
            )}
          </Field>
        ))}
        {!standard && (
          <>
            <Field label="Expanded uncertainty (k=2)" hint="Optional, as on the certificate, e.g. 0.02">
              {(p) => (
                <input
                  {...p}
                  inputMode="decimal"
                  value={uncertainty.value}
                  onChange={(e) => setUncertainty((u) => ({ ...u, value: e.target.value }))}
                />
              )}
            </Field>
            <Field label="Uncertainty unit" hint="bar, mbar, degC, mA, mV, ohm… or % (of the applied value)">
              {(p) => (
                <input
                  {...p}
                  value={uncertainty.unit}
                  onChange={(e) => setUncertainty((u) => ({ ...u, unit: e.target.value }))}
                />
              )}
            </Field>
          </>
        )}
        <FormError error={save.error} />
      </form>
    </Modal>
  );
}

function DueCell({ s }: { s: ReferenceStandard }) {
  if (s.expired) return <span className="badge severity-critical">Expired {formatDate(s.due_date)}</span>;
  if (s.days_until_due <= 30)
    return (
      <span className="badge severity-warning">
        Due {formatDate(s.due_date)} ({s.days_until_due} d)
      </span>
    );
  return <>{formatDate(s.due_date)}</>;
}

export function ReferenceStandardsPage() {
  const isAdmin = useIsAdmin();
  const q = useReferenceStandards();
  const remove = useDeleteReferenceStandard();
  const [editing, setEditing] = useState<ReferenceStandard | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ReferenceStandard | null>(null);

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Reference standards</h1>
          <p className="subtitle">
            The calibrators used, their certificates and due dates. An expired standard cannot be used.
          </p>
        </div>
        {isAdmin && (
          <button type="button" className="button button-primary" onClick={() => setEditing('new')}>
            New reference standard
          </button>
        )}
      </header>
      <section className="panel panel-flush">
        <QueryState query={q}>
          {(page) =>
            page.items.length === 0 ? (
              <EmptyState title="No reference standards registered" />
            ) : (
              <div className="table-scroll">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Identifier</th>
                      <th scope="col">Description</th>
                      <th scope="col">Certificate</th>
                      <th scope="col">Accuracy</th>
                      <th scope="col">Calibrated</th>
                      <th scope="col">Due</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((s) => (
                      <tr key={s.id}>
                        <td>
                          <Link to={paths.referenceStandard.href(s.id)} className="tag-link">
                            {s.identifier}
                          </Link>
                        </td>
                        <td>{s.description}</td>
                        <td className="mono nowrap">{s.certificate_number}</td>
                        <td>{s.accuracy}</td>
                        <td className="nowrap">{formatDate(s.calibrated_on)}</td>
                        <td className="nowrap">
                          <DueCell s={s} />
                        </td>
                        <td className="actions">
                          <Link to={paths.referenceStandard.href(s.id)} className="button button-small">
                            Traceability
                          </Link>
                          {isAdmin && (
                            <>
                              <button
                                type="button"
                                className="button button-small"
                                onClick={() => setEditing(s)}
                              >
                                Edit
                              </button>
                              <button
                                type="button"
                                className="button button-small button-danger-outline"
                                onClick={() => setDeleting(s)}
                              >
                                Delete
                              </button>
                            </>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </QueryState>
      </section>
      {editing && (
        <StandardForm standard={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
      {deleting && (
        <ConfirmDelete
          title={`Delete ${deleting.identifier}?`}
          message="It is removed from the list of usable standards; calibrations done with it keep their link."
          remove={remove}
          id={deleting.id}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
