import { type FormEvent, useState } from 'react';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import { useDevices, useInstallations, useInstallDevice, useRemoveDevice } from '../api/devices.ts';

/** Which device sat in this position and when; admins install, swap or remove. */
export function InstallationsPanel({ instrumentId, tag }: { instrumentId: number; tag: string }) {
  const q = useInstallations(instrumentId);
  const isAdmin = useIsAdmin();
  const [modal, setModal] = useState<'install' | 'remove' | null>(null);
  return (
    <QueryState query={q} loadingLabel="Loading installation history…">
      {(page) => {
        const current = page.items.find((i) => i.current) ?? null;
        return (
          <>
            {isAdmin && (
              <div className="header-actions">
                <button type="button" className="button" onClick={() => setModal('install')}>
                  {current ? 'Swap device…' : 'Install device…'}
                </button>
                {current && (
                  <button type="button" className="button" onClick={() => setModal('remove')}>
                    Remove device…
                  </button>
                )}
              </div>
            )}
            {page.items.length === 0 ? (
              <EmptyState title="No device recorded in this position" />
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Device</th>
                    <th scope="col">Installed</th>
                    <th scope="col">Removed</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((i) => (
                    <tr key={i.id}>
                      <td>
                        <span className="mono">{i.serial_number}</span> {i.manufacturer} {i.model}
                        {i.current && <span className="badge pass"> Installed now</span>}
                      </td>
                      <td>
                        {formatDateTime(i.installed_at)}
                        {i.installed_by_name && <div className="muted">{i.installed_by_name}</div>}
                      </td>
                      <td>
                        {formatDateTime(i.removed_at)}
                        {i.removed_by_name && <div className="muted">{i.removed_by_name}</div>}
                      </td>
                      <td>{[i.reason, i.removal_reason].filter(Boolean).join(' · ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {modal === 'install' && (
              <InstallModal
                instrumentId={instrumentId}
                tag={tag}
                swap={current !== null}
                onClose={() => setModal(null)}
              />
            )}
            {modal === 'remove' && (
              <RemoveModal instrumentId={instrumentId} tag={tag} onClose={() => setModal(null)} />
            )}
          </>
        );
      }}
    </QueryState>
  );
}

function InstallModal({
  instrumentId,
  tag,
  swap,
  onClose,
}: {
  instrumentId: number;
  tag: string;
  swap: boolean;
  onClose: () => void;
}) {
  const spares = useDevices({ status: 'spare', limit: 200 });
  const install = useInstallDevice(instrumentId);
  const [deviceId, setDeviceId] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!deviceId) {
      setError('Choose the device');
      return;
    }
    install.mutate(
      { device_id: Number(deviceId), swap, reason: reason.trim() || null },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal
      title={swap ? `Swap the device in ${tag}` : `Install a device in ${tag}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="install-form"
          onCancel={onClose}
          pending={install.isPending}
          pendingLabel="Saving…"
          label={swap ? 'Swap' : 'Install'}
        />
      }
    >
      <form id="install-form" onSubmit={submit} noValidate>
        <Field label="Spare device" required error={error}>
          {(p) => (
            <select {...p} value={deviceId} onChange={(e) => setDeviceId(e.target.value)}>
              <option value="">{spares.data?.items.length ? 'Choose…' : 'No spare devices'}</option>
              {(spares.data?.items ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {d.serial_number} · {d.manufacturer} {d.model}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Reason"
          hint={
            swap
              ? 'The device now installed is removed at the same moment; both keep their history.'
              : undefined
          }
        >
          {(p) => (
            <input {...p} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
          )}
        </Field>
        <FormError error={install.error} />
      </form>
    </Modal>
  );
}

function RemoveModal({
  instrumentId,
  tag,
  onClose,
}: {
  instrumentId: number;
  tag: string;
  onClose: () => void;
}) {
  const remove = useRemoveDevice(instrumentId);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setError('Say why the device is removed');
      return;
    }
    remove.mutate({ reason: reason.trim() }, { onSuccess: onClose });
  };
  return (
    <Modal
      title={`Remove the device from ${tag}`}
      onClose={onClose}
      footer={
        <FormFooter
          formId="remove-form"
          onCancel={onClose}
          pending={remove.isPending}
          pendingLabel="Saving…"
          label="Remove"
        />
      }
    >
      <form id="remove-form" onSubmit={submit} noValidate>
        <Field label="Reason" required error={error}>
          {(p) => (
            <input
              {...p}
              maxLength={2000}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <FormError error={remove.error} />
      </form>
    </Modal>
  );
}
