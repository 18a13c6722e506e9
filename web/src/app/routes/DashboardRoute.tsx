import { Dashboard } from '../../features/dashboard/components/Dashboard.tsx';
import { FirstRunGuide } from '../../features/onboarding/components/FirstRunGuide.tsx';
import { useProcessUnits } from '../../features/process-units/api/get-process-units.ts';
import { SimulatorCard } from '../../features/simulator/components/SimulatorCard.tsx';
import { useIsAdmin } from '../../lib/session.ts';
import { useInstrumentOptions } from '../options.ts';

function AdminSimulator() {
  const { tags } = useInstrumentOptions();
  return (
    <details className="panel simulator-details">
      <summary>Data simulator</summary>
      <SimulatorCard tags={tags} />
    </details>
  );
}

export function DashboardRoute() {
  const units = useProcessUnits();
  const isAdmin = useIsAdmin();
  return (
    <div className="page">
      <Dashboard processUnits={units.data?.items ?? []} intro={<FirstRunGuide />} />
      {isAdmin && (
        <div style={{ marginTop: '1rem' }}>
          <AdminSimulator />
        </div>
      )}
    </div>
  );
}
