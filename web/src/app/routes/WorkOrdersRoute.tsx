import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { paths } from '../../config/paths.ts';
import { WorkOrderForm } from '../../features/work-orders/components/WorkOrderForm.tsx';
import { WorkOrderList } from '../../features/work-orders/components/WorkOrderList.tsx';
import { useIsAdmin } from '../../lib/session.ts';
import { useAssigneeOptions, useInstrumentOptions } from '../options.ts';

function CreateWorkOrder({ onClose }: { onClose: () => void }) {
  const { options } = useInstrumentOptions();
  const assignees = useAssigneeOptions();
  const navigate = useNavigate();
  return (
    <WorkOrderForm
      instruments={options}
      assignees={assignees}
      onClose={onClose}
      onSaved={(wo) => navigate(paths.workOrder.href(wo.id))}
    />
  );
}

export function WorkOrdersRoute() {
  const isAdmin = useIsAdmin();
  const [creating, setCreating] = useState(false);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Work orders</h1>
          <p className="subtitle">Open → in progress → completed, with SLA due dates by priority.</p>
        </div>
        {isAdmin && (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            New work order
          </button>
        )}
      </header>
      <WorkOrderList />
      {creating && <CreateWorkOrder onClose={() => setCreating(false)} />}
    </div>
  );
}
