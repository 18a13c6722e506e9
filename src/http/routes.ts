import type { FastifyInstance } from 'fastify';
import { alarmRoutes } from '../alerts/alarm-routes.ts';
import { alertRoutes } from '../alerts/routes.ts';
import { attachmentRoutes } from '../attachments/routes.ts';
import { auditRoutes } from '../audit/routes.ts';
import { authRoutes } from '../auth/routes.ts';
import { calibrationImportRoutes } from '../calibration/import-routes.ts';
import { calibrationOutcomeRoutes } from '../calibration/outcome-routes.ts';
import { calibrationProcedureRoutes } from '../calibration/procedure-routes.ts';
import { calibrationRoutes } from '../calibration/routes.ts';
import { connectorRoutes } from '../connectors/routes.ts';
import { dashboardRoutes } from '../dashboard/routes.ts';
import { deviceRoutes } from '../devices/routes.ts';
import { gatewayRoutes } from '../gateways/routes.ts';
import { healthRoutes } from '../health/routes.ts';
import { importRoutes } from '../imports/routes.ts';
import { instrumentRoutes } from '../instruments/routes.ts';
import { instrumentStatusRoutes } from '../instruments/status-routes.ts';
import { jobRoutes } from '../jobs/routes.ts';
import { labelRoutes } from '../labels/routes.ts';
import { maintenanceRoutes } from '../maintenance/routes.ts';
import { modelGroupRoutes } from '../ml/group-routes.ts';
import { mlRoutes } from '../ml/routes.ts';
import { notificationRoutes } from '../notifications/routes.ts';
import { onboardingRoutes } from '../onboarding/routes.ts';
import { planningRoutes } from '../planning/routes.ts';
import { pmPlanRoutes } from '../pm/routes.ts';
import { processUnitRoutes } from '../process-units/routes.ts';
import { readingRoutes } from '../readings/routes.ts';
import { referenceStandardRoutes } from '../reference-standards/routes.ts';
import { reportRoutes } from '../reports/routes.ts';
import { signatureRoutes } from '../signatures/routes.ts';
import { simulatorRoutes } from '../simulator/routes.ts';
import { userRoutes } from '../users/routes.ts';
import { workOrderRoutes } from '../work-orders/routes.ts';
import { workRequestRoutes } from '../work-requests/routes.ts';

/** Every route plugin, in one list. A module adds its plugin here and nowhere else. */
export async function apiRoutes(app: FastifyInstance) {
  await app.register(healthRoutes);
  const api = [
    authRoutes,
    userRoutes,
    processUnitRoutes,
    instrumentRoutes,
    instrumentStatusRoutes,
    auditRoutes,
    alertRoutes,
    alarmRoutes,
    jobRoutes,
    mlRoutes,
    modelGroupRoutes,
    simulatorRoutes,
    referenceStandardRoutes,
    calibrationRoutes,
    calibrationProcedureRoutes,
    calibrationImportRoutes,
    maintenanceRoutes,
    workOrderRoutes,
    pmPlanRoutes,
    notificationRoutes,
    reportRoutes,
    dashboardRoutes,
    readingRoutes,
    gatewayRoutes,
    labelRoutes,
    workRequestRoutes,
    deviceRoutes,
    calibrationOutcomeRoutes,
    signatureRoutes,
    attachmentRoutes,
    importRoutes,
    planningRoutes,
    onboardingRoutes,
    connectorRoutes,
  ];
  for (const plugin of api) await app.register(plugin, { prefix: '/api' });
}
