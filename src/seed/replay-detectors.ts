// The demo's alerts are found, not written: the generated history is replayed, in event-time order,
// through the live pipeline's own detectors and their events go through the one alert aggregator,
// exactly as live readings do:
//   - every instrument's bundle (InstrumentMonitor: signal fault, rules, stuck, CUSUM drift; not the
//     data-gap clock, see below);
//   - the process units' model groups (GroupMonitors: residual drift per member, the group's T²),
//     from the end of their training data on (a model judges only what it was not trained on; the
//     members' own CUSUMs pause then, as live);
//   - the Isolation Forests (InstrumentAnomalyDetector), likewise from the end of their baseline.
// The final states are checkpointed, so the live service continues from the end of the history (a
// drift still present stays one open alert, not a second).
import type { Kysely } from 'kysely';
import { AlertAggregator } from '../alerts/aggregator.ts';
import { clearSourceAlert, raiseSourceAlert, type SourceAlertKey } from '../alerts/source-alerts.ts';
import type { DB } from '../db/schema.ts';
import type { CusumOptions } from '../detection/cusum.ts';
import { type MonitorDefaults, referenceBaseline, toMonitorConfig } from '../detection/instrument-config.ts';
import type { DetectorEvent, Quality } from '../detection/types.ts';
import { type AnomalyPolicy, InstrumentAnomalyDetector } from '../ml/anomaly-detector.ts';
import { activeModelRows, loadModelFile } from '../ml/model-service.ts';
import { CheckpointWriter } from '../monitoring/checkpoints.ts';
import {
  type GroupAnomalySettings,
  GroupMonitors,
  saveGroupCheckpoints,
} from '../monitoring/group-monitors.ts';
import { InstrumentMonitor } from '../monitoring/instrument-monitor.ts';

export interface ReplaySettings {
  defaults: MonitorDefaults;
  cusum: CusumOptions;
  /** Step of the history's grid (default 60 s). */
  historyStepSeconds?: number;
  /** The active model groups judge the history from this event time. */
  groups?: { from: number } & GroupAnomalySettings;
  /** The active Isolation Forests (model files in dataDir) judge the history from this event time. */
  forests?: {
    from: number;
    dataDir: string;
    policy: Omit<AnomalyPolicy, 'windowSeconds' | 'strideSeconds'>;
  };
}

export interface ReplayResult {
  readings: number;
  events: number;
  raised: Record<string, number>;
}

/** Feeds `readings` (event-time order) through the detectors; alerts land through the aggregator. */
export async function replayDetectors(
  db: Kysely<DB>,
  readings: Iterable<{ instrumentId: number; ts: number; value: number; quality?: Quality }>,
  settings: ReplaySettings,
  now: Date,
  log: (m: string) => void = () => {},
): Promise<ReplayResult> {
  const rows = await db.selectFrom('instruments').selectAll().where('deleted_at', 'is', null).execute();
  const monitors = new Map<number, InstrumentMonitor>();
  for (const r of rows) {
    monitors.set(
      r.id,
      // A CUSUM window counts as complete by the samples the publish interval promises: on the
      // history's grid that is one reading per history step (the group windows likewise).
      new InstrumentMonitor(
        {
          ...toMonitorConfig(r, settings.defaults),
          publishIntervalSeconds: Math.max(r.publish_interval_seconds, settings.historyStepSeconds ?? 60),
        },
        {
          cusum: settings.cusum,
          baseline: referenceBaseline(r),
          // The history is on a coarser grid than the instruments publish at: the gap clock would call
          // every pause between two history points a data gap.
          gapDetection: false,
        },
      ),
    );
  }
  const aggregator = new AlertAggregator({
    db,
    log: {
      info: () => {},
      warn: (o, m) => log(`replay: ${m ?? ''} ${JSON.stringify(o)}`),
      error: (o, m) => log(`replay: ${m ?? ''} ${JSON.stringify(o)}`),
    },
    now: () => now.getTime(),
    types: ['rule_violation', 'instrument_fault', 'data_gap', 'drift', 'anomaly'],
  });
  await aggregator.load();

  const groups = settings.groups
    ? new GroupMonitors((id) => monitors.get(id)?.config ?? null, settings.groups)
    : null;
  if (groups) await groups.load(db);
  const forests = settings.forests ? await loadForests(db, settings.forests, rows) : new Map();

  const raised: Record<string, number> = {};
  let n = 0;
  let events = 0;
  const count = (e: DetectorEvent) => {
    events++;
    if (e.kind === 'raise')
      raised[`${e.alertType}/${e.condition}`] = (raised[`${e.alertType}/${e.condition}`] ?? 0) + 1;
  };
  const submit = (id: number, list: readonly DetectorEvent[]) => {
    for (const e of list) {
      count(e);
      aggregator.submit(id, e);
    }
  };
  // A group's anomaly is one alert of the group, not of a member: written like MonitorService does.
  let sourceWrites: Promise<unknown> = Promise.resolve();
  const submitGroup = (groupId: number, list: readonly DetectorEvent[]) => {
    const key: SourceAlertKey = {
      source: `model_group:${groupId}`,
      alertType: 'anomaly',
      conditionKey: 'group_anomaly',
    };
    for (const e of list) {
      count(e);
      const at = new Date(e.ts).toISOString();
      sourceWrites = sourceWrites.then(async () => {
        if (e.kind === 'raise')
          await raiseSourceAlert(db, {
            ...key,
            severity: e.severity,
            message: e.message,
            details: e.details,
            at,
          });
        else await clearSourceAlert(db, key, at);
      });
    }
  };

  let groupsOn = false;
  let clock = 0;
  for (const r of readings) {
    const m = monitors.get(r.instrumentId);
    if (!m) continue;
    n++;
    // The clock every monitor sees (CUSUM windows close by time), once per instant of the history.
    if (r.ts !== clock) {
      if (groups && !groupsOn && r.ts >= (settings.groups?.from ?? 0)) {
        // The unit models take over the members' drift detection (MonitorService.loadGroups).
        groupsOn = true;
        for (const [id, mm] of monitors) {
          if (groups.hasDriftModel(id)) submit(id, mm.setGroupDrift(true, r.ts));
        }
      }
      for (const [id, mm] of monitors) {
        const ev = mm.tick(r.ts);
        if (ev.length) submit(id, ev);
      }
      clock = r.ts;
    }
    const reading = { ts: r.ts, value: r.value, quality: r.quality };
    const ev = m.process(reading);
    if (ev.length) submit(r.instrumentId, ev);
    if (m.hasActiveCondition()) aggregator.touch(r.instrumentId, r.ts);
    if (groupsOn && groups) {
      const g = groups.process(r.instrumentId, reading);
      if (g) {
        for (const d of g.drift) submit(d.instrumentId, d.events);
        if (g.group) submitGroup(g.group.groupId, g.group.events);
        if (groups.latched(r.instrumentId)) aggregator.touch(r.instrumentId, r.ts);
      }
    }
    const forest = forests.get(r.instrumentId);
    if (forest && r.ts >= (settings.forests?.from ?? 0)) {
      const fe = forest.process(reading);
      if (fe.length) submit(r.instrumentId, fe);
      if (forest.episodeActive) aggregator.touch(r.instrumentId, r.ts, 'anomaly');
    }
    // Let the aggregator write what it has queued, now and then.
    if (n % 50_000 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await aggregator.drain();
  await sourceWrites;
  const at = now.toISOString();
  await new CheckpointWriter(db).save(
    [...monitors].map(([instrumentId, m]) => ({ instrumentId, state: m.toJSON() })),
    at,
  );
  if (groups) await saveGroupCheckpoints(db, groups.takeDirty(), at);
  log(`replayed ${n} readings through the detectors: ${events} events, raised ${JSON.stringify(raised)}`);
  return { readings: n, events, raised };
}

/** The Isolation Forest of every instrument with an active model, as the live scorer builds it. */
async function loadForests(
  db: Kysely<DB>,
  s: NonNullable<ReplaySettings['forests']>,
  rows: readonly {
    id: number;
    tag: string;
    range_min: number;
    range_max: number;
    nominal_value: number | null;
    publish_interval_seconds: number;
  }[],
) {
  const out = new Map<number, InstrumentAnomalyDetector>();
  for (const m of await activeModelRows(db)) {
    const i = rows.find((r) => r.id === m.instrument_id);
    if (!i) continue;
    const file = await loadModelFile(s.dataDir, m.model_file);
    out.set(
      i.id,
      new InstrumentAnomalyDetector(
        file.model,
        m.version,
        {
          tag: i.tag,
          rangeMin: i.range_min,
          rangeMax: i.range_max,
          nominalValue: i.nominal_value,
          publishIntervalSeconds: i.publish_interval_seconds,
        },
        { ...s.policy, windowSeconds: file.window_seconds, strideSeconds: file.stride_seconds },
        file.score_p50,
      ),
    );
  }
  return out;
}
