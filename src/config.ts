import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';

/** Thrown for a bad setting; the message is one line naming the variable and what it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

// Each reader names the variable in its error so start-up fails with one readable line.
function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}
function optional(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v === '' ? null : v;
}
function num(
  env: Env,
  name: string,
  fallback: number,
  opts: { min?: number; max?: number; int?: boolean } = {},
) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  const what = `${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}`;
  if (!Number.isFinite(v) || (opts.int && !Number.isInteger(v))) {
    throw new ConfigError(`${name} must be ${what} (got "${raw}")`);
  }
  if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
    throw new ConfigError(`${name} must be ${what} (got "${raw}")`);
  }
  return v;
}
function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

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

function timeZone(env: Env, name: string, fallback: string): string {
  const v = str(env, name, fallback);
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: v });
  } catch {
    throw new ConfigError(`${name} must be an IANA time zone such as Africa/Lusaka or UTC (got "${v}")`);
  }
  return v;
}

function loadDotenv(file: string): Env {
  if (!existsSync(file)) return {};
  return parseDotenv(readFileSync(file));
}

/** The JWT secret: from the environment, or generated once and kept in the data folder. */
function metricsToken(env: Env): string | null {
  const v = optional(env, 'METRICS_TOKEN');
  if (v !== null && v.length < 16) {
    throw new ConfigError(`METRICS_TOKEN must be at least 16 characters (got ${v.length})`);
  }
  return v;
}

function jwtSecret(env: Env, production: boolean, dataDir: string): string {
  const given = optional(env, 'JWT_SECRET');
  if (given) {
    if (given.length < 16) throw new ConfigError('JWT_SECRET must be at least 16 characters');
    return given;
  }
  if (production) throw new ConfigError('JWT_SECRET must be set when NODE_ENV=production');
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * The app's own broker login (ingestion subscriber, simulator; accepted by the embedded broker).
 * In production the embedded broker must never run open, so credentials are mandatory there.
 */
function mqttCredentials(env: Env, production: boolean, embedded: boolean) {
  const username = optional(env, 'MQTT_USERNAME');
  const password = optional(env, 'MQTT_PASSWORD');
  if ((username === null) !== (password === null))
    throw new ConfigError('MQTT_USERNAME and MQTT_PASSWORD must be set together');
  if (production && embedded && username === null)
    throw new ConfigError(
      'MQTT_USERNAME and MQTT_PASSWORD must be set when NODE_ENV=production (the embedded MQTT broker refuses anonymous clients)',
    );
  if (production && password !== null && password.length < 12)
    throw new ConfigError('MQTT_PASSWORD must be at least 12 characters when NODE_ENV=production');
  return { username, password };
}

/**
 * The audit chain's HMAC key: from AUDIT_KEY, or generated once into the data folder. It must live
 * outside the database, so whoever can write the database cannot re-sign a rewritten history.
 */
function auditKey(env: Env, production: boolean, dataDir: string): { key: string; source: 'env' | 'file' } {
  const given = optional(env, 'AUDIT_KEY');
  if (given) {
    if (given.length < 32) throw new ConfigError('AUDIT_KEY must be at least 32 characters');
    return { key: given, source: 'env' };
  }
  if (production) throw new ConfigError('AUDIT_KEY must be set when NODE_ENV=production');
  const file = path.join(dataDir, 'audit-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), source: 'file' };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key, { mode: 0o600 });
  return { key, source: 'file' };
}

export function loadConfig(processEnv: Env = process.env, opts: { dotenvFile?: string | null } = {}) {
  const dotenvFile = opts.dotenvFile === undefined ? path.resolve('.env') : opts.dotenvFile;
  // The real environment wins over .env, as in every twelve-factor tool.
  const env: Env = { ...(dotenvFile ? loadDotenv(dotenvFile) : {}), ...processEnv };
  const nodeEnv = str(env, 'NODE_ENV', 'development');
  const production = nodeEnv === 'production';
  const dataDir = path.resolve(str(env, 'DATA_DIR', './data'));
  const database = parseDatabaseUrl(str(env, 'DATABASE_URL', 'sqlite:./data/cmms.db'));

  const anomalyWarning = num(env, 'ANOMALY_WARNING_THRESHOLD', 0.5, { min: 0, max: 1 });
  const anomalyCritical = num(env, 'ANOMALY_CRITICAL_THRESHOLD', 0.7, { min: 0, max: 1 });
  if (anomalyCritical < anomalyWarning) {
    throw new ConfigError('ANOMALY_CRITICAL_THRESHOLD must be >= ANOMALY_WARNING_THRESHOLD');
  }
  const logLevel = str(env, 'LOG_LEVEL', production ? 'info' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`,
    );
  }
  const smtpHost = optional(env, 'SMTP_HOST');
  // Checked in this order so a production start names the JWT secret first, then the broker login.
  const secret = jwtSecret(env, production, dataDir);
  const mqttBroker = str(env, 'MQTT_BROKER', 'embedded');
  const mqttAuth = mqttCredentials(
    env,
    production,
    ['', 'embedded'].includes(mqttBroker.trim().toLowerCase()),
  );

  const config = {
    version: packageVersion(),
    nodeEnv,
    production,
    logLevel,
    host: str(env, 'HOST', '0.0.0.0'),
    port: num(env, 'PORT', 8000, { min: 0, max: 65535, int: true }),
    dataDir,
    database,
    plantName: str(env, 'PLANT_NAME', 'Demo Plant'),
    publicUrl: optional(env, 'PUBLIC_URL'),
    mqtt: {
      broker: mqttBroker,
      port: num(env, 'MQTT_PORT', 1883, { min: 0, max: 65535, int: true }),
      /** Whether MQTT_PORT was set: only the default port may be swapped for a free one when taken. */
      portExplicit: optional(env, 'MQTT_PORT') !== null,
      username: mqttAuth.username,
      password: mqttAuth.password,
      topic: str(env, 'MQTT_TOPIC', 'plant/readings/#'),
      clientId: str(env, 'MQTT_CLIENT_ID', 'cbu-cmms-ingest'),
      // Embedded broker's listen address. Gateways on the plant network must reach it, so it listens
      // on every interface; only an open (anonymous) development broker stays on loopback.
      // MQTT_HOST is the earlier name of the setting.
      host: str(
        env,
        'MQTT_LISTEN_HOST',
        str(env, 'MQTT_HOST', mqttAuth.username === null && !production ? '127.0.0.1' : '0.0.0.0'),
      ),
      // External broker: MQTT 5 lets us size the broker's in-flight window (Receive Maximum);
      // 4 (3.1.1) for brokers without MQTT 5, where the broker's own window applies.
      protocolVersion: num(env, 'MQTT_PROTOCOL_VERSION', 5, { min: 4, max: 5, int: true }) as 4 | 5,
      receiveMaximum: num(env, 'MQTT_RECEIVE_MAXIMUM', 10_000, { min: 1, max: 65_535, int: true }),
      sessionExpirySeconds: num(env, 'MQTT_SESSION_EXPIRY_SECONDS', 604_800, {
        min: 0,
        max: 4_294_967_295,
        int: true,
      }),
      caFile: optional(env, 'MQTT_CA_FILE'),
    },
    ingest: {
      batchSize: num(env, 'INGEST_BATCH_SIZE', 5000, { min: 1, int: true }),
      flushMs: num(env, 'INGEST_FLUSH_MS', 100, { min: 1, int: true }),
      queueMax: num(env, 'INGEST_QUEUE_MAX', 100_000, { min: 100, int: true }),
      maxPayloadBytes: num(env, 'INGEST_MAX_PAYLOAD_BYTES', 1_048_576, { min: 256, int: true }),
    },
    aggregationWindowSeconds: num(env, 'AGGREGATION_WINDOW_SECONDS', 60, { min: 5, int: true }),
    anomaly: {
      contamination: num(env, 'ANOMALY_CONTAMINATION', 0.05, { min: 0.0001, max: 0.5 }),
      warningThreshold: anomalyWarning,
      criticalThreshold: anomalyCritical,
    },
    cusum: {
      k: num(env, 'CUSUM_K', 0.5, { min: 0 }),
      h: num(env, 'CUSUM_H', 5.0, { min: 0.1 }),
      /**
       * Length of the means the CUSUM consumes. Hours, not the 60 s feature window: process wander and
       * cycles make short means strongly autocorrelated (see docs in src/ml/README.md and bench/detect.ts).
       */
      windowMinutes: num(env, 'CUSUM_WINDOW_MINUTES', 360, { min: 1, max: 10_080 }),
    },
    stuckSensorMinutes: num(env, 'STUCK_SENSOR_MINUTES', 15, { min: 1 }),
    monitoring: {
      /** Period of the data-gap clock (and of CUSUM window closing on silent instruments). */
      gapCheckSeconds: num(env, 'DATA_GAP_CHECK_SECONDS', 5, { min: 0.1, max: 3600 }),
      /**
       * Nothing at all arriving for this long (or 2x the shortest publish interval, if longer) is a
       * gap of the ingestion source: one data_gap alert instead of one per instrument.
       */
      sourceGapSeconds: num(env, 'DATA_GAP_SOURCE_SECONDS', 60, { min: 0.1, max: 86_400 }),
      /**
       * After start-up, after being put in service and after the source resumes, an instrument has
       * this long (or 2x its interval) to report before it is in a gap; one that never publishes is
       * flagged after it. Keeps a start on seeded history, or a broker restart, from raising a storm.
       */
      gapGraceSeconds: num(env, 'DATA_GAP_GRACE_SECONDS', 300, { min: 0, max: 86_400 }),
      /** Period of the detector-state checkpoint (also written on shutdown). */
      checkpointSeconds: num(env, 'MONITOR_CHECKPOINT_SECONDS', 60, { min: 1 }),
      /**
       * CUSUM window means a CUSUM learns its baseline from when the instrument has no reference one
       * (after start or a calibration). 8 = 2 days at 6 h windows, the same footing as the fewest
       * windows a reference baseline may have (ml/baseline-service.ts).
       */
      cusumWarmupWindows: num(env, 'CUSUM_WARMUP_WINDOWS', 8, { min: 2, int: true }),
      /** Period of the batched write of repeated alert conditions (last_seen, count). */
      alertFlushMs: num(env, 'ALERT_FLUSH_MS', 2000, { min: 10, int: true }),
    },
    ml: {
      minTrainingWindows: num(env, 'ML_MIN_TRAINING_WINDOWS', 8, { min: 4, int: true }),
      /** Least baseline data a model trains on, in seconds of good readings (readings x publish interval). */
      minTrainingSeconds: num(env, 'ML_MIN_TRAINING_SECONDS', 300, { min: 10 }),
      /** Stride of the sliding feature windows; 0 = a quarter of the window. */
      windowStrideSeconds: num(env, 'ML_WINDOW_STRIDE_SECONDS', 0, { min: 0, int: true }),
      /** A level-driven anomaly episode ends after this long (a lasting offset is the CUSUM's and the rules' case). */
      levelLatchSeconds: num(env, 'ANOMALY_LEVEL_LATCH_SECONDS', 900, { min: 0 }),
      /** Level-driven anomalous windows raise too (default off: process wander; see anomaly-detector.ts). */
      levelAlerts: bool(env, 'ANOMALY_LEVEL_ALERTS', false),
      trees: num(env, 'ML_TREES', 100, { min: 10, max: 1000, int: true }),
      anomalyAlertWindows: num(env, 'ANOMALY_ALERT_WINDOWS', 5, { min: 1, max: 60, int: true }),
      /** A model group's T² is out of limit above this multiple of its training 99 % quantile. */
      groupAnomalyLimitFactor: num(env, 'GROUP_ANOMALY_LIMIT_FACTOR', 4, { min: 1, max: 100 }),
      /** Score-weighted windows before a group anomaly raises (and in-limit windows before it clears). */
      groupAnomalyPersistence: num(env, 'GROUP_ANOMALY_PERSISTENCE', 3, { min: 1, max: 60, int: true }),
    },
    jobs: {
      concurrency: num(env, 'JOBS_CONCURRENCY', 1, { min: 1, max: 16, int: true }),
      pollMs: num(env, 'JOBS_POLL_MS', 1000, { min: 50, int: true }),
      staleSeconds: num(env, 'JOBS_STALE_SECONDS', 60, { min: 5 }),
    },
    simulatorEnabled: bool(env, 'SIMULATOR_ENABLED', false),
    // Demo data only when asked for (npm run demo sets it): a plant's npm start never gets it.
    seedDemo: bool(env, 'SEED_DEMO', false),
    jwt: {
      secret,
      expiryHours: num(env, 'JWT_EXPIRY_HOURS', 8, { min: 0.01, max: 24 * 30 }),
    },
    audit: {
      ...auditKey(env, production, dataDir),
      /** How often the signed head checkpoint in DATA_DIR catches up with the audit table. */
      checkpointSeconds: num(env, 'AUDIT_CHECKPOINT_SECONDS', 5, { min: 0.1, max: 3600 }),
    },
    // A bearer token for Prometheus (GET /metrics, and /health details) without a user account.
    metricsToken: metricsToken(env),
    admin: {
      employeeNumber: str(env, 'ADMIN_EMPLOYEE_NUMBER', 'admin'),
      password: optional(env, 'ADMIN_PASSWORD'),
    },
    smtp: smtpHost
      ? {
          host: smtpHost,
          port: num(env, 'SMTP_PORT', 587, { min: 1, max: 65535, int: true }),
          user: optional(env, 'SMTP_USER'),
          password: optional(env, 'SMTP_PASSWORD'),
          from: str(env, 'SMTP_FROM', 'CBU CMMS <cmms@localhost>'),
          secure: bool(env, 'SMTP_SECURE', false),
        }
      : null,
    slaHours: {
      low: num(env, 'SLA_HOURS_LOW', 168, { min: 1 }),
      medium: num(env, 'SLA_HOURS_MEDIUM', 72, { min: 1 }),
      high: num(env, 'SLA_HOURS_HIGH', 24, { min: 1 }),
      urgent: num(env, 'SLA_HOURS_URGENT', 4, { min: 1 }),
    },
    suppressionMinutes: num(env, 'ALERT_SUPPRESSION_MINUTES', 60, { min: 0 }),
    loginRateLimit: {
      maxFailures: num(env, 'LOGIN_MAX_FAILURES', 5, { min: 1, int: true }),
      windowMinutes: num(env, 'LOGIN_WINDOW_MINUTES', 15, { min: 1 }),
    },
    reports: {
      // Exports with more rows than this run as a background job (202 + job id).
      asyncRows: num(env, 'REPORT_ASYNC_ROWS', 5000, { min: 1, int: true }),
      timezone: timeZone(env, 'REPORT_TIMEZONE', 'UTC'),
    },
    attachments: {
      // Issue 13: photos, screenshots and PDFs on calibration and work-order records.
      dir: path.resolve(str(env, 'ATTACHMENTS_DIR', path.join(dataDir, 'attachments'))),
      maxBytes: Math.round(num(env, 'ATTACHMENT_MAX_MB', 10, { min: 0.01, max: 100 }) * 1024 * 1024),
    },
  };
  return deepFreeze(config);
}

export type Config = ReturnType<typeof loadConfig>;

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
