import { PlanningPage } from '../../features/planning/components/PlanningPage.tsx';
import { useProcessUnits } from '../../features/process-units/api/get-process-units.ts';
import { useAssigneeOptions } from '../options.ts';

export function PlanningRoute() {
  const units = useProcessUnits();
  const people = useAssigneeOptions();
  return (
    <PlanningPage
      processUnits={(units.data?.items ?? []).map((u) => ({ id: u.id, label: u.name }))}
      people={people}
    />
  );
}
