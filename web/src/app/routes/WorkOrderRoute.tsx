import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { AttachmentsPanel } from '../../features/attachments/components/AttachmentsPanel.tsx';
import { useInstrumentCalibrations } from '../../features/calibration/api/get-instrument-calibrations.ts';
import { ImpactAssessmentPanel } from '../../features/calibration/components/ImpactAssessmentPanel.tsx';
import { useInstrument } from '../../features/instruments/api/get-instrument.ts';
import { SignaturesPanel } from '../../features/signatures/components/SignaturesPanel.tsx';
import { useWorkOrder } from '../../features/work-orders/api/get-work-order.ts';
import { WorkOrderDetail } from '../../features/work-orders/components/WorkOrderDetail.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useAssigneeOptions } from '../options.ts';
import { InstrumentActionModals } from './InstrumentActionModals.tsx';
import { WorkOrderContext } from './WorkOrderContext.tsx';

/** A work order; a calibration order can record its calibration in place and close with it. */
export function WorkOrderRoute() {
  const id = Number(useParams().id);
  const wo = useWorkOrder(id);
  const assignees = useAssigneeOptions();
  const instrumentId = wo.data?.instrument_id ?? 0;
  const isCalibration = wo.data?.type === 'calibration';
  const cals = useInstrumentCalibrations(instrumentId, 20, 0, isCalibration && instrumentId > 0);
  const instrument = useInstrument(instrumentId);
  const [calibrating, setCalibrating] = useState(false);

  return (
    <div className="page">
      <WorkOrderDetail
        id={id}
        assignees={assignees}
        calibrationOptions={(w) =>
          (cals.data?.items ?? [])
            .filter((c) => !c.superseded)
            .map((c) => ({
              id: c.id,
              label: `#${c.id} · ${formatDateTime(c.performed_at)} · ${c.passed ? 'passed' : 'failed'} · ${c.technician_name}`,
              // The record made under this order, or one made since the order was raised.
              suggested: c.work_order_id === w.id || c.performed_at >= w.created_at,
            }))
        }
        primaryAction={(w) =>
          // Issue 13: recording the calibration is what a calibration order is for.
          isCalibration &&
          instrument.data &&
          (w.status === 'open' || w.status === 'in_progress') &&
          w.calibration_record_id === null ? (
            <button type="button" className="button button-primary" onClick={() => setCalibrating(true)}>
              Record calibration
            </button>
          ) : null
        }
        extraPanels={(w) => (
          <>
            <ImpactAssessmentPanel workOrderId={w.id} />
            <SignaturesPanel
              entityType="work_order"
              entityId={w.id}
              subject={`work order #${w.id} (${w.tag}: ${w.title})`}
              performerId={w.assigned_to}
              signable={w.status === 'completed'}
            />
            <AttachmentsPanel type="work_order" id={w.id} />
          </>
        )}
        recordCalibration={(w) =>
          instrument.data ? (
            <p>
              <button type="button" className="button button-small" onClick={() => setCalibrating(true)}>
                Record the calibration now…
              </button>{' '}
              <span className="muted">It is linked to work order #{w.id}.</span>
            </p>
          ) : null
        }
      />
      {/* Corrective work (and any order raised from an alert) shows the instrument live. */}
      {wo.data && (wo.data.type === 'corrective' || wo.data.alert_id !== null) && (
        <WorkOrderContext wo={wo.data} />
      )}
      {calibrating && instrument.data && (
        <InstrumentActionModals
          kind="calibrate"
          instrument={instrument.data}
          workOrderId={id}
          onClose={() => setCalibrating(false)}
        />
      )}
    </div>
  );
}
