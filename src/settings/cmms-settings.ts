import type { Config } from '../config.ts';
/** Hours to complete a work order, by its priority (SLA_HOURS_*). */
export type SlaHours = Config['slaHours'];

/** The settings the CMMS services need from the configuration (config.ts documents each). */
export interface CmmsSettings {
  slaHours: SlaHours;
  /** Alert suppression after calibration or maintenance (ALERT_SUPPRESSION_MINUTES). */
  suppressionMinutes: number;
  /** Base URL for links in e-mails (PUBLIC_URL), or null. */
  publicUrl: string | null;
  /** Alarms out of service while a work order is in progress (ALERT_OUT_OF_SERVICE_DURING_WORK). */
  outOfServiceDuringWork: boolean;
  /** Days before a PM plan falls due that its work order is raised (PM_LEAD_DAYS). */
  pmLeadDays: number;
  /** Days before a calibration falls due that its work order is raised (CALIBRATION_LEAD_DAYS). */
  calibrationLeadDays: number;
}

export const cmmsSettings = (config: Config): CmmsSettings => ({
  slaHours: config.slaHours,
  suppressionMinutes: config.suppressionMinutes,
  publicUrl: config.publicUrl,
  outOfServiceDuringWork: config.alarms.outOfServiceDuringWork,
  pmLeadDays: config.planning.pmLeadDays,
  calibrationLeadDays: config.planning.calibrationLeadDays,
});

/** The configuration defaults, for callers without a Config (the CLI seed). */
export const DEFAULT_CMMS_SETTINGS: CmmsSettings = {
  slaHours: { low: 168, medium: 72, high: 24, urgent: 4 },
  suppressionMinutes: 60,
  publicUrl: null,
  outOfServiceDuringWork: false,
  pmLeadDays: 14,
  calibrationLeadDays: 14,
};

/** A work order is due its priority's SLA hours after it was raised. */
export function slaDueDate(priority: keyof SlaHours, fromIso: string, sla: SlaHours): string {
  return new Date(Date.parse(fromIso) + sla[priority] * 3_600_000).toISOString();
}
