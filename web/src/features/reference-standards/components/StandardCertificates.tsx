import { type FormEvent, useState } from 'react';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { formatDate } from '../../../lib/format.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import { useAddCertificate, useStandardCertificates } from '../api/certificates.ts';

const uncertaintyText = (v: number | null, unit: string | null) => (v === null ? '—' : `±${v} ${unit ?? ''}`);

function NewCertificateModal({ id, onClose }: { id: number; onClose: () => void }) {
  const add = useAddCertificate(id);
  const [v, setV] = useState({
    certificate_number: '',
    calibrated_on: '',
    due_date: '',
    value: '',
    unit: '',
    issued_by: '',
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) =>
    setV((s) => ({ ...s, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!v.certificate_number.trim()) errs.certificate_number = 'Enter the certificate number';
    if (!v.calibrated_on) errs.calibrated_on = 'Enter the calibration date';
    if (!v.due_date) errs.due_date = 'Enter the due date';
    else if (v.calibrated_on && v.due_date <= v.calibrated_on)
      errs.due_date = 'Must be after the calibration date';
    const n = v.value.trim() === '' ? null : Number(v.value);
    if (n !== null && !(n > 0)) errs.value = 'A positive number';
    if ((n === null) !== (v.unit.trim() === '')) errs.unit = 'Give the uncertainty and its unit together';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    add.mutate(
      {
        certificate_number: v.certificate_number.trim(),
        calibrated_on: v.calibrated_on,
        due_date: v.due_date,
        uncertainty_value: n,
        uncertainty_unit: v.unit.trim() || null,
        issued_by: v.issued_by.trim() || null,
      },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal
      title="New certificate"
      onClose={onClose}
      footer={
        <FormFooter
          formId="certificate-form"
          onCancel={onClose}
          pending={add.isPending}
          pendingLabel="Saving…"
          label="Add certificate"
        />
      }
    >
      <form id="certificate-form" onSubmit={submit} noValidate className="form-grid">
        <Field label="Certificate number" required error={errors.certificate_number}>
          {(p) => <input {...p} value={v.certificate_number} onChange={set('certificate_number')} />}
        </Field>
        <Field label="Calibrated on" required error={errors.calibrated_on}>
          {(p) => <input {...p} type="date" value={v.calibrated_on} onChange={set('calibrated_on')} />}
        </Field>
        <Field label="Due date" required error={errors.due_date}>
          {(p) => <input {...p} type="date" value={v.due_date} onChange={set('due_date')} />}
        </Field>
        <Field
          label="Expanded uncertainty (k=2)"
          error={errors.value}
          hint="As on the certificate, e.g. 0.02"
        >
          {(p) => <input {...p} inputMode="decimal" value={v.value} onChange={set('value')} />}
        </Field>
        <Field
          label="Uncertainty unit"
          error={errors.unit}
          hint="bar, mbar, degC, mA, mV, ohm… or % (of the applied value)"
        >
          {(p) => <input {...p} value={v.unit} onChange={set('unit')} />}
        </Field>
        <Field label="Issued by">
          {(p) => <input {...p} value={v.issued_by} onChange={set('issued_by')} />}
        </Field>
        <FormError error={add.error} />
      </form>
    </Modal>
  );
}

/** The standard's certificate history; admins add the next certificate (never edit one). */
export function StandardCertificates({ id }: { id: number }) {
  const q = useStandardCertificates(id);
  const isAdmin = useIsAdmin();
  const [adding, setAdding] = useState(false);
  return (
    <section className="panel panel-flush">
      <div className="panel-header" style={{ padding: '0.8rem 1rem 0' }}>
        <h2>Certificates</h2>
        {isAdmin && (
          <button type="button" className="button button-small" onClick={() => setAdding(true)}>
            New certificate
          </button>
        )}
      </div>
      <QueryState query={q}>
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState title="No certificates" />
          ) : (
            <table className="table" aria-label="Certificate history">
              <thead>
                <tr>
                  <th scope="col">Certificate</th>
                  <th scope="col">Calibrated on</th>
                  <th scope="col">Due date</th>
                  <th scope="col">Uncertainty</th>
                  <th scope="col">Issued by</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((c) => (
                  <tr key={c.id} className={c.current ? undefined : 'row-muted'}>
                    <td className="mono">
                      {c.certificate_number} {c.current && <span className="badge">current</span>}
                    </td>
                    <td>{formatDate(c.calibrated_on)}</td>
                    <td>{formatDate(c.due_date)}</td>
                    <td>{uncertaintyText(c.uncertainty_value, c.uncertainty_unit)}</td>
                    <td>{c.issued_by ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      {adding && <NewCertificateModal id={id} onClose={() => setAdding(false)} />}
    </section>
  );
}
