import type { TProperties } from 'typebox';
import { anomaliesQuery, buildAnomaliesReport } from './anomalies-report.ts';
import { buildCalibrationReport, calibrationQuery } from './calibration-report.ts';
import { buildComplianceReport } from './compliance-report.ts';
import { buildHealthStatusReport, healthQuery } from './health-status-report.ts';
import { buildMaintenanceReport, maintenanceQuery } from './maintenance-report.ts';
import type { ReportData, ReportKey } from './report-model.ts';
import type { BuildContext } from './report-queries.ts';
import { buildWorkOrdersReport, workOrdersQuery } from './work-orders-report.ts';

export interface ReportDefinition {
  /** Report-specific query parameters, besides the period, scope and export ones. */
  query: TProperties;
  summary: string;
  /** Default period length when `from` is not given. */
  defaultDays: number;
  // Builders validate their own query shape; the registry is the one place that erases it.
  build(bc: BuildContext, q: Record<string, unknown>): Promise<ReportData>;
}

export const REPORTS: Record<ReportKey, ReportDefinition> = {
  calibration: {
    query: calibrationQuery,
    summary: 'Calibration status and as-found/as-left history per test point',
    defaultDays: 90,
    build: (bc, q) => buildCalibrationReport(bc, q),
  },
  maintenance: {
    query: maintenanceQuery,
    summary: 'Maintenance history',
    defaultDays: 90,
    build: (bc, q) => buildMaintenanceReport(bc, q),
  },
  'health-status': {
    query: healthQuery,
    summary: 'Instrument health scores and status (a snapshot; the period scopes alert counts)',
    defaultDays: 30,
    build: (bc, q) => buildHealthStatusReport(bc, q),
  },
  anomalies: {
    query: anomaliesQuery,
    summary: 'Anomaly and drift detection history',
    defaultDays: 90,
    build: (bc, q) => buildAnomaliesReport(bc, q),
  },
  compliance: {
    query: {},
    summary: 'Calibration compliance summary: compliance %, overdue count, by process unit and criticality',
    defaultDays: 365,
    build: (bc, q) => buildComplianceReport(bc, q),
  },
  'work-orders': {
    query: workOrdersQuery,
    summary: 'Work-order history and SLA performance: on-time %, mean time to complete, breaches',
    defaultDays: 90,
    build: (bc, q) => buildWorkOrdersReport(bc, q),
  },
};
