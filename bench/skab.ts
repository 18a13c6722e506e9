// SKAB bench: replays the Skoltech Anomaly Benchmark (real rig data, 1 Hz, 8 channels) through the
// real product and scores its alerts the way the benchmark scores outlier detectors.
//
// Run: npm run bench:skab   (options: --data ../shared/data/skab --split valve1 --files 0,1,2)
// Product settings come from the environment like the server's (e.g. ANOMALY_ALERT_WINDOWS=3).
//
// Per file, in a fresh server (temporary SQLite file, embedded broker: nothing leaks between files):
//   1. one instrument per channel (ranges an engineer sets once for this rig, not per file);
//   2. the file's rows published over MQTT with their event timestamps (shifted as a block to a
//      recent day, because ingestion refuses readings older than its retention), faster than real time;
//   3. the first 400 rows marked as each instrument's reference baseline (POST /api/ml/baselines) and
//      every instrument trained (POST /api/ml/train/{tag}, job followed at GET /api/jobs/{id});
//      the first 400 rows are published before training, the rest after it;
//   4. the alerts read back (GET /api/alerts?status=all): a row is predicted anomalous when its
//      timestamp lies in [first_seen, cleared_at) of any alert of any type (open: to the end).
// Scoring (SKAB core/metrics.py): per-row predictions for the rows after the first 400 of each file,
// pooled over the files; F1 of the anomaly class, FAR = FP / (FP + TN), MAR = FN / (FN + TP).
// Beside it: the published Isolation Forest and Conv-AE rows and two trivial baselines computed here
// (flag every row; per-channel 3-sigma on the first 400 rows, a row flagged when any channel is out).

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/main.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRAIN_ROWS = 400;

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}
// ../shared/data/skab from the repository; a git worktree one level deeper finds it one more level up.
const DATA = (() => {
  const given = opt('data') ?? process.env.SKAB_DIR;
  if (given) return path.resolve(given);
  const near = path.resolve(ROOT, '../shared/data/skab');
  const far = path.resolve(ROOT, '../../shared/data/skab');
  return existsSync(near) || !existsSync(far) ? near : far;
})();

/** The rig's channels as an instrument engineer would register them (ranges cover the rig's operation). */
const CHANNELS = [
  {
    column: 'Accelerometer1RMS',
    tag: 'VT-101',
    type: 'pressure',
    variable: 'vibration RMS',
    unit: 'g',
    min: 0,
    max: 0.5,
  },
  {
    column: 'Accelerometer2RMS',
    tag: 'VT-102',
    type: 'pressure',
    variable: 'vibration RMS',
    unit: 'g',
    min: 0,
    max: 0.5,
  },
  {
    column: 'Current',
    tag: 'IT-101',
    type: 'pressure',
    variable: 'motor current',
    unit: 'A',
    min: 0,
    max: 5,
  },
  { column: 'Pressure', tag: 'PT-101', type: 'pressure', variable: 'pressure', unit: 'bar', min: -2, max: 2 },
  {
    column: 'Temperature',
    tag: 'TT-101',
    type: 'temperature',
    variable: 'motor temperature',
    unit: 'degC',
    min: 0,
    max: 120,
  },
  {
    column: 'Thermocouple',
    tag: 'TT-102',
    type: 'temperature',
    variable: 'water temperature',
    unit: 'degC',
    min: 0,
    max: 50,
  },
  {
    column: 'Voltage',
    tag: 'ET-101',
    type: 'pressure',
    variable: 'motor voltage',
    unit: 'V',
    min: 0,
    max: 300,
  },
  {
    column: 'Volume Flow RateRMS',
    tag: 'FT-101',
    type: 'flow',
    variable: 'volume flow',
    unit: 'l/min',
    min: 0,
    max: 150,
  },
] as const;

interface SkabFile {
  name: string;
  /** Epoch ms of each row (as in the file, UTC). */
  ts: number[];
  /** values[channel][row] */
  values: number[][];
  anomaly: number[];
}

function readSkab(file: string): SkabFile {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const head = lines[0].split(';');
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i === -1) throw new Error(`${file}: no column ${name}`);
    return i;
  };
  const idx = CHANNELS.map((c) => col(c.column));
  const iTs = col('datetime');
  const iAn = head.indexOf('anomaly');
  const out: SkabFile = { name: file, ts: [], values: CHANNELS.map(() => []), anomaly: [] };
  for (const line of lines.slice(1)) {
    const f = line.split(';');
    out.ts.push(Date.parse(`${f[iTs].replace(' ', 'T')}Z`));
    for (let c = 0; c < idx.length; c++) out.values[c].push(Number(f[idx[c]]));
    out.anomaly.push(iAn === -1 ? 0 : Number(f[iAn]) > 0 ? 1 : 0);
  }
  return out;
}

interface Counts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}
const zero = (): Counts => ({ tp: 0, fp: 0, tn: 0, fn: 0 });
function add(c: Counts, truth: number, pred: boolean) {
  if (truth) pred ? c.tp++ : c.fn++;
  else pred ? c.fp++ : c.tn++;
}
function metrics(c: Counts) {
  const p = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const r = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  return {
    f1: p + r > 0 ? (2 * p * r) / (p + r) : 0,
    far: c.fp + c.tn > 0 ? (100 * c.fp) / (c.fp + c.tn) : 0,
    mar: c.tp + c.fn > 0 ? (100 * c.fn) / (c.tp + c.fn) : 0,
  };
}

/** Trivial baseline: a row is anomalous when any channel is outside mean +- 3 sigma of the first 400 rows. */
function threeSigma(f: SkabFile): boolean[] {
  const bands = f.values.map((v) => {
    const head = v.slice(0, TRAIN_ROWS);
    const m = head.reduce((a, b) => a + b, 0) / head.length;
    const s = Math.sqrt(head.reduce((a, b) => a + (b - m) ** 2, 0) / head.length);
    return [m - 3 * s, m + 3 * s];
  });
  return f.ts.map((_, r) => f.values.some((v, c) => v[r] < bands[c][0] || v[r] > bands[c][1]));
}

type Api = (method: string, p: string, body?: unknown) => Promise<{ status: number; body: any }>;

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 120_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface FileResult {
  pred: boolean[];
  byType: Record<string, number>;
  trained: number;
  groupTrained: boolean;
  trainErrors: string[];
  /** Seconds per phase. */
  phase: Record<string, number>;
}

/** Replays one file through a fresh server; returns per-row predictions (all rows) from its alerts. */
async function replayFile(f: SkabFile): Promise<FileResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cmms-skab-'));
  const admin = { employee_number: 'bench-admin', password: 'Skoltech-rig-replay-7' };
  const env: Record<string, string> = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'cmms.db')}`,
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'bench-only-secret-that-is-long-enough',
    AUDIT_KEY: 'bench-audit-key-that-is-long-enough-32',
    MQTT_USERNAME: 'skab-bench',
    MQTT_PASSWORD: 'skab-bench-password-1',
    ADMIN_EMPLOYEE_NUMBER: admin.employee_number,
    ADMIN_PASSWORD: admin.password,
    SEED_DEMO: 'false',
    SIMULATOR_ENABLED: 'false',
    MQTT_PORT: '0',
    // The job queue is polled; a bench need not wait a second per training.
    JOBS_POLL_MS: process.env.JOBS_POLL_MS ?? '50',
    JOBS_CONCURRENCY: process.env.JOBS_CONCURRENCY ?? '2',
  } as Record<string, string>;
  delete env.MQTT_BROKER;
  delete env.DATABASE_URL_OVERRIDE;
  const config = loadConfig(env, { dotenvFile: null });
  const server = await startServer(config, { print: () => {} });
  let token = '';
  const api: Api = async (method, p, body) => {
    const res = await fetch(`${server.url}${p}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const client = await (async () => {
    const login = await api('POST', '/api/auth/login', admin);
    if (login.status !== 200) throw new Error(`login: ${JSON.stringify(login.body)}`);
    token = login.body.access_token;
    const broker = server.ctx.ingestion?.broker();
    if (!broker?.url) throw new Error('no embedded broker');
    return mqtt.connectAsync(broker.url, {
      clientId: `skab-${process.pid}`,
      reconnectPeriod: 0,
      username: config.mqtt.username ?? undefined,
      password: config.mqtt.password ?? undefined,
    });
  })();
  const topic = config.mqtt.topic.replace(/\/?#$/, '');
  const channelIds: number[] = [];
  let groupTrained = false;
  try {
    for (const c of CHANNELS) {
      const res = await api('POST', '/api/instruments', {
        tag: c.tag,
        type: c.type,
        measured_variable: c.variable,
        unit: c.unit,
        range_min: c.min,
        range_max: c.max,
        publish_interval_seconds: 1,
      });
      if (res.status !== 201) throw new Error(`create ${c.tag}: ${JSON.stringify(res.body)}`);
      channelIds.push(res.body.id);
    }
    // Shift the whole file to end an hour ago: relative event times are kept exactly.
    const shift = Math.floor((Date.now() - 3_600_000 - f.ts[f.ts.length - 1]) / 60_000) * 60_000;
    const ts = f.ts.map((t) => t + shift);
    const db = server.ctx.db;
    const stored = async () =>
      Number(
        (
          await db
            .selectFrom('raw_readings')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    // Time-ordered, as a historian replay or a gateway sends: each message holds every channel's
    // readings of 25 consecutive rows (a message per tag and block would put one tag's event time
    // 50 s ahead of the others, which live data never does).
    const publish = async (from: number, to: number) => {
      for (let r = from; r < to; r += 25) {
        const end = Math.min(to, r + 25);
        const body = [];
        for (let k = r; k < end; k++) {
          for (let c = 0; c < CHANNELS.length; c++) {
            body.push({
              tag: CHANNELS[c].tag,
              timestamp: new Date(ts[k]).toISOString(),
              value: f.values[c][k],
              unit: CHANNELS[c].unit,
            });
          }
        }
        await client.publishAsync(`${topic}/rig`, JSON.stringify(body), { qos: 1 });
      }
      const want = to * CHANNELS.length;
      await waitFor('readings stored', async () => (await stored()) >= want);
    };

    const phase: Record<string, number> = {};
    let mark = Date.now();
    const lap = (name: string) => {
      phase[name] = (Date.now() - mark) / 1000;
      mark = Date.now();
    };
    await publish(0, TRAIN_ROWS);
    lap('baseline');
    const trainErrors: string[] = [];
    let trained = 0;
    const jobs: { tag: string; id: number }[] = [];
    for (const c of CHANNELS) {
      const b = await api('POST', '/api/ml/baselines', {
        tag: c.tag,
        start: new Date(ts[0]).toISOString(),
        end: new Date(ts[TRAIN_ROWS - 1] + 1000).toISOString(),
      });
      if (b.status !== 201) {
        trainErrors.push(`${c.tag} baseline ${b.status} ${b.body?.error?.code}`);
        continue;
      }
      const t = await api('POST', `/api/ml/train/${c.tag}`);
      if (t.status !== 202) trainErrors.push(`${c.tag} train ${t.status} ${t.body?.error?.code}`);
      else jobs.push({ tag: c.tag, id: t.body.job_id });
    }
    for (const { tag, id } of jobs) {
      const job = await waitFor('training', async () => {
        const j = await api('GET', `/api/jobs/${id}`);
        return ['succeeded', 'failed'].includes(j.body.status) ? j.body : null;
      });
      if (job.status === 'succeeded') trained++;
      else trainErrors.push(`${tag} job ${job.error ?? job.status}`);
    }
    // The rig as one model group (all channels move with the pump and the valves): its T² score.
    const group = await api('POST', '/api/ml/model-groups', {
      name: 'SKAB rig',
      instrument_ids: channelIds,
    });
    if (group.status !== 201) trainErrors.push(`group ${group.status} ${group.body?.error?.code}`);
    else {
      const g = await api('POST', `/api/ml/model-groups/${group.body.id}/train`);
      if (g.status !== 201) trainErrors.push(`group train ${g.status} ${g.body?.error?.message}`);
      else {
        groupTrained = true;
        await waitFor('the group model live', async () => {
          const live = await api('GET', `/api/ml/model-groups/${group.body.id}`);
          return live.body.live;
        });
      }
    }
    lap('train');
    // Let the scorer load the new models (model.activated) before the rest arrives.
    await new Promise((r) => setTimeout(r, 300));
    await publish(TRAIN_ROWS, f.ts.length);
    lap('replay');
    // The scorer's clock closes the last window; then its alert writes drain.
    await new Promise((r) => setTimeout(r, 7_000));
    const scorer = server.ctx.anomaly as { drain?: () => Promise<void> };
    await scorer.drain?.();
    await (server.ctx.monitor as { drain?: () => Promise<void> }).drain?.();

    const alerts: any[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await api(
        'GET',
        `/api/alerts?status=all&include_suppressed=true&limit=500&offset=${offset}`,
      );
      if (page.status !== 200) throw new Error(`alerts: ${JSON.stringify(page.body)}`);
      alerts.push(...page.body.items);
      if (page.body.items.length < 500) break;
    }
    const byType: Record<string, number> = {};
    const intervals = alerts.map((a) => {
      const key = `${a.alert_type}/${a.condition ?? ''}${a.instrument_id === null ? ' (source)' : ''}`;
      byType[key] = (byType[key] ?? 0) + 1;
      return [Date.parse(a.first_seen), a.cleared_at ? Date.parse(a.cleared_at) : Number.POSITIVE_INFINITY];
    });
    const pred = ts.map((t) => intervals.some(([s, e]) => t >= s && t < e));
    if (process.env.SKAB_VERBOSE) {
      const row = (t: number) => ts.findIndex((x) => x >= t);
      for (const a of alerts) {
        console.log(
          `    ${a.alert_type}/${a.condition} ${a.tag ?? a.source}: rows ${row(Date.parse(a.first_seen))}..${a.cleared_at ? row(Date.parse(a.cleared_at)) : 'end'}`,
        );
      }
    }
    return { pred, byType, trained, groupTrained, trainErrors, phase };
  } finally {
    await client.endAsync();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${x.toFixed(2)} %`;
function row(name: string, m: { f1: number; far: number; mar: number }) {
  return `| ${name.padEnd(44)} | ${m.f1.toFixed(2).padStart(4)} | ${pct(m.far).padStart(8)} | ${pct(m.mar).padStart(8)} |`;
}

async function main() {
  const split = opt('split') ?? 'valve1';
  const only = opt('files')?.split(',');
  const files = readdirSync(path.join(DATA, split))
    .filter((n) => n.endsWith('.csv'))
    .filter((n) => !only || only.includes(n.replace(/\.csv$/, '')))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  const product = zero();
  const all = zero();
  const sigma = zero();
  const types: Record<string, number> = {};
  console.log(`SKAB bench: ${DATA}/${split}, ${files.length} files`);
  for (const name of files) {
    const f = readSkab(path.join(DATA, split, name));
    const t0 = Date.now();
    const res = await replayFile(f);
    const ts3 = threeSigma(f);
    const mine = zero();
    for (let r = TRAIN_ROWS; r < f.ts.length; r++) {
      add(product, f.anomaly[r], res.pred[r]);
      add(mine, f.anomaly[r], res.pred[r]);
      add(all, f.anomaly[r], true);
      add(sigma, f.anomaly[r], ts3[r]);
    }
    for (const [k, v] of Object.entries(res.byType)) types[k] = (types[k] ?? 0) + v;
    const m = metrics(mine);
    console.log(
      `  ${name}: ${f.ts.length} rows, models ${res.trained}/${CHANNELS.length}${res.groupTrained ? ' + group' : ''}, alerts ${JSON.stringify(res.byType)}, ` +
        `F1 ${m.f1.toFixed(2)} FAR ${pct(m.far)} MAR ${pct(m.mar)} (${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
        `${Object.entries(res.phase)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')})` +
        (res.trainErrors.length ? ` errors: ${res.trainErrors.join('; ')}` : ''),
    );
  }
  const hasTruth = all.tp + all.fn > 0;
  console.log(`\n${split}: ${all.tp + all.fn + all.fp + all.tn} scored rows, ${all.tp + all.fn} anomalous`);
  console.log(`| ${'detector'.padEnd(44)} |   F1 |      FAR |      MAR |`);
  console.log(`|${'-'.repeat(46)}|------|----------|----------|`);
  console.log(row('CBU CMMS alerts (this run)', metrics(product)));
  if (hasTruth) {
    console.log(row('Isolation Forest (published, SKAB)', { f1: 0.29, far: 2.56, mar: 82.89 }));
    console.log(row('Conv-AE (published, SKAB)', { f1: 0.78, far: 13.55, mar: 28.02 }));
    console.log(row('flag every row', metrics(all)));
  }
  console.log(row('3-sigma per channel on the first 400 rows', metrics(sigma)));
  console.log(`alerts by type/condition: ${JSON.stringify(types)}`);
  if (!hasTruth) {
    const fp = product.fp;
    console.log(
      `anomaly-free: ${fp} of ${product.fp + product.tn} rows flagged (FAR ${pct(metrics(product).far)})`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
