import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { InstrumentRegister } from '../../features/instruments/components/InstrumentRegister.tsx';
import { PrintLabelsButton } from '../../features/instruments/components/PrintLabelsButton.tsx';
import type { Instrument } from '../../features/instruments/types.ts';
import { useProcessUnits } from '../../features/process-units/api/get-process-units.ts';
import { useIsAdmin } from '../../lib/session.ts';
import { type InstrumentAction, InstrumentActionModals } from './InstrumentActionModals.tsx';

/** The register with inline Calibrate / Maintain / Train per row, opening modals in place. */
export function InstrumentsRoute() {
  const units = useProcessUnits();
  const isAdmin = useIsAdmin();
  const [action, setAction] = useState<{ kind: InstrumentAction; instrument: Instrument } | null>(null);
  const unit = Number(useSearchParams()[0].get('unit')) || undefined;

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Instrument register</h1>
          <p className="subtitle">
            Every transmitter in the plant, its range, tolerance and calibration status.
          </p>
        </div>
        <div className="header-actions">
          <PrintLabelsButton
            scope={{ process_unit_id: unit }}
            label={unit ? 'Print QR labels for this unit' : 'Print QR labels'}
          />
        </div>
      </header>
      <InstrumentRegister
        processUnits={units.data?.items ?? []}
        rowActions={(i) => (
          <>
            <button
              type="button"
              className="button button-small"
              aria-label={`Calibrate ${i.tag}`}
              onClick={() => setAction({ kind: 'calibrate', instrument: i })}
            >
              Calibrate
            </button>
            <button
              type="button"
              className="button button-small"
              aria-label={`Record maintenance on ${i.tag}`}
              onClick={() => setAction({ kind: 'maintain', instrument: i })}
            >
              Maintain
            </button>
            {isAdmin && (
              <button
                type="button"
                className="button button-small"
                aria-label={`Train anomaly model for ${i.tag}`}
                onClick={() => setAction({ kind: 'train', instrument: i })}
              >
                Train
              </button>
            )}
          </>
        )}
      />
      {action && (
        <InstrumentActionModals
          kind={action.kind}
          instrument={action.instrument}
          onClose={() => setAction(null)}
        />
      )}
    </div>
  );
}
