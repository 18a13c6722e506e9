import type { ReactNode } from 'react';
import { Route, Routes } from 'react-router-dom';
import { paths } from '../config/paths.ts';
import { AuditPage } from '../features/audit/components/AuditPage.tsx';
import { AccountPage } from '../features/auth/components/AccountPage.tsx';
import { ConnectorsPage } from '../features/connectors/components/ConnectorsPage.tsx';
import { DevicesPage } from '../features/devices/components/DevicesPage.tsx';
import { GatewaysPage } from '../features/gateways/components/GatewaysPage.tsx';
import { ImportPage } from '../features/imports/components/ImportPage.tsx';
import { OfflineQueuePage } from '../features/offline/components/OfflineQueuePage.tsx';
import { ProcessUnitsPage } from '../features/process-units/components/ProcessUnitsPage.tsx';
import { ReferenceStandardsPage } from '../features/reference-standards/components/ReferenceStandardsPage.tsx';
import { UsersPage } from '../features/users/components/UsersPage.tsx';
import { Layout } from './Layout.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';
import { RequireAdmin } from './RequireAdmin.tsx';
import {
  MlRoute,
  ProceduresRoute,
  ReferenceStandardRoute,
  ReportsRoute,
  SimulatorRoute,
} from './routes/AdminRoutes.tsx';
import { AlarmKpisRoute } from './routes/AlarmKpisRoute.tsx';
import { AlertsRoute } from './routes/AlertsRoute.tsx';
import { DashboardRoute } from './routes/DashboardRoute.tsx';
import { InstrumentDetailRoute } from './routes/InstrumentDetailRoute.tsx';
import { InstrumentsRoute } from './routes/InstrumentsRoute.tsx';
import { PlanningRoute } from './routes/PlanningRoute.tsx';
import { RequestsRoute } from './routes/RequestsRoute.tsx';
import { TrendRoute } from './routes/TrendRoute.tsx';
import { WorkOrderRoute } from './routes/WorkOrderRoute.tsx';
import { WorkOrdersRoute } from './routes/WorkOrdersRoute.tsx';

const admin = (el: ReactNode) => <RequireAdmin>{el}</RequireAdmin>;

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route path={paths.dashboard.path} element={<DashboardRoute />} />
        <Route path={paths.instruments.path} element={<InstrumentsRoute />} />
        <Route path={paths.instrument.path} element={<InstrumentDetailRoute />} />
        <Route path={paths.trend.path} element={<TrendRoute />} />
        <Route path={paths.alerts.path} element={<AlertsRoute />} />
        <Route path={paths.alarmKpis.path} element={<AlarmKpisRoute />} />
        <Route path={paths.workOrders.path} element={<WorkOrdersRoute />} />
        <Route path={paths.workOrder.path} element={<WorkOrderRoute />} />
        <Route path={paths.requests.path} element={<RequestsRoute />} />
        <Route path={paths.planning.path} element={<PlanningRoute />} />
        <Route path={paths.offlineQueue.path} element={<OfflineQueuePage />} />
        <Route path={paths.reports.path} element={<ReportsRoute />} />
        <Route path={paths.referenceStandards.path} element={<ReferenceStandardsPage />} />
        <Route path={paths.referenceStandard.path} element={<ReferenceStandardRoute />} />
        <Route path={paths.devices.path} element={<DevicesPage />} />
        <Route path={paths.account.path} element={<AccountPage />} />
        <Route path={paths.users.path} element={admin(<UsersPage />)} />
        <Route path={paths.gateways.path} element={admin(<GatewaysPage />)} />
        <Route path={paths.connectors.path} element={admin(<ConnectorsPage />)} />
        <Route path={paths.processUnits.path} element={admin(<ProcessUnitsPage />)} />
        <Route path={paths.ml.path} element={admin(<MlRoute />)} />
        <Route path={paths.simulator.path} element={admin(<SimulatorRoute />)} />
        <Route path={paths.audit.path} element={admin(<AuditPage />)} />
        <Route path={paths.imports.path} element={admin(<ImportPage />)} />
        <Route path={paths.procedures.path} element={admin(<ProceduresRoute />)} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
