import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, keepGeneratedSecrets, loadConfig, parseDatabaseUrl, SETTINGS } from './config.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'cmms-config-'));
const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: tmp(), ...env }, { dotenvFile: null });
/** The problems a load reports, one per line. */
const problems = (env: Record<string, string>): readonly string[] => {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('configuration', () => {
  it('has the spec defaults', () => {
    const c = load({});
    expect(c.port).toBe(8000);
    expect(c.database).toEqual({ kind: 'sqlite', file: path.resolve('./data/cmms.db') });
    expect(c.mqtt).toMatchObject({ broker: 'embedded', port: 1883, topic: 'plant/readings/#' });
    expect(c.aggregationWindowSeconds).toBe(60);
    expect(c.anomaly).toEqual({ contamination: 0.05, warningThreshold: 0.5, criticalThreshold: 0.7 });
    expect(c.cusum).toMatchObject({ k: 0.5, h: 5 });
    expect(c.stuckSensorMinutes).toBe(15);
    expect(c.simulatorEnabled).toBe(false);
    expect(c.jwt.expiryHours).toBe(8);
    expect(c.smtp).toBeNull();
    expect(Object.isFrozen(c.mqtt)).toBe(true);
  });

  it('stops with one line naming the variable and what it expects', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'eighty' }, /^PORT must be an integer >= 0 <= 65535 \(got "eighty"\)$/],
      [{ CUSUM_H: '-1' }, /^CUSUM_H must be a number >= 0.1/],
      [{ ANOMALY_CONTAMINATION: '2' }, /^ANOMALY_CONTAMINATION must be a number/],
      [{ SIMULATOR_ENABLED: 'perhaps' }, /^SIMULATOR_ENABLED must be true or false/],
      [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must start with "sqlite:" or "postgres:\/\/"/],
      [{ JWT_EXPIRY_HOURS: '0' }, /^JWT_EXPIRY_HOURS must be a number/],
      [{ ANOMALY_WARNING_THRESHOLD: '0.8', ANOMALY_CRITICAL_THRESHOLD: '0.6' }, /ANOMALY_CRITICAL_THRESHOLD/],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    ];
    for (const [env, message] of cases) {
      expect(() => load(env)).toThrow(ConfigError);
      expect(() => load(env)).toThrow(message);
    }
  });

  it('accepts relative, absolute and postgres database URLs', () => {
    expect(parseDatabaseUrl('sqlite:/var/lib/cmms/x.db')).toEqual({
      kind: 'sqlite',
      file: '/var/lib/cmms/x.db',
    });
    expect(parseDatabaseUrl('sqlite:./x.db')).toEqual({ kind: 'sqlite', file: path.resolve('x.db') });
    expect(parseDatabaseUrl('sqlite:///abs/y.db')).toEqual({ kind: 'sqlite', file: '/abs/y.db' });
    expect(parseDatabaseUrl('postgres://u@h:5432/db?schema=s1')).toEqual({
      kind: 'postgres',
      url: 'postgres://u@h:5432/db',
      schema: 's1',
    });
  });

  it('loads no demo data unless asked, and keeps an open broker on loopback only', () => {
    expect(load({}).seedDemo).toBe(false);
    expect(load({ SEED_DEMO: 'true' }).seedDemo).toBe(true);
    expect(load({}).mqtt.host).toBe('127.0.0.1');
    expect(load({ MQTT_USERNAME: 'cmms', MQTT_PASSWORD: 'secret-secret' }).mqtt.host).toBe('0.0.0.0');
    expect(load({ MQTT_LISTEN_HOST: '10.0.0.5' }).mqtt.host).toBe('10.0.0.5');
    expect(load({ MQTT_HOST: '10.0.0.6' }).mqtt.host).toBe('10.0.0.6');
  });

  it('refuses an open embedded broker in production, with one line', () => {
    const prod = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), AUDIT_KEY: 'k'.repeat(32) };
    expect(() => load(prod)).toThrow(
      /^MQTT_USERNAME and MQTT_PASSWORD must be set when NODE_ENV=production \(the embedded MQTT broker refuses anonymous clients\)$/,
    );
    expect(() => load({ ...prod, MQTT_USERNAME: 'cmms' })).toThrow(
      /^MQTT_USERNAME and MQTT_PASSWORD must be set together$/,
    );
    expect(() => load({ ...prod, MQTT_USERNAME: 'cmms', MQTT_PASSWORD: 'short' })).toThrow(
      /^MQTT_PASSWORD must be at least 12 characters/,
    );
    const ok = load({ ...prod, MQTT_USERNAME: 'cmms', MQTT_PASSWORD: 'long-enough-secret' });
    expect(ok.mqtt).toMatchObject({ username: 'cmms', host: '0.0.0.0' });
    // An external broker enforces its own logins (docs/mosquitto.conf).
    expect(load({ ...prod, MQTT_BROKER: 'mqtt://broker.plant:1883' }).mqtt.username).toBeNull();
  });

  it('refuses to start in production without JWT_SECRET, and otherwise keeps one generated secret', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'JWT_SECRET must be set when NODE_ENV=production',
      'MQTT_USERNAME and MQTT_PASSWORD must be set when NODE_ENV=production (the embedded MQTT broker refuses anonymous clients)',
      'AUDIT_KEY must be set when NODE_ENV=production',
    ]);
    const dir = tmp();
    const a = keepGeneratedSecrets(loadConfig({ DATA_DIR: dir }, { dotenvFile: null }));
    const b = loadConfig({ DATA_DIR: dir }, { dotenvFile: null });
    expect(a.jwt.secret).toHaveLength(64);
    expect(b.jwt).toMatchObject({ secret: a.jwt.secret, source: 'file' });
    expect(readFileSync(path.join(dir, 'jwt-secret'), 'utf8')).toBe(a.jwt.secret);
  });

  it('requires AUDIT_KEY in production, and otherwise keeps one generated key in the data folder', () => {
    const broker = { MQTT_USERNAME: 'cmms', MQTT_PASSWORD: 'long-enough-secret' };
    expect(() => load({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ...broker })).toThrow(
      /^AUDIT_KEY must be set when NODE_ENV=production$/,
    );
    expect(() => load({ AUDIT_KEY: 'short' })).toThrow(/^AUDIT_KEY must be at least 32 characters$/);
    expect(
      load({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), AUDIT_KEY: 'k'.repeat(32), ...broker })
        .audit,
    ).toMatchObject({ key: 'k'.repeat(32), source: 'env' });
    const dir = tmp();
    const a = keepGeneratedSecrets(loadConfig({ DATA_DIR: dir }, { dotenvFile: null }));
    const b = loadConfig({ DATA_DIR: dir }, { dotenvFile: null });
    expect(a.audit).toMatchObject({ source: 'file' });
    expect(b.audit).toMatchObject({ key: a.audit.key, source: 'file' });
    expect(readFileSync(path.join(dir, 'audit-key'), 'utf8')).toBe(a.audit.key);
  });

  it('reports every bad setting at once, one line each naming the variable and the value', () => {
    expect(problems({ PORT: 'abc', CUSUM_H: '-1', LOG_LEVEL: 'loud' })).toEqual([
      'PORT must be an integer >= 0 <= 65535 (got "abc")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'CUSUM_H must be a number >= 0.1 (got "-1")',
    ]);
    expect(() => load({ PORT: 'abc', CUSUM_H: '-1' })).toThrow(ConfigError);
    const many = ['INGEST_BATCH_SIZE', 'INGEST_FLUSH_MS', 'ML_TREES', 'JOBS_POLL_MS', 'SLA_HOURS_LOW'];
    const lines = problems({
      ...Object.fromEntries(many.map((n) => [n, 'x'])),
      SEED_DEMO: 'perhaps',
      SMTP_SECURE: 'maybe',
      ANOMALY_LEVEL_ALERTS: '2',
      REPORT_TIMEZONE: 'Mars/Olympus',
      MQTT_PROTOCOL_VERSION: '3',
    });
    expect(lines).toHaveLength(10);
    expect(lines).toContain(
      'REPORT_TIMEZONE must be an IANA time zone such as Africa/Lusaka or UTC (got "Mars/Olympus")',
    );
    expect(lines).toContain('MQTT_PROTOCOL_VERSION must be an integer >= 4 <= 5 (got "3")');
    // A rule between settings is checked with the rest, once its variables are well-formed.
    expect(
      problems({ SMTP_PORT: '0', ANOMALY_WARNING_THRESHOLD: '0.8', ANOMALY_CRITICAL_THRESHOLD: '0.6' }),
    ).toEqual([
      'SMTP_PORT must be an integer >= 1 <= 65535 (got "0")',
      'ANOMALY_CRITICAL_THRESHOLD must be >= ANOMALY_WARNING_THRESHOLD (got 0.6 < 0.8)',
    ]);
    expect(problems({ ANOMALY_WARNING_THRESHOLD: 'x', ANOMALY_CRITICAL_THRESHOLD: '0.6' })).toEqual([
      'ANOMALY_WARNING_THRESHOLD must be a number >= 0 <= 1 (got "x")',
    ]);
  });

  it('never repeats a secret in an error', () => {
    const lines = problems({ JWT_SECRET: 'short-jwt', METRICS_TOKEN: 'tok-123', AUDIT_KEY: 'audit-k' });
    expect(lines).toEqual([
      'JWT_SECRET must be at least 16 characters',
      'AUDIT_KEY must be at least 32 characters',
      'METRICS_TOKEN must be at least 16 characters',
    ]);
  });

  it('splits instruments into tag partitions only with PostgreSQL and an external broker', () => {
    const pg = { DATABASE_URL: 'postgres://cmms@db/cmms', MQTT_BROKER: 'mqtt://broker.plant:1883' };
    expect(load({ ...pg, INGEST_PARTITIONS: '16' }).ingest.partitions).toBe(16);
    expect(load({}).ingest.partitions).toBe(0);
    expect(problems({ INGEST_PARTITIONS: '16', MQTT_BROKER: pg.MQTT_BROKER })).toEqual([
      'INGEST_PARTITIONS needs DATABASE_URL on PostgreSQL (several processes share one database)',
    ]);
    expect(problems({ INGEST_PARTITIONS: '16', DATABASE_URL: pg.DATABASE_URL })).toEqual([
      'INGEST_PARTITIONS needs an external MQTT_BROKER (every process subscribes to it)',
    ]);
    expect(problems({ ...pg, INGEST_PARTITIONS: '16', MQTT_SHARED_GROUP: 'cmms' })).toEqual([
      'INGEST_PARTITIONS and MQTT_SHARED_GROUP are two ways to split readings: set one of them',
    ]);
  });

  it('parses MQTT_BROKER and DATABASE_URL at load', () => {
    expect(load({}).mqtt.target).toEqual({ mode: 'embedded' });
    expect(load({ MQTT_BROKER: 'broker.plant', MQTT_PORT: '1884' }).mqtt.target).toMatchObject({
      mode: 'external',
      url: 'mqtt://broker.plant:1884',
    });
    expect(load({ MQTT_BROKER: 'mqtts://u:pw@broker.plant:8883' }).mqtt.target).toMatchObject({
      mode: 'external',
      display: 'mqtts://broker.plant:8883',
    });
    expect(problems({ MQTT_BROKER: 'http://broker.plant' })).toEqual([
      'MQTT_BROKER must use mqtt:// or mqtts:// (got "http://broker.plant")',
    ]);
    expect(problems({ MQTT_BROKER: 'not a host!', DATABASE_URL: 'postgres://u@[bad' })).toEqual([
      'DATABASE_URL must be a valid postgres:// URL',
      'MQTT_BROKER must be "embedded", a host, or an mqtt:// or mqtts:// URL (got "not a host!")',
    ]);
    expect(problems({ DATABASE_URL: 'sqlite:' })).toEqual([
      'DATABASE_URL must name a file after "sqlite:" (e.g. sqlite:./data/cmms.db)',
    ]);
  });

  it('writes nothing while loading; start-up keeps generated secrets, and the first writer wins', () => {
    const dir = path.join(tmp(), 'data');
    const c = loadConfig({ DATA_DIR: dir }, { dotenvFile: null });
    expect(c.jwt.source).toBe('generated');
    expect(c.audit.source).toBe('generated');
    expect(existsSync(dir)).toBe(false);
    // Another process kept its secret between this load and this start-up: its value is the one.
    const other = keepGeneratedSecrets(loadConfig({ DATA_DIR: dir }, { dotenvFile: null }));
    const kept = keepGeneratedSecrets(c);
    expect(kept.jwt).toMatchObject({ secret: other.jwt.secret, source: 'file' });
    expect(kept.audit).toMatchObject({ key: other.audit.key, source: 'file' });
    expect(kept.connectors).toMatchObject({ secretKey: other.connectors.secretKey, secretKeySource: 'file' });
    expect(readdirSync(dir).sort()).toEqual(['audit-key', 'connector-key', 'jwt-secret']);
    expect(Object.isFrozen(kept.jwt)).toBe(true);
    // Secrets from the environment: nothing to keep.
    const given = load({
      JWT_SECRET: 'j'.repeat(20),
      AUDIT_KEY: 'a'.repeat(40),
      CONNECTOR_SECRET_KEY: 'c'.repeat(40),
    });
    expect(keepGeneratedSecrets(given)).toBe(given);
  });

  it('documents every setting in .env.example, with the schema default', () => {
    const example = readFileSync(path.resolve(import.meta.dirname, '../.env.example'), 'utf8');
    const documented = new Map(
      [...example.matchAll(/^# ([A-Z][A-Z0-9_]+)=(.*?)(?:[ \t]+#.*)?[ \t]*$/gm)].map(
        (m) => [m[1], m[2]] as const,
      ),
    );
    const names = Object.keys(SETTINGS.properties);
    // MQTT_HOST is the earlier name of MQTT_LISTEN_HOST, kept working but no longer advertised.
    expect(names.filter((n) => !documented.has(n) && n !== 'MQTT_HOST')).toEqual([]);
    expect([...documented.keys()].filter((n) => !names.includes(n))).toEqual([]);
    for (const [name, shown] of documented) {
      const fallback = (SETTINGS.properties as Record<string, { default?: unknown }>)[name].default;
      if (fallback !== undefined && shown !== '')
        expect(typeof fallback === 'number' ? fallback : String(fallback), name).toBe(
          typeof fallback === 'number' ? Number(shown) : shown,
        );
    }
  });

  it('reads a .env file, with the real environment taking precedence', () => {
    const dir = tmp();
    const file = path.join(dir, '.env');
    writeFileSync(file, 'PORT=9001\nCUSUM_K=0.75\nPLANT_NAME="Nkana Water Works"\n');
    const c = loadConfig({ DATA_DIR: dir, PORT: '9002' }, { dotenvFile: file });
    expect(c.port).toBe(9002);
    expect(c.cusum.k).toBe(0.75);
    expect(c.plantName).toBe('Nkana Water Works');
  });
});
