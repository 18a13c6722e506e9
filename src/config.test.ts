import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl } from './config.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'cmms-config-'));
const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: tmp(), ...env }, { dotenvFile: null });

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
    expect(() => load({ NODE_ENV: 'production' })).toThrow(
      /^JWT_SECRET must be set when NODE_ENV=production$/,
    );
    const dir = tmp();
    const a = loadConfig({ DATA_DIR: dir }, { dotenvFile: null });
    const b = loadConfig({ DATA_DIR: dir }, { dotenvFile: null });
    expect(a.jwt.secret).toHaveLength(64);
    expect(b.jwt.secret).toBe(a.jwt.secret);
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
    const a = loadConfig({ DATA_DIR: dir }, { dotenvFile: null });
    const b = loadConfig({ DATA_DIR: dir }, { dotenvFile: null });
    expect(a.audit).toMatchObject({ source: 'file' });
    expect(b.audit.key).toBe(a.audit.key);
    expect(readFileSync(path.join(dir, 'audit-key'), 'utf8')).toBe(a.audit.key);
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
