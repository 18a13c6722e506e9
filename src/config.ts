// Every setting of the product, read from the environment (and a .env file) into one frozen object.
//
// SETTINGS below is the one schema: each variable with its type, bounds and default, and the
// settings whose text must parse (DATABASE_URL, MQTT_BROKER, REPORT_TIMEZONE) as refinements.
// Rules that tie settings together follow it (RULES). A bad start reports every problem at once,
// one line per variable, and loading writes nothing: secrets generated for a development start are
// kept in DATA_DIR by `keepGeneratedSecrets`, which start-up calls (main.ts, cli.ts).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { type Static, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Thrown for bad settings; the message has one line per problem, each naming the variable, what it
 * expects and (unless it is a secret) the value it got.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(message: string) {
    super(message);
    this.problems = message.split('\n');
  }
}

type Env = Record<string, string | undefined>;

export type DatabaseTarget =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; schema: string | null };

/** `sqlite:<path>` (relative to the working directory, or absolute; `:memory:` allowed) or `postgres://...`. */
export function parseDatabaseUrl(raw: string, name = 'DATABASE_URL'): DatabaseTarget {
  if (raw.startsWith('sqlite:')) {
    let file = raw.slice('sqlite:'.length);
    // Accept sqlite:///abs/path and sqlite://./rel as well as sqlite:./rel.
    if (file.startsWith('//')) file = file.slice(2);
    if (file === '')
      throw new ConfigError(`${name} must name a file after "sqlite:" (e.g. sqlite:./data/cmms.db)`);
    return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      const u = new URL(raw);
      const schema = u.searchParams.get('schema');
      u.searchParams.delete('schema');
      return { kind: 'postgres', url: u.toString(), schema };
    } catch {
      throw new ConfigError(`${name} must be a valid postgres:// URL`);
    }
  }
  throw new ConfigError(`${name} must start with "sqlite:" or "postgres://" (got "${raw}")`);
}

export type BrokerTarget = { mode: 'embedded' } | { mode: 'external'; url: string; display: string };

/** MQTT_BROKER: 'embedded', a host, host:port, or an mqtt:// or mqtts:// URL. */
export function parseBrokerSetting(raw: string, defaultPort: number): BrokerTarget {
  const value = raw.trim();
  if (value === '' || value.toLowerCase() === 'embedded') return { mode: 'embedded' };
  const expected = `MQTT_BROKER must be "embedded", a host, or an mqtt:// or mqtts:// URL (got "${raw}")`;
  let url: URL;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(expected);
    }
    if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:')
      throw new ConfigError(`MQTT_BROKER must use mqtt:// or mqtts:// (got "${raw}")`);
    if (url.hostname === '') throw new ConfigError(expected);
  } else {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value) && !/^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(value))
      throw new ConfigError(expected);
    try {
      url = new URL(`mqtt://${value}`);
    } catch {
      throw new ConfigError(expected);
    }
    if (!url.port) url.port = String(defaultPort || 1883);
  }
  const display = new URL(url.toString());
  display.username = '';
  display.password = '';
  return { mode: 'external', url: url.toString(), display: display.toString().replace(/\/$/, '') };
}

function checkTimeZone(v: string): void {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: v });
  } catch {
    throw new ConfigError(
      `REPORT_TIMEZONE must be an IANA time zone such as Africa/Lusaka or UTC (got "${v}")`,
    );
  }
}

// --- The schema -----------------------------------------------------------------------------

type Bounds = { min?: number; max?: number };
const bounds = ({ min, max }: Bounds) => ({
  ...(min !== undefined ? { minimum: min } : {}),
  ...(max !== undefined ? { maximum: max } : {}),
});
const int = (fallback: number, b: Bounds = {}) => Type.Integer({ default: fallback, ...bounds(b) });
const num = (fallback: number, b: Bounds = {}) => Type.Number({ default: fallback, ...bounds(b) });
const bool = (fallback: boolean) => Type.Boolean({ default: fallback });
const text = (fallback: string) => Type.String({ default: fallback });
const optional = () => Type.Optional(Type.String());
/** A secret: its value never appears in an error. */
const secret = (minLength = 0) => Type.Optional(Type.String({ minLength, secret: true }));
/** Text that must parse: `parse` throws a ConfigError whose message is the line to report. */
const parsed = (fallback: string, parse: (v: string) => unknown) =>
  Type.Refine(
    Type.String({ default: fallback }),
    (v) => problemOf(() => parse(v)) === null,
    (v) => problemOf(() => parse(v)) ?? '',
  );
function problemOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
}

/** Every variable (the names and defaults of .env.example). Unset or empty means the default. */
export const SETTINGS = Type.Object({
  // Server
  NODE_ENV: text('development'),
  PORT: int(8000, { min: 0, max: 65535 }),
  HOST: text('0.0.0.0'),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  DATA_DIR: text('./data'),
  PLANT_NAME: text('Demo Plant'),
  PUBLIC_URL: optional(),
  // Several processes (docs/scaling.md)
  PROCESS_NAME: optional(),
  LEASE_TTL_SECONDS: int(30, { min: 2, max: 3600 }),
  // Database
  DATABASE_URL: parsed('sqlite:./data/cmms.db', (v) => parseDatabaseUrl(v)),
  SEED_DEMO: bool(false),
  DATABASE_READ_WORKERS: int(2, { min: 0, max: 8 }),
  // MQTT and ingestion
  MQTT_BROKER: parsed('embedded', (v) => parseBrokerSetting(v, 1883)),
  MQTT_PORT: int(1883, { min: 0, max: 65535 }),
  MQTT_USERNAME: optional(),
  MQTT_PASSWORD: secret(),
  MQTT_TOPIC: text('plant/readings/#'),
  MQTT_CLIENT_ID: text('cbu-cmms-ingest'),
  MQTT_SHARED_GROUP: Type.Optional(Type.String({ pattern: '^[^/+#]+$' })),
  MQTT_LISTEN_HOST: optional(),
  /** The earlier name of MQTT_LISTEN_HOST. */
  MQTT_HOST: optional(),
  MQTT_PROTOCOL_VERSION: int(5, { min: 4, max: 5 }),
  MQTT_RECEIVE_MAXIMUM: int(10_000, { min: 1, max: 65_535 }),
  MQTT_SESSION_EXPIRY_SECONDS: int(604_800, { min: 0, max: 4_294_967_295 }),
  MQTT_CA_FILE: optional(),
  INGEST_BATCH_SIZE: int(5000, { min: 1 }),
  INGEST_FLUSH_MS: int(100, { min: 1 }),
  INGEST_QUEUE_MAX: int(100_000, { min: 100 }),
  INGEST_MAX_PAYLOAD_BYTES: int(1_048_576, { min: 256 }),
  INGEST_PARTITIONS: int(0, { min: 0, max: 1024 }),
  DOWNSAMPLE_PAUSE_MS: int(0, { min: 0, max: 10_000 }),
  // Monitoring
  AGGREGATION_WINDOW_SECONDS: int(60, { min: 5 }),
  ANOMALY_CONTAMINATION: num(0.05, { min: 0.0001, max: 0.5 }),
  ANOMALY_WARNING_THRESHOLD: num(0.5, { min: 0, max: 1 }),
  ANOMALY_CRITICAL_THRESHOLD: num(0.7, { min: 0, max: 1 }),
  CUSUM_K: num(0.5, { min: 0 }),
  CUSUM_H: num(5.0, { min: 0.1 }),
  CUSUM_WINDOW_MINUTES: num(360, { min: 1, max: 10_080 }),
  STUCK_SENSOR_MINUTES: num(15, { min: 1 }),
  CUSUM_WARMUP_WINDOWS: int(8, { min: 2 }),
  DATA_GAP_CHECK_SECONDS: num(5, { min: 0.1, max: 3600 }),
  DATA_GAP_SOURCE_SECONDS: num(60, { min: 0.1, max: 86_400 }),
  DATA_GAP_GRACE_SECONDS: num(300, { min: 0, max: 86_400 }),
  MONITOR_CHECKPOINT_SECONDS: num(60, { min: 1 }),
  ALERT_FLUSH_MS: int(2000, { min: 10 }),
  ML_MIN_TRAINING_SECONDS: num(300, { min: 10 }),
  ML_MIN_TRAINING_WINDOWS: int(8, { min: 4 }),
  ML_WINDOW_STRIDE_SECONDS: int(0, { min: 0 }),
  ANOMALY_LEVEL_LATCH_SECONDS: num(900, { min: 0 }),
  ANOMALY_LEVEL_ALERTS: bool(false),
  ML_TREES: int(100, { min: 10, max: 1000 }),
  ANOMALY_ALERT_WINDOWS: int(5, { min: 1, max: 60 }),
  GROUP_ANOMALY_LIMIT_FACTOR: num(4, { min: 1, max: 100 }),
  GROUP_ANOMALY_PERSISTENCE: int(3, { min: 1, max: 60 }),
  ALERT_SUPPRESSION_MINUTES: num(60, { min: 0 }),
  SIMULATOR_ENABLED: bool(false),
  // The simulator publishes Sparkplug B (spBv1.0/...) instead of plain JSON readings (issue 15).
  SIMULATOR_SPARKPLUG: bool(false),
  // Background jobs
  JOBS_CONCURRENCY: int(1, { min: 1, max: 16 }),
  JOBS_POLL_MS: int(1000, { min: 50 }),
  JOBS_STALE_SECONDS: num(60, { min: 5 }),
  // Auth and audit
  JWT_SECRET: secret(16),
  JWT_EXPIRY_HOURS: num(8, { min: 0.01, max: 24 * 30 }),
  AUDIT_KEY: secret(32),
  // Encrypts connector credentials (OPC UA / MQTT passwords, private keys) stored in the database.
  CONNECTOR_SECRET_KEY: secret(32),
  AUDIT_CHECKPOINT_SECONDS: num(5, { min: 0.1, max: 3600 }),
  ADMIN_EMPLOYEE_NUMBER: text('admin'),
  ADMIN_PASSWORD: secret(),
  LOGIN_MAX_FAILURES: int(5, { min: 1 }),
  LOGIN_WINDOW_MINUTES: num(15, { min: 1 }),
  METRICS_TOKEN: secret(16),
  // Work orders
  SLA_HOURS_LOW: num(168, { min: 1 }),
  SLA_HOURS_MEDIUM: num(72, { min: 1 }),
  SLA_HOURS_HIGH: num(24, { min: 1 }),
  SLA_HOURS_URGENT: num(4, { min: 1 }),
  // Planning ahead (issue 18): work raised this many days before it falls due
  PM_LEAD_DAYS: int(14, { min: 0, max: 365 }),
  CALIBRATION_LEAD_DAYS: int(14, { min: 0, max: 365 }),
  CALIBRATION_DUE_CHECK_SECONDS: int(60, { min: 1, max: 60 }),
  // Reports
  REPORT_ASYNC_ROWS: int(5000, { min: 1 }),
  REPORT_TIMEZONE: parsed('UTC', checkTimeZone),
  // Attachments (issue 13): default DATA_DIR/attachments
  ATTACHMENTS_DIR: optional(),
  ATTACHMENT_MAX_MB: num(10, { min: 0.01, max: 100 }),
  // Alarm management (issue 14)
  ALERT_SHELVE_MAX_HOURS: num(24, { min: 0.1, max: 720 }),
  ALERT_OUT_OF_SERVICE_DURING_WORK: bool(false),
  ALERT_AUTO_RESOLVE_MINUTES: Type.Optional(
    Type.Refine(
      Type.String(),
      (v) => problemOf(() => parseAutoResolve(v)) === null,
      (v) => problemOf(() => parseAutoResolve(v)) ?? '',
    ),
  ),
  ALARM_SCAN_SECONDS: int(60, { min: 1 }),
  // E-mail (optional: no SMTP_HOST, no e-mail)
  SMTP_HOST: optional(),
  SMTP_PORT: int(587, { min: 1, max: 65535 }),
  SMTP_USER: optional(),
  SMTP_PASSWORD: secret(),
  SMTP_FROM: text('CBU CMMS <cmms@localhost>'),
  SMTP_SECURE: bool(false),
});
export type Settings = Static<typeof SETTINGS>;
type Name = keyof Settings;

/** Rules between settings, checked once every variable is well-formed on its own; null = satisfied. */
const RULES: { uses: Name[]; check: (s: Settings) => string | null }[] = [
  {
    uses: ['NODE_ENV', 'JWT_SECRET'],
    check: (s) =>
      s.NODE_ENV === 'production' && !s.JWT_SECRET ? 'JWT_SECRET must be set when NODE_ENV=production' : null,
  },
  {
    uses: ['MQTT_USERNAME', 'MQTT_PASSWORD'],
    check: (s) =>
      (s.MQTT_USERNAME === undefined) !== (s.MQTT_PASSWORD === undefined)
        ? 'MQTT_USERNAME and MQTT_PASSWORD must be set together'
        : null,
  },
  {
    // In production the embedded broker must never run open.
    uses: ['NODE_ENV', 'MQTT_BROKER', 'MQTT_USERNAME', 'MQTT_PASSWORD'],
    check: (s) =>
      s.NODE_ENV === 'production' &&
      parseBrokerSetting(s.MQTT_BROKER, 1883).mode === 'embedded' &&
      s.MQTT_USERNAME === undefined &&
      s.MQTT_PASSWORD === undefined
        ? 'MQTT_USERNAME and MQTT_PASSWORD must be set when NODE_ENV=production (the embedded MQTT broker refuses anonymous clients)'
        : null,
  },
  {
    uses: ['NODE_ENV', 'MQTT_PASSWORD'],
    check: (s) =>
      s.NODE_ENV === 'production' && s.MQTT_PASSWORD !== undefined && s.MQTT_PASSWORD.length < 12
        ? 'MQTT_PASSWORD must be at least 12 characters when NODE_ENV=production'
        : null,
  },
  {
    uses: ['NODE_ENV', 'AUDIT_KEY'],
    check: (s) =>
      s.NODE_ENV === 'production' && !s.AUDIT_KEY ? 'AUDIT_KEY must be set when NODE_ENV=production' : null,
  },
  {
    // Partitions are leases in PostgreSQL, and each process needs every reading from a broker.
    uses: ['INGEST_PARTITIONS', 'DATABASE_URL', 'MQTT_BROKER', 'MQTT_SHARED_GROUP'],
    check: (s) =>
      s.INGEST_PARTITIONS === 0
        ? null
        : !s.DATABASE_URL.startsWith('postgres')
          ? 'INGEST_PARTITIONS needs DATABASE_URL on PostgreSQL (several processes share one database)'
          : parseBrokerSetting(s.MQTT_BROKER, 1883).mode === 'embedded'
            ? 'INGEST_PARTITIONS needs an external MQTT_BROKER (every process subscribes to it)'
            : s.MQTT_SHARED_GROUP !== undefined
              ? 'INGEST_PARTITIONS and MQTT_SHARED_GROUP are two ways to split readings: set one of them'
              : null,
  },
  {
    uses: ['ANOMALY_WARNING_THRESHOLD', 'ANOMALY_CRITICAL_THRESHOLD'],
    check: (s) =>
      s.ANOMALY_CRITICAL_THRESHOLD < s.ANOMALY_WARNING_THRESHOLD
        ? `ANOMALY_CRITICAL_THRESHOLD must be >= ANOMALY_WARNING_THRESHOLD (got ${s.ANOMALY_CRITICAL_THRESHOLD} < ${s.ANOMALY_WARNING_THRESHOLD})`
        : null,
  },
];

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** The environment's text as the schema's type; left as text when it does not convert (the schema then reports it). */
function fromText(schema: TSchema, raw: string): unknown {
  const type = (schema as { type?: string }).type;
  if (type === 'integer' || type === 'number') {
    const v = Number(raw.trim());
    return raw.trim() !== '' && Number.isFinite(v) ? v : raw;
  }
  if (type === 'boolean') {
    const v = raw.trim().toLowerCase();
    return TRUE.includes(v) ? true : FALSE.includes(v) ? false : raw;
  }
  return raw;
}

/** What a variable expects, in words, from its schema. */
function expects(schema: TSchema): string {
  const s = schema as {
    type?: string;
    enum?: unknown[];
    minimum?: number;
    maximum?: number;
    minLength?: number;
  };
  if (s.enum) return `one of ${s.enum.join(', ')}`;
  const range = `${s.minimum !== undefined ? ` >= ${s.minimum}` : ''}${s.maximum !== undefined ? ` <= ${s.maximum}` : ''}`;
  if (s.type === 'integer') return `an integer${range}`;
  if (s.type === 'number') return `a number${range}`;
  if (s.type === 'boolean') return 'true or false';
  if (s.minLength) return `at least ${s.minLength} characters`;
  return 'text';
}

/** The environment checked against SETTINGS and RULES: the settings, or every problem found. */
export function readSettings(env: Env): Settings {
  const properties = SETTINGS.properties as Record<Name, TSchema>;
  const value: Record<string, unknown> = {};
  for (const name of Object.keys(properties) as Name[]) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') value[name] = fromText(properties[name], raw);
  }
  Value.Default(SETTINGS, value);
  // Variable by variable (not the whole object at once, which stops at a few errors): the first
  // problem of each.
  const problems = new Map<Name, string>();
  for (const name of Object.keys(value) as Name[]) {
    const schema = properties[name] as TSchema & { secret?: boolean };
    const [e] = Value.Errors(schema, value[name]);
    if (!e) continue;
    if (e.keyword === '~refine') problems.set(name, (e.params as { message: string }).message);
    else
      problems.set(name, `${name} must be ${expects(schema)}${schema.secret ? '' : ` (got "${env[name]}")`}`);
  }
  const settings = value as Settings;
  const lines = [...problems.values()];
  for (const rule of RULES) {
    if (rule.uses.some((n) => problems.has(n))) continue;
    const problem = rule.check(settings);
    if (problem) lines.push(problem);
  }
  if (lines.length > 0) throw new ConfigError(lines.join('\n'));
  return settings;
}

// Alarm management (issue 14): ALERT_AUTO_RESOLVE_MINUTES=calibration_overdue:60,data_gap:30
const AUTO_RESOLVE_TYPES = [
  'calibration_overdue',
  'rule_violation',
  'drift',
  'anomaly',
  'instrument_fault',
  'data_gap',
];
/** ALERT_AUTO_RESOLVE_MINUTES: alert_type:minutes pairs (empty: no auto-resolve). */
function parseAutoResolve(raw: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [type, minutes] = part.split(/[:=]/).map((x) => x?.trim());
    const n = Number(minutes);
    if (!AUTO_RESOLVE_TYPES.includes(type ?? '') || !Number.isFinite(n) || n < 0) {
      throw new ConfigError(
        `ALERT_AUTO_RESOLVE_MINUTES must list alert_type:minutes pairs separated by commas, types among ${AUTO_RESOLVE_TYPES.join(', ')} (got "${raw}")`,
      );
    }
    out[type as string] = n;
  }
  return out;
}

function loadDotenv(file: string): Env {
  if (!existsSync(file)) return {};
  return parseDotenv(readFileSync(file));
}

/** Where a secret comes from: the environment, its file in DATA_DIR, or generated at this load (kept by start-up). */
export type SecretSource = 'env' | 'file' | 'generated';

/** A secret from the environment, else from its file in DATA_DIR, else a new one (not written here). */
function secretOf(given: string | undefined, file: string): { value: string; source: SecretSource } {
  if (given) return { value: given, source: 'env' };
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), source: 'file' };
  return { value: randomBytes(32).toString('hex'), source: 'generated' };
}

/**
 * Reads the settings (the real environment wins over .env, as in every twelve-factor tool) and
 * returns them frozen. Throws a ConfigError listing every problem. Writes nothing.
 */
export function loadConfig(processEnv: Env = process.env, opts: { dotenvFile?: string | null } = {}) {
  const dotenvFile = opts.dotenvFile === undefined ? path.resolve('.env') : opts.dotenvFile;
  const env: Env = { ...(dotenvFile ? loadDotenv(dotenvFile) : {}), ...processEnv };
  const s = readSettings(env);
  const production = s.NODE_ENV === 'production';
  const dataDir = path.resolve(s.DATA_DIR);
  const jwtSecret = secretOf(s.JWT_SECRET, path.join(dataDir, 'jwt-secret'));
  const auditKey = secretOf(s.AUDIT_KEY, path.join(dataDir, 'audit-key'));
  const connectorKey = secretOf(s.CONNECTOR_SECRET_KEY, path.join(dataDir, 'connector-key'));
  const mqttUsername = s.MQTT_USERNAME ?? null;

  const config = {
    version: packageVersion(),
    nodeEnv: s.NODE_ENV,
    production,
    logLevel: s.LOG_LEVEL,
    host: s.HOST,
    port: s.PORT,
    dataDir,
    database: parseDatabaseUrl(s.DATABASE_URL),
    /**
     * DATABASE_READ_WORKERS: SQLite only, threads that run the API's heavy read queries on their own
     * connections, so a report or a history query never holds up ingestion (0: on the main thread).
     */
    readWorkers: s.DATABASE_READ_WORKERS,
    plantName: s.PLANT_NAME,
    publicUrl: s.PUBLIC_URL ?? null,
    process: {
      /** PROCESS_NAME, or host-pid: names this process in leases, logs and cross-process events. */
      name: s.PROCESS_NAME ?? `${hostname()}-${process.pid}`,
      /** Seconds a lease on a periodic duty lasts without renewal: how soon a survivor takes over. */
      leaseTtlSeconds: s.LEASE_TTL_SECONDS,
    },
    mqtt: {
      broker: s.MQTT_BROKER,
      /** MQTT_BROKER parsed: the embedded broker, or the external broker's URL. */
      target: parseBrokerSetting(s.MQTT_BROKER, s.MQTT_PORT),
      port: s.MQTT_PORT,
      /** Whether MQTT_PORT was set: only the default port may be swapped for a free one when taken. */
      portExplicit: env.MQTT_PORT !== undefined && env.MQTT_PORT !== '',
      username: mqttUsername,
      password: s.MQTT_PASSWORD ?? null,
      topic: s.MQTT_TOPIC,
      // One client id per process: the broker would disconnect a second session with the same id.
      // A stable PROCESS_NAME keeps each process's persistent session across its restarts.
      clientId: s.PROCESS_NAME ? `${s.MQTT_CLIENT_ID}-${s.PROCESS_NAME}` : s.MQTT_CLIENT_ID,
      /** MQTT_SHARED_GROUP: subscribe as `$share/<group>/<topic>` so the broker splits the readings. */
      sharedGroup: s.MQTT_SHARED_GROUP ?? null,
      // Embedded broker's listen address. Gateways on the plant network must reach it, so it listens
      // on every interface; only an open (anonymous) development broker stays on loopback.
      host:
        s.MQTT_LISTEN_HOST ?? s.MQTT_HOST ?? (mqttUsername === null && !production ? '127.0.0.1' : '0.0.0.0'),
      // External broker: MQTT 5 lets us size the broker's in-flight window (Receive Maximum);
      // 4 (3.1.1) for brokers without MQTT 5, where the broker's own window applies.
      protocolVersion: s.MQTT_PROTOCOL_VERSION as 4 | 5,
      receiveMaximum: s.MQTT_RECEIVE_MAXIMUM,
      sessionExpirySeconds: s.MQTT_SESSION_EXPIRY_SECONDS,
      caFile: s.MQTT_CA_FILE ?? null,
    },
    ingest: {
      batchSize: s.INGEST_BATCH_SIZE,
      flushMs: s.INGEST_FLUSH_MS,
      queueMax: s.INGEST_QUEUE_MAX,
      maxPayloadBytes: s.INGEST_MAX_PAYLOAD_BYTES,
      /** INGEST_PARTITIONS: tag partitions split between processes (0: this process takes every reading). */
      partitions: s.INGEST_PARTITIONS,
      /**
       * DOWNSAMPLE_PAUSE_MS: pause between two downsampling statements (0: only let waiting work
       * run). Slows a catch-up after an outage to leave more of a small machine to ingestion.
       */
      downsamplePauseMs: s.DOWNSAMPLE_PAUSE_MS,
    },
    aggregationWindowSeconds: s.AGGREGATION_WINDOW_SECONDS,
    anomaly: {
      contamination: s.ANOMALY_CONTAMINATION,
      warningThreshold: s.ANOMALY_WARNING_THRESHOLD,
      criticalThreshold: s.ANOMALY_CRITICAL_THRESHOLD,
    },
    cusum: {
      k: s.CUSUM_K,
      h: s.CUSUM_H,
      /**
       * Length of the means the CUSUM consumes. Hours, not the 60 s feature window: process wander and
       * cycles make short means strongly autocorrelated (see docs in src/ml/README.md and bench/detect.ts).
       */
      windowMinutes: s.CUSUM_WINDOW_MINUTES,
    },
    stuckSensorMinutes: s.STUCK_SENSOR_MINUTES,
    monitoring: {
      /** Period of the data-gap clock (and of CUSUM window closing on silent instruments). */
      gapCheckSeconds: s.DATA_GAP_CHECK_SECONDS,
      /**
       * Nothing at all arriving for this long (or 2x the shortest publish interval, if longer) is a
       * gap of the ingestion source: one data_gap alert instead of one per instrument.
       */
      sourceGapSeconds: s.DATA_GAP_SOURCE_SECONDS,
      /**
       * After start-up, after being put in service and after the source resumes, an instrument has
       * this long (or 2x its interval) to report before it is in a gap; one that never publishes is
       * flagged after it. Keeps a start on seeded history, or a broker restart, from raising a storm.
       */
      gapGraceSeconds: s.DATA_GAP_GRACE_SECONDS,
      /** Period of the detector-state checkpoint (also written on shutdown). */
      checkpointSeconds: s.MONITOR_CHECKPOINT_SECONDS,
      /**
       * CUSUM window means a CUSUM learns its baseline from when the instrument has no reference one
       * (after start or a calibration). 8 = 2 days at 6 h windows, the same footing as the fewest
       * windows a reference baseline may have (ml/baseline-service.ts).
       */
      cusumWarmupWindows: s.CUSUM_WARMUP_WINDOWS,
      /** Period of the batched write of repeated alert conditions (last_seen, count). */
      alertFlushMs: s.ALERT_FLUSH_MS,
    },
    ml: {
      minTrainingWindows: s.ML_MIN_TRAINING_WINDOWS,
      /** Least baseline data a model trains on, in seconds of good readings (readings x publish interval). */
      minTrainingSeconds: s.ML_MIN_TRAINING_SECONDS,
      /** Stride of the sliding feature windows; 0 = a quarter of the window. */
      windowStrideSeconds: s.ML_WINDOW_STRIDE_SECONDS,
      /** A level-driven anomaly episode ends after this long (a lasting offset is the CUSUM's and the rules' case). */
      levelLatchSeconds: s.ANOMALY_LEVEL_LATCH_SECONDS,
      /** Level-driven anomalous windows raise too (default off: process wander; see anomaly-detector.ts). */
      levelAlerts: s.ANOMALY_LEVEL_ALERTS,
      trees: s.ML_TREES,
      anomalyAlertWindows: s.ANOMALY_ALERT_WINDOWS,
      /** A model group's T² is out of limit above this multiple of its training 99 % quantile. */
      groupAnomalyLimitFactor: s.GROUP_ANOMALY_LIMIT_FACTOR,
      /** Score-weighted windows before a group anomaly raises (and in-limit windows before it clears). */
      groupAnomalyPersistence: s.GROUP_ANOMALY_PERSISTENCE,
    },
    jobs: {
      concurrency: s.JOBS_CONCURRENCY,
      pollMs: s.JOBS_POLL_MS,
      staleSeconds: s.JOBS_STALE_SECONDS,
    },
    simulatorEnabled: s.SIMULATOR_ENABLED,
    simulatorSparkplug: s.SIMULATOR_SPARKPLUG,
    connectors: {
      /**
       * The AES-256-GCM key material for connector secrets: CONNECTOR_SECRET_KEY, or
       * DATA_DIR/connector-key (generated on the first start). Outside the database, so a copy of
       * the database alone does not give away the plant's OPC UA or broker passwords.
       */
      secretKey: connectorKey.value,
      secretKeySource: connectorKey.source,
    },
    // Demo data only when asked for (npm run demo sets it): a plant's npm start never gets it.
    seedDemo: s.SEED_DEMO,
    jwt: {
      /** From JWT_SECRET, or DATA_DIR/jwt-secret (generated on the first start outside production). */
      secret: jwtSecret.value,
      source: jwtSecret.source,
      expiryHours: s.JWT_EXPIRY_HOURS,
    },
    audit: {
      /**
       * The audit chain's HMAC key: from AUDIT_KEY, or DATA_DIR/audit-key (generated on the first
       * start outside production). It must live outside the database, so whoever can write the
       * database cannot re-sign a rewritten history.
       */
      key: auditKey.value,
      source: auditKey.source,
      /** How often the signed head checkpoint in DATA_DIR catches up with the audit table. */
      checkpointSeconds: s.AUDIT_CHECKPOINT_SECONDS,
    },
    // A bearer token for Prometheus (GET /metrics, and /health details) without a user account.
    metricsToken: s.METRICS_TOKEN ?? null,
    admin: {
      employeeNumber: s.ADMIN_EMPLOYEE_NUMBER,
      password: s.ADMIN_PASSWORD ?? null,
    },
    smtp: s.SMTP_HOST
      ? {
          host: s.SMTP_HOST,
          port: s.SMTP_PORT,
          user: s.SMTP_USER ?? null,
          password: s.SMTP_PASSWORD ?? null,
          from: s.SMTP_FROM,
          secure: s.SMTP_SECURE,
        }
      : null,
    slaHours: {
      low: s.SLA_HOURS_LOW,
      medium: s.SLA_HOURS_MEDIUM,
      high: s.SLA_HOURS_HIGH,
      urgent: s.SLA_HOURS_URGENT,
    },
    suppressionMinutes: s.ALERT_SUPPRESSION_MINUTES,
    planning: {
      /** A PM plan's work order is raised this many days before the plan falls due (at most one interval). */
      pmLeadDays: s.PM_LEAD_DAYS,
      /** A calibration's work order is raised this many days before the calibration falls due. */
      calibrationLeadDays: s.CALIBRATION_LEAD_DAYS,
      /** Period of the cheap check that raises calibration_overdue as soon as a due time passes. */
      dueCheckSeconds: s.CALIBRATION_DUE_CHECK_SECONDS,
    },
    // Alarm management (issue 14, src/alerts): shelving, out of service, auto-resolve.
    alarms: {
      shelveMaxHours: s.ALERT_SHELVE_MAX_HOURS,
      outOfServiceDuringWork: s.ALERT_OUT_OF_SERVICE_DURING_WORK,
      autoResolveMinutes: parseAutoResolve(s.ALERT_AUTO_RESOLVE_MINUTES ?? ''),
      scanSeconds: s.ALARM_SCAN_SECONDS,
    },
    loginRateLimit: {
      maxFailures: s.LOGIN_MAX_FAILURES,
      windowMinutes: s.LOGIN_WINDOW_MINUTES,
    },
    reports: {
      // Exports with more rows than this run as a background job (202 + job id).
      asyncRows: s.REPORT_ASYNC_ROWS,
      timezone: s.REPORT_TIMEZONE,
    },
    attachments: {
      // Issue 13: photos, screenshots and PDFs on calibration and work-order records.
      dir: path.resolve(s.ATTACHMENTS_DIR ?? path.join(dataDir, 'attachments')),
      maxBytes: Math.round(s.ATTACHMENT_MAX_MB * 1024 * 1024),
    },
  };
  return deepFreeze(config);
}

export type Config = ReturnType<typeof loadConfig>;

/**
 * The start-up step that keeps secrets generated by loadConfig (no JWT_SECRET / AUDIT_KEY outside
 * production) in DATA_DIR, so sessions and the audit chain survive restarts. Each file is created
 * exclusively: when another process wrote it first, its value wins. Returns the config to run with.
 */
export function keepGeneratedSecrets(config: Config): Config {
  if (
    config.jwt.source !== 'generated' &&
    config.audit.source !== 'generated' &&
    config.connectors.secretKeySource !== 'generated'
  )
    return config;
  const keep = (file: string, value: string) => {
    mkdirSync(config.dataDir, { recursive: true });
    const p = path.join(config.dataDir, file);
    try {
      writeFileSync(p, value, { mode: 0o600, flag: 'wx' });
      return value;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return readFileSync(p, 'utf8').trim();
    }
  };
  return deepFreeze({
    ...config,
    jwt:
      config.jwt.source === 'generated'
        ? { ...config.jwt, secret: keep('jwt-secret', config.jwt.secret), source: 'file' as const }
        : config.jwt,
    audit:
      config.audit.source === 'generated'
        ? { ...config.audit, key: keep('audit-key', config.audit.key), source: 'file' as const }
        : config.audit,
    connectors:
      config.connectors.secretKeySource === 'generated'
        ? {
            ...config.connectors,
            secretKey: keep('connector-key', config.connectors.secretKey),
            secretKeySource: 'file' as const,
          }
        : config.connectors,
  });
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
