import { type FormEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { paths } from '../../../config/paths.ts';
import type { DeviceStatus } from '../../../lib/api-types.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import { useDebounced } from '../../../lib/use-debounced.ts';
import { useCreateDevice, useDevices } from '../api/devices.ts';

const STATUS_WORD: Record<string, string> = {
  installed: 'Installed',
  spare: 'Spare',
  retired: 'Retired',
} satisfies Record<DeviceStatus, string>;

/** The physical devices (transmitters): where each is installed, filters, and registering one. */
export function DevicesPage() {
  const isAdmin = useIsAdmin();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const q = useDebounced(search, 300);
  const limit = 25;
  const devices = useDevices({ q: q || undefined, status: status || undefined, limit, offset });
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Devices</h1>
          <p className="subtitle">
            Physical transmitters by serial number, and the position (tag) each is installed in.
          </p>
        </div>
        {isAdmin && (
          <div className="header-actions">
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              Register device…
            </button>
          </div>
        )}
      </header>
      <div className="filters">
        <input
          type="search"
          aria-label="Search devices"
          placeholder="Serial, manufacturer, model, tag…"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setOffset(0);
          }}
        />
        <select
          aria-label="Status"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value);
            setOffset(0);
          }}
        >
          <option value="">All live devices</option>
          <option value="installed">Installed</option>
          <option value="spare">Spare</option>
          <option value="retired">Retired</option>
        </select>
      </div>
      <section className="panel">
        <QueryState query={devices} loadingLabel="Loading devices…">
          {(page) =>
            page.items.length === 0 ? (
              <EmptyState title="No devices">
                Register the transmitters to track which one sits in which position.
              </EmptyState>
            ) : (
              <>
                <div className="table-scroll">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">Serial number</th>
                        <th scope="col">Manufacturer / model</th>
                        <th scope="col">Range</th>
                        <th scope="col">Status</th>
                        <th scope="col">Position</th>
                        <th scope="col">Since</th>
                      </tr>
                    </thead>
                    <tbody>
                      {page.items.map((d) => (
                        <tr key={d.id}>
                          <td className="mono">{d.serial_number}</td>
                          <td>
                            {d.manufacturer} {d.model}
                            {d.device_type && <div className="muted">{d.device_type}</div>}
                          </td>
                          <td>
                            {d.range_min !== null && d.range_max !== null
                              ? `${d.range_min} – ${d.range_max} ${d.unit ?? ''}`
                              : '—'}
                          </td>
                          <td>{STATUS_WORD[d.status]}</td>
                          <td>
                            {d.installed_instrument_id ? (
                              <Link
                                to={paths.instrument.href(d.installed_instrument_id)}
                                className="tag-link"
                              >
                                {d.installed_tag}
                              </Link>
                            ) : (
                              '—'
                            )}
                          </td>
                          <td>{formatDateTime(d.installed_at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <Pagination
                  total={page.total}
                  limit={limit}
                  offset={offset}
                  onChange={setOffset}
                  noun="devices"
                />
              </>
            )
          }
        </QueryState>
      </section>
      {creating && <DeviceForm onClose={() => setCreating(false)} />}
    </div>
  );
}

function DeviceForm({ onClose }: { onClose: () => void }) {
  const create = useCreateDevice();
  const [f, setF] = useState({
    manufacturer: '',
    model: '',
    serial_number: '',
    unit: '',
    range_min: '',
    range_max: '',
  });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!f.manufacturer.trim() || !f.model.trim() || !f.serial_number.trim()) {
      setError('Manufacturer, model and serial number are required');
      return;
    }
    setError(null);
    const num = (v: string) => (v.trim() === '' ? null : Number(v));
    create.mutate(
      {
        manufacturer: f.manufacturer.trim(),
        model: f.model.trim(),
        serial_number: f.serial_number.trim(),
        unit: f.unit.trim() || null,
        range_min: num(f.range_min),
        range_max: num(f.range_max),
      },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal
      title="Register a device"
      onClose={onClose}
      footer={
        <FormFooter
          formId="device-form"
          onCancel={onClose}
          pending={create.isPending}
          pendingLabel="Saving…"
          label="Register"
        />
      }
    >
      <form id="device-form" onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field label="Manufacturer" required error={error}>
            {(p) => <input {...p} value={f.manufacturer} onChange={set('manufacturer')} autoFocus />}
          </Field>
          <Field label="Model" required>
            {(p) => <input {...p} value={f.model} onChange={set('model')} />}
          </Field>
          <Field label="Serial number" required>
            {(p) => <input {...p} value={f.serial_number} onChange={set('serial_number')} />}
          </Field>
          <Field label="Unit">{(p) => <input {...p} value={f.unit} onChange={set('unit')} />}</Field>
          <Field label="Range min">
            {(p) => <input {...p} inputMode="decimal" value={f.range_min} onChange={set('range_min')} />}
          </Field>
          <Field label="Range max">
            {(p) => <input {...p} inputMode="decimal" value={f.range_max} onChange={set('range_max')} />}
          </Field>
        </div>
        <FormError error={create.error} />
      </form>
    </Modal>
  );
}
