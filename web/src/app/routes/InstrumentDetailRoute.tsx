import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { QueryState } from '../../components/Feedback.tsx';
import { paths } from '../../config/paths.ts';
import { AlertList } from '../../features/alerts/components/AlertList.tsx';
import { AttachmentsPanel } from '../../features/attachments/components/AttachmentsPanel.tsx';
import { CalibrationHistory } from '../../features/calibration/components/CalibrationHistory.tsx';
import { CalibrationIntervalPanel } from '../../features/calibration/components/CalibrationIntervalPanel.tsx';
import { InstallationsPanel } from '../../features/devices/components/InstallationsPanel.tsx';
import { useInstrument } from '../../features/instruments/api/get-instrument.ts';
import { useUpdateInstrument } from '../../features/instruments/api/update-instrument.ts';
import { InstrumentFacts } from '../../features/instruments/components/InstrumentFacts.tsx';
import { InstrumentForm } from '../../features/instruments/components/InstrumentForm.tsx';
import { InstrumentStatusPanel } from '../../features/instruments/components/InstrumentStatusPanel.tsx';
import { OutOfServiceControl } from '../../features/instruments/components/OutOfServiceControl.tsx';
import { PrintLabelsButton } from '../../features/instruments/components/PrintLabelsButton.tsx';
import { RangeHistory } from '../../features/instruments/components/RangeHistory.tsx';
import { MaintenanceHistory } from '../../features/maintenance/components/MaintenanceHistory.tsx';
import { ModelVersions } from '../../features/ml/components/ModelVersions.tsx';
import { PmPlans } from '../../features/pm-plans/components/PmPlans.tsx';
import { useProcessUnits } from '../../features/process-units/api/get-process-units.ts';
import { SignaturesPanel } from '../../features/signatures/components/SignaturesPanel.tsx';
import { TrendViewer } from '../../features/trends/components/TrendViewer.tsx';
import type { RangeKey } from '../../features/trends/types.ts';
import { WorkOrderList } from '../../features/work-orders/components/WorkOrderList.tsx';
import { ReportProblemModal } from '../../features/work-requests/components/ReportProblemModal.tsx';
import { errorText } from '../../lib/api-client.ts';
import { useIsAdmin } from '../../lib/session.ts';
import { useAssigneeOptions } from '../options.ts';
import { type InstrumentAction, InstrumentActionModals } from './InstrumentActionModals.tsx';
import { useTrendMarkers } from './use-trend-markers.ts';

const TABS = [
  ['calibrations', 'Calibration history'],
  ['maintenance', 'Maintenance'],
  ['pm', 'Preventive plans'],
  ['alerts', 'Alerts'],
  ['work-orders', 'Work orders'],
  ['models', 'Model versions'],
  ['ranges', 'Range history'],
  ['devices', 'Devices installed'],
] as const;
type Tab = (typeof TABS)[number][0];

/** One instrument: status, trend and every record about it. */
export function InstrumentDetailRoute() {
  const id = Number(useParams().id);
  const q = useInstrument(id);
  const isAdmin = useIsAdmin();
  const units = useProcessUnits();
  const update = useUpdateInstrument();
  const assignees = useAssigneeOptions();
  const [action, setAction] = useState<InstrumentAction | null>(null);
  const [editing, setEditing] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [tab, setTab] = useState<Tab>('calibrations');
  const [range, setRange] = useState<RangeKey>('24h');
  const markers = useTrendMarkers(q.data?.tag ?? '', q.data ? id : null, range);

  return (
    <div className="page">
      <QueryState query={q} loadingLabel="Loading instrument…">
        {(i) => (
          <>
            <header className="page-header">
              <div>
                <p className="muted">
                  <Link to={paths.instruments.href()}>Instruments</Link> › {i.tag}
                </p>
                <h1>
                  <span className="mono">{i.tag}</span>{' '}
                  <small className="muted">{i.description ?? i.measured_variable}</small>
                  {i.out_of_tolerance && <span className="badge severity-critical">Out of tolerance</span>}
                </h1>
                {i.device_serial_number && (
                  <p className="subtitle">
                    Device installed: <span className="mono">{i.device_serial_number}</span>
                  </p>
                )}
              </div>
              <div className="header-actions">
                <button type="button" className="button button-primary" onClick={() => setReporting(true)}>
                  Report a problem
                </button>
                <PrintLabelsButton scope={{ ids: [i.id] }} label="Print label" />
                <OutOfServiceControl instrumentId={i.id} tag={i.tag} canChange={isAdmin} />
                <button type="button" className="button" onClick={() => setAction('calibrate')}>
                  Calibrate
                </button>
                <button type="button" className="button" onClick={() => setAction('import')}>
                  Import calibrator CSV
                </button>
                <button type="button" className="button" onClick={() => setAction('maintain')}>
                  Maintain
                </button>
                {isAdmin && (
                  <>
                    <button type="button" className="button" onClick={() => setAction('train')}>
                      Train
                    </button>
                    <button type="button" className="button" onClick={() => setEditing(true)}>
                      Edit
                    </button>
                  </>
                )}
              </div>
            </header>
            <div className="grid-2">
              <section className="panel">
                <h2>Live status</h2>
                <InstrumentStatusPanel instrumentId={i.id} unit={i.unit} lastReading={i.last_reading} />
              </section>
              <section className="panel">
                <h2>Calibration interval</h2>
                <CalibrationIntervalPanel
                  instrumentId={i.id}
                  switching={update.isPending}
                  onSwitch={
                    isAdmin
                      ? (usePredicted) =>
                          update.mutate({ id: i.id, patch: { use_predicted_interval: usePredicted } })
                      : undefined
                  }
                />
                {update.error && (
                  <p className="form-error" role="alert">
                    {errorText(update.error)}
                  </p>
                )}
              </section>
            </div>
            <TrendViewer tag={i.tag} range={range} onRangeChange={setRange} markers={markers} />
            <section className="panel">
              <h2>Register entry</h2>
              <InstrumentFacts i={i} />
            </section>
            <section className="panel">
              <div className="tabs" role="tablist" aria-label="Records">
                {TABS.map(([k, label]) => (
                  <button
                    key={k}
                    type="button"
                    role="tab"
                    aria-selected={tab === k}
                    onClick={() => setTab(k)}
                  >
                    {label}
                  </button>
                ))}
              </div>
              <div role="tabpanel">
                {tab === 'calibrations' && (
                  <CalibrationHistory
                    instrumentId={i.id}
                    recordExtras={(c) => (
                      <>
                        <SignaturesPanel
                          entityType="calibration_record"
                          entityId={c.id}
                          subject={`calibration #${c.id} of ${c.tag} (${c.outcome.replace(/_/g, ' ')})`}
                          performerId={c.technician_id}
                          signable={!c.superseded}
                        />
                        <AttachmentsPanel type="calibration_record" id={c.id} />
                      </>
                    )}
                  />
                )}
                {tab === 'devices' && <InstallationsPanel instrumentId={i.id} tag={i.tag} />}
                {tab === 'maintenance' && <MaintenanceHistory instrumentId={i.id} />}
                {tab === 'pm' && <PmPlans instrumentId={i.id} assignees={assignees} />}
                {tab === 'alerts' && <AlertList compact fixed={{ instrument_id: i.id }} />}
                {tab === 'work-orders' && (
                  <WorkOrderList fixed={{ instrument_id: i.id, status: undefined, limit: 20 }} />
                )}
                {tab === 'models' && <ModelVersions tag={i.tag} />}
                {tab === 'ranges' && <RangeHistory instrumentId={i.id} />}
              </div>
            </section>
            {action && (
              <InstrumentActionModals kind={action} instrument={i} onClose={() => setAction(null)} />
            )}
            {reporting && <ReportProblemModal instrument={i} onClose={() => setReporting(false)} />}
            {editing && (
              <InstrumentForm
                instrument={i}
                processUnits={units.data?.items ?? []}
                onClose={() => setEditing(false)}
              />
            )}
          </>
        )}
      </QueryState>
    </div>
  );
}
