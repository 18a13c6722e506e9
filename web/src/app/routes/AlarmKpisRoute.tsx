import { AlarmKpiPage } from '../../features/alarm-kpis/components/AlarmKpiPage.tsx';
import { useProcessUnits } from '../../features/process-units/api/get-process-units.ts';

/** Alarm KPIs, filtered by the plant's process units. */
export function AlarmKpisRoute() {
  const units = useProcessUnits();
  return <AlarmKpiPage processUnits={units.data?.items ?? []} />;
}
