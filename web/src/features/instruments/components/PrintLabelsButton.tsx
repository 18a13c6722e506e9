import { useState } from 'react';
import { errorText } from '../../../lib/api-client.ts';
import { downloadLabels } from '../api/print-labels.ts';

/** Downloads the printable QR label sheet; each label opens the instrument's page on a phone. */
export function PrintLabelsButton({
  scope,
  label = 'Print QR labels',
}: {
  scope: { ids?: number[]; process_unit_id?: number };
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await downloadLabels(scope);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="button" onClick={() => void run()} disabled={busy}>
        {busy ? 'Preparing labels…' : label}
      </button>
      {error && (
        <span className="form-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
