import { randomBytes } from 'node:crypto';
import type { TestApp } from '../helpers/test-app.ts';

const uid = () => randomBytes(3).toString('hex').toUpperCase();
const DAY = 86_400_000;

/** A reference standard valid from `calibratedDaysAgo` for `validDays`, relative to `now`. */
export async function makeStandard(
  t: TestApp,
  now: Date,
  opts: { calibratedDaysAgo?: number; validDays?: number; identifier?: string } = {},
) {
  const calibrated = new Date(now.getTime() - (opts.calibratedDaysAgo ?? 30) * DAY);
  const due = new Date(calibrated.getTime() + (opts.validDays ?? 365) * DAY);
  const res = await t.api('POST', '/api/reference-standards', {
    body: {
      identifier: opts.identifier ?? `RS-${uid()}`,
      description: 'Druck DPI 620 Genii',
      certificate_number: `CERT-${uid()}`,
      accuracy: '±0.025% FS',
      calibrated_on: calibrated.toISOString().slice(0, 10),
      due_date: due.toISOString().slice(0, 10),
    },
  });
  if (res.status !== 201) throw new Error(`makeStandard: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number; identifier: string; due_date: string };
}

/**
 * Test points over a 0..10 span: up and down at 0/25/50/75/100 %, with the given error (in % of
 * span, so also in units of 0.1 for a 10-unit span) added to every reading.
 */
export function points(asFoundErrorPct: number, asLeftErrorPct: number, span = 10) {
  return [0, 25, 50, 75, 100, 75, 50, 25, 0].map((pct) => {
    const ref = (span * pct) / 100;
    return {
      reference_value: ref,
      as_found: Number((ref + (asFoundErrorPct / 100) * span).toFixed(6)),
      as_left: Number((ref + (asLeftErrorPct / 100) * span).toFixed(6)),
    };
  });
}

export async function calibrate(
  t: TestApp,
  body: Record<string, unknown>,
  token?: string,
): Promise<Record<string, any>> {
  const res = await t.api('POST', '/api/calibrations', { body, ...(token ? { token } : {}) });
  if (res.status !== 201) throw new Error(`calibrate: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function scanNow(t: TestApp) {
  const res = await t.api('POST', '/api/maintenance/scan-now');
  if (res.status !== 200) throw new Error(`scan-now: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as {
    calibration: { overdue: number; alerts_raised: number; work_orders_created: number; cleared: number };
    calibration_work_orders_ahead: number;
    pm_work_orders_created: number;
    sla_breaches_flagged: number;
  };
}

export async function login(t: TestApp, employee_number: string, password: string) {
  const res = await t.api('POST', '/api/auth/login', { token: null, body: { employee_number, password } });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

export const DAY_MS = DAY;
