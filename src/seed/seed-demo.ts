import type { Kysely } from 'kysely';
import { acknowledgeAlert, resolveAlert } from '../alerts/alert-service.ts';
import type { Config } from '../config.ts';
import type { DB } from '../db/schema.ts';
import { monitorDefaults } from '../detection/instrument-config.ts';
import { createInstrument } from '../instruments/instrument-service.ts';
import { recordMaintenance } from '../maintenance/maintenance-service.ts';
import type { WindowSettings } from '../ml/baseline-service.ts';
import { AfterCommit } from '../notifications/after-commit.ts';
import { createPlan } from '../pm/pm-plan-service.ts';
import { createProcessUnit } from '../process-units/process-unit-service.ts';
import { createReferenceStandard } from '../reference-standards/reference-standard-service.ts';
import { type CmmsSettings, cmmsSettings } from '../settings/cmms-settings.ts';
import { SCHEDULED_FAULTS_KEY } from '../simulator/scheduled-faults.ts';
import { createUser, findUserByEmployeeNumber } from '../users/user-service.ts';
import { createWorkOrder, createWorkOrderFromAlert } from '../work-orders/work-order-service.ts';
import { recordCalibration } from '../workflows/record-calibration.ts';
import { updateWorkOrder } from '../workflows/update-work-order.ts';
import { backfillHistory } from './backfill-history.ts';
import { DEMO_INSTRUMENTS, DEMO_PROCESS_UNITS, DEMO_REFERENCE_STANDARDS } from './demo-instruments.ts';
import { seedUnitForests, seedUnitGroups } from './demo-models.ts';
import {
  DAY,
  DEMO_MODEL_TAGS,
  demoDrifts,
  demoEpisodes,
  demoSteps,
  demoTimeline,
  HISTORY_SEED,
  MINUTE,
  RAW_STEP_SECONDS,
} from './demo-story.ts';
import { replayDetectors } from './replay-detectors.ts';

export const DEMO_TECHNICIANS = [
  {
    employee_number: 'T-1001',
    full_name: 'Mwila Chanda',
    email: 'mwila.chanda@example.com',
    password: 'technician-one',
  },
  {
    employee_number: 'T-1002',
    full_name: 'Bwalya Mutale',
    email: 'bwalya.mutale@example.com',
    password: 'technician-two',
  },
];

export interface SeedResult {
  seeded: boolean;
  instruments: number;
  users: string[];
}

/** Demo data for a new plant. Does nothing when instruments already exist, so it is safe to rerun. */
export async function seedDemo(
  db: Kysely<DB>,
  now: Date,
  log: (m: string) => void,
  config: Config,
): Promise<SeedResult> {
  const existing = await db.selectFrom('instruments').select('id').limit(1).executeTakeFirst();
  if (existing) return { seeded: false, instruments: 0, users: [] };
  const at = now.toISOString();
  const settings = cmmsSettings(config);
  const windows: WindowSettings = {
    featureWindowSeconds: config.aggregationWindowSeconds,
    cusumWindowSeconds: config.cusum.windowMinutes * 60,
  };
  const lap = phases(log);

  const users: string[] = [];
  const technicianIds: number[] = [];
  for (const t of DEMO_TECHNICIANS) {
    const found = await findUserByEmployeeNumber(db, t.employee_number);
    if (found) {
      technicianIds.push(found.id);
      continue;
    }
    const { user } = await createUser(db, null, { ...t, role: 'technician' }, at);
    technicianIds.push(user.id);
    users.push(`${t.employee_number} / ${t.password} (technician)`);
  }

  const unitIds = new Map<string, number>();
  for (const u of DEMO_PROCESS_UNITS) {
    const pu = await createProcessUnit(db, null, u, at);
    unitIds.set(u.name, pu.id);
  }

  const standards: { id: number; identifier: string; calibrated_on: string; due_date: string }[] = [];
  for (const s of DEMO_REFERENCE_STANDARDS) {
    const calibrated = new Date(now.getTime() - s.calibrated_on_days_ago * DAY);
    const due = new Date(calibrated.getTime() + s.valid_days * DAY);
    const created = await createReferenceStandard(
      db,
      null,
      {
        identifier: s.identifier,
        description: s.description,
        certificate_number: s.certificate_number,
        accuracy: s.accuracy,
        calibrated_on: calibrated.toISOString().slice(0, 10),
        due_date: due.toISOString().slice(0, 10),
        uncertainty_value: s.uncertainty,
        uncertainty_unit: '%',
      },
      now,
    );
    standards.push(created);
  }

  let n = 0;
  const instruments: { id: number; tag: string }[] = [];
  for (const [index, d] of DEMO_INSTRUMENTS.entries()) {
    const { unit_name, ...input } = d;
    // Registered two years ago so the calibration history has room.
    const registered = new Date(now.getTime() - 730 * DAY);
    const inst = await createInstrument(
      db,
      null,
      { ...input, process_unit_id: unitIds.get(unit_name) ?? null },
      registered,
      new AfterCommit(),
    );
    n++;
    instruments.push(inst);
    await seedCalibrationHistory(db, inst, index, technicianIds, standards, now, settings);
  }
  await seedMaintenanceWork(db, instruments, technicianIds, now, settings);
  lap(
    `seeded ${n} demo instruments, ${DEMO_PROCESS_UNITS.length} process units, ${standards.length} reference standards`,
  );

  const timeline = demoTimeline(Math.floor(now.getTime() / MINUTE) * MINUTE);
  const history = await backfillHistory(db, now, {
    toMs: timeline.toMs,
    steps: demoSteps(timeline),
    dense: { fromMs: timeline.denseFrom, tags: Object.values(DEMO_MODEL_TAGS) },
    faults: demoEpisodes,
    seed: HISTORY_SEED,
  });
  lap(
    `backfilled ${history.readings} readings (${history.from} to ${history.to}) for ${history.instruments} instruments`,
  );
  // The live simulator continues the drift from where the history leaves it.
  const scheduled = JSON.stringify(demoDrifts(timeline.toMs));
  await db
    .insertInto('system_state')
    .values({ key: SCHEDULED_FAULTS_KEY, value: scheduled, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: scheduled, updated_at: at }))
    .execute();

  const admin = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .orderBy('id')
    .executeTakeFirst();
  // Models are an admin's to train: without one (`cli seed` on an empty database) the detectors
  // replay alone.
  if (admin) {
    const episodes = demoEpisodes(DEMO_INSTRUMENTS, timeline.fromMs, timeline.toMs);
    const groups = await seedUnitGroups(db, admin.id, timeline, episodes, now, windows);
    lap(`trained a model per process unit: ${groups.join(', ')}`);
    const forests = await seedUnitForests(db, config, admin.id, timeline, now, windows);
    lap(`trained an Isolation Forest per process unit: ${forests.join(', ')}`);
  }

  await replayDetectors(
    db,
    history.replay,
    {
      defaults: monitorDefaults(config),
      historyStepSeconds: RAW_STEP_SECONDS,
      cusum: {
        windowSeconds: config.cusum.windowMinutes * 60,
        // The instruments' own CUSUMs learn their baseline until the unit models take their drift
        // detection over (demo-story.ts says why; live, a warm-up is CUSUM_WARMUP_WINDOWS long).
        warmupWindows: Math.max(
          config.monitoring.cusumWarmupWindows,
          Math.floor((timeline.unitBaselineEnd - timeline.rawFrom) / (config.cusum.windowMinutes * MINUTE)),
        ),
      },
      groups: {
        from: timeline.unitBaselineEnd,
        limitFactor: config.ml.groupAnomalyLimitFactor,
        persistence: config.ml.groupAnomalyPersistence,
      },
      forests: {
        from: timeline.modelBaselineEnd,
        dataDir: config.dataDir,
        policy: {
          alertWindows: config.ml.anomalyAlertWindows,
          warningThreshold: config.anomaly.warningThreshold,
          criticalThreshold: config.anomaly.criticalThreshold,
          levelLatchSeconds: config.ml.levelLatchSeconds,
          levelAlerts: config.ml.levelAlerts,
        },
      },
    },
    now,
    log,
  );
  lap('detectors replayed over the history');
  if (admin) await actOnAlerts(db, admin.id, technicianIds, settings, log);
  return { seeded: true, instruments: n, users };
}

/** Logs a phase with the seconds since the previous one (bench/demo-start.ts prints them). */
function phases(log: (m: string) => void) {
  let t = performance.now();
  return (m: string) => {
    const now = performance.now();
    log(`${m} in ${((now - t) / 1000).toFixed(1)} s`);
    t = now;
  };
}

/**
 * Past calibrations at the instrument's interval, with multi-point as-found/as-left data, recorded
 * through the calibration service as a technician would (so errors, verdicts, due dates, predicted
 * intervals and the corrective work order of the one failed as-found are the product's own). A few
 * instruments are left overdue, so the first scan gives the dashboard real work.
 */
async function seedCalibrationHistory(
  db: Kysely<DB>,
  inst: {
    id: number;
    range_min: number;
    range_max: number;
    accuracy_class: number;
    calibration_interval_days: number;
    tag: string;
  },
  index: number,
  technicianIds: number[],
  standards: { id: number; calibrated_on: string; due_date: string }[],
  now: Date,
  settings: CmmsSettings,
) {
  const span = inst.range_max - inst.range_min;
  const overdue = index % 7 === 3; // three demo instruments are past due
  const dueThisWeek = index === 1; // and one falls due in four days
  const lastAgeDays = overdue
    ? inst.calibration_interval_days + 10 + index
    : dueThisWeek
      ? inst.calibration_interval_days - 4
      : (index * 37) % Math.max(30, inst.calibration_interval_days - 20);
  const dates = [
    lastAgeDays + inst.calibration_interval_days * 2,
    lastAgeDays + inst.calibration_interval_days,
    lastAgeDays,
  ]
    .filter((d) => d < 720)
    .map((d) => new Date(now.getTime() - d * DAY - 3_600_000 * 10));
  let seed = index * 7919 + 17;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (const [k, when] of dates.entries()) {
    // A calibration uses a standard whose certificate covered its day (issued, not yet lapsed).
    const day = when.toISOString().slice(0, 10);
    const covers = (s: (typeof standards)[number]) => s.calibrated_on <= day && day <= s.due_date;
    const preferred = standards[(index + k) % 3];
    const standard = covers(preferred) ? preferred : standards.find(covers);
    if (!standard) continue;
    const failed = index === 5 && k === dates.length - 2;
    const tol = inst.accuracy_class;
    const points = [0, 25, 50, 75, 100].map((pct) => {
      const ref = inst.range_min + (span * pct) / 100;
      const foundErrPct = failed ? tol * (1.4 + rand() * 0.5) : (rand() - 0.5) * tol * 1.2;
      const leftErrPct = (rand() - 0.5) * tol * 0.3;
      return {
        reference_value: round(ref),
        as_found: round(ref + (foundErrPct / 100) * span),
        as_left: round(ref + (leftErrPct / 100) * span),
      };
    });
    await recordCalibration(
      db,
      { id: technicianIds[(index + k) % technicianIds.length], role: 'technician' },
      {
        instrument_id: inst.id,
        performed_at: when.toISOString(),
        reference_standard_id: standard.id,
        notes: failed
          ? 'As-found out of tolerance at upper points; zero and span adjusted.'
          : 'Routine calibration.',
        points,
      },
      // E-mails and events of seeded history are never sent: nothing is listening yet.
      { now, settings, after: new AfterCommit() },
    );
  }
}

/** A little maintenance history, preventive plans and work orders in each state. */
async function seedMaintenanceWork(
  db: Kysely<DB>,
  instruments: { id: number; tag: string }[],
  technicianIds: number[],
  now: Date,
  settings: CmmsSettings,
) {
  const byTag = new Map(instruments.map((i) => [i.tag, i.id]));
  const id = (tag: string) => byTag.get(tag) ?? instruments[0].id;
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const [t1, t2] = technicianIds;
  const tech = (userId: number) => ({ id: userId, role: 'technician' as const });
  const quiet = () => new AfterCommit();

  const history = [
    {
      tag: 'PT-101',
      action_type: 'cleaning',
      days: 40,
      tech: t1,
      minutes: 30,
      parts: null,
      description: 'Impulse lines blown down; manifold valves exercised.',
    },
    {
      tag: 'TT-202',
      action_type: 'replacement',
      days: 95,
      tech: t2,
      minutes: 45,
      parts: '1 x M20 cable gland',
      description: 'Cable gland cracked by heat; replaced and terminal head resealed.',
    },
    {
      tag: 'FT-301',
      action_type: 'inspection',
      days: 12,
      tech: t1,
      minutes: 20,
      parts: null,
      description: 'Electrode check and grounding rings inspected; no deposits.',
    },
    {
      tag: 'LT-401',
      action_type: 'repair',
      days: 200,
      tech: t2,
      minutes: 90,
      parts: '1 x display module',
      description: 'Local display blank; display module replaced, loop checked 4-20 mA.',
    },
  ] as const;
  for (const m of history) {
    await recordMaintenance(
      db,
      tech(m.tech),
      {
        instrument_id: id(m.tag),
        action_type: m.action_type,
        description: m.description,
        parts_used: m.parts,
        duration_minutes: m.minutes,
        performed_at: ago(m.days).toISOString(),
      },
      { now, suppressionMinutes: settings.suppressionMinutes },
    );
  }

  await createPlan(
    db,
    null,
    {
      instrument_id: id('PT-101'),
      task: 'Blow down impulse lines and check manifold',
      interval_days: 90,
      next_due: new Date(now.getTime() + 50 * DAY).toISOString(),
      priority: 'medium',
      assigned_to: t1,
    },
    now,
  );
  await createPlan(
    db,
    null,
    {
      instrument_id: id('TT-201'),
      task: 'Inspect thermowell and terminal head',
      interval_days: 180,
      next_due: ago(1).toISOString(),
      priority: 'low',
      assigned_to: t2,
    },
    now,
  );
  await createPlan(
    db,
    null,
    {
      instrument_id: id('FT-301'),
      task: 'Verify flow meter zero at no flow',
      interval_days: 30,
      next_due: new Date(now.getTime() + 5 * DAY).toISOString(),
      priority: 'medium',
      assigned_to: t1,
    },
    now,
  );

  const deps = (at: Date) => ({ now: at, settings, after: quiet() });
  const done = await createWorkOrder(
    db,
    null,
    {
      instrument_id: id('PT-201'),
      title: 'Pressure reading erratic at high load',
      description: 'Operators report spikes of ±0.5 bar during boiler firing.',
      type: 'corrective',
      priority: 'high',
      assigned_to: t1,
      estimated_duration_minutes: 90,
    },
    deps(ago(6)),
  );
  await updateWorkOrder(db, tech(t1), done.id, { status: 'in_progress' }, deps(ago(5.9)));
  await updateWorkOrder(
    db,
    tech(t1),
    done.id,
    {
      status: 'completed',
      completion_notes: 'Loose terminal on the loop; re-terminated and checked with the loop calibrator.',
      actual_duration_minutes: 75,
      parts_used: '2 x ferrules',
    },
    deps(ago(5.8)),
  );

  await createWorkOrder(
    db,
    null,
    {
      instrument_id: id('FT-201'),
      title: 'Inspect junction box after rain ingress',
      type: 'inspection',
      priority: 'medium',
      assigned_to: t1,
      estimated_duration_minutes: 30,
    },
    deps(ago(0.2)),
  );
  await createWorkOrder(
    db,
    null,
    {
      instrument_id: id('PT-301'),
      title: 'Replace weathered instrument tag plate',
      type: 'preventive',
      priority: 'low',
      estimated_duration_minutes: 15,
    },
    deps(ago(10)),
  );
}

const round = (v: number) => Number(v.toFixed(4));

/**
 * What the plant's people did with the alerts the detectors found in the history: the stuck sensor
 * acknowledged and a work order started on it; the burn-out repaired, its work order completed and
 * the alert resolved; the drift given a calibration work order and left raised. Every step goes
 * through the alert and work-order services, as the API would.
 */
async function actOnAlerts(
  db: Kysely<DB>,
  adminId: number,
  technicianIds: number[],
  settings: CmmsSettings,
  log: (m: string) => void,
) {
  const alerts = await db
    .selectFrom('alert_records')
    .innerJoin('instruments', 'instruments.id', 'alert_records.instrument_id')
    .select([
      'alert_records.id',
      'alert_records.alert_type',
      'alert_records.condition_key',
      'alert_records.first_seen',
      'instruments.tag',
    ])
    .where('alert_records.suppressed', '=', 0)
    .orderBy('alert_records.first_seen')
    .execute();
  const find = (tag: string, type: string, condition?: string) =>
    alerts.find(
      (a) => a.tag === tag && a.alert_type === type && (!condition || a.condition_key === condition),
    );
  const [t1, t2] = technicianIds;
  const tech = (userId: number) => ({ id: userId, role: 'technician' as const });
  const after = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000);
  const deps = (at: Date) => ({ now: at, settings, after: new AfterCommit() });
  const done: string[] = [];

  const stuck = find('TT-203', 'instrument_fault', 'stuck');
  if (stuck) {
    await acknowledgeAlert(db, t2, stuck.id, after(stuck.first_seen, 20).toISOString(), 'Checking on site');
    const wo = await createWorkOrderFromAlert(
      db,
      adminId,
      {
        alert_id: stuck.id,
        assigned_to: t2,
        description: 'Reading frozen: check the sensor and its wiring.',
      },
      deps(after(stuck.first_seen, 25)),
    );
    await updateWorkOrder(db, tech(t2), wo.id, { status: 'in_progress' }, deps(after(stuck.first_seen, 60)));
    done.push(`stuck ${stuck.tag} acknowledged, WO #${wo.id} in progress`);
  }
  const burnout = find('LT-402', 'instrument_fault', 'signal_low');
  if (burnout) {
    const wo = await createWorkOrderFromAlert(
      db,
      adminId,
      { alert_id: burnout.id, assigned_to: t1, description: 'Loop current below 3.8 mA: sensor burn-out.' },
      deps(after(burnout.first_seen, 10)),
    );
    await updateWorkOrder(
      db,
      tech(t1),
      wo.id,
      { status: 'in_progress' },
      deps(after(burnout.first_seen, 30)),
    );
    await updateWorkOrder(
      db,
      tech(t1),
      wo.id,
      {
        status: 'completed',
        completion_notes:
          'Corroded terminal in the junction box: cleaned, re-terminated, loop checked 4-20 mA.',
        actual_duration_minutes: 50,
        parts_used: '1 x terminal block',
      },
      deps(after(burnout.first_seen, 90)),
    );
    await resolveAlert(
      db,
      t1,
      burnout.id,
      'Burn-out was a corroded loop terminal; repaired under the linked work order.',
      after(burnout.first_seen, 95).toISOString(),
      new AfterCommit(),
    );
    done.push(`burn-out ${burnout.tag} resolved, WO #${wo.id} completed`);
  }
  const drift = find('PT-401', 'drift') ?? find('PT-202', 'drift');
  if (drift) {
    const wo = await createWorkOrderFromAlert(
      db,
      adminId,
      { alert_id: drift.id, assigned_to: t1 },
      deps(after(drift.first_seen, 30)),
    );
    done.push(`drift ${drift.tag} raised, calibration WO #${wo.id} open`);
  }
  log(`acted on the alerts the detectors found: ${done.join('; ') || 'none'}`);
}
