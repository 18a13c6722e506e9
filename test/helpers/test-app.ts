import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { type RunningServer, startServer } from '../../src/main.ts';
import type { Clock } from '../../src/shared/clock.ts';

export const ADMIN = { employee_number: 'admin', password: 'Kitwe-control-room-1' };

export interface TestApp {
  server: RunningServer;
  url: string;
  dataDir: string;
  /** DATABASE_URL of this app, so a test can restart the server on the same data. */
  databaseUrl: string;
  env: Record<string, string>;
  api: ApiClient;
  adminToken: string;
  /** Logs the admin in again (after a test moved the clock past token expiry). */
  refreshAdmin(): Promise<string>;
  /** The broker this app ingests from, and the topic prefix its readings go to. */
  mqtt: MqttTarget;
  stop(): Promise<void>;
}

export interface MqttTarget {
  /** mqtt://host:port a publisher connects to (the embedded broker, or TEST_MQTT_URL). */
  url: string;
  host: string;
  port: number;
  /** Readings for tag T are published to `${topicPrefix}/T`. */
  topicPrefix: string;
  external: boolean;
}

/**
 * MQTT settings for a test app: the embedded broker on a free port, or, when TEST_MQTT_URL is set
 * (CI's Mosquitto), that broker with a client id and topic of its own so parallel runs never cross.
 */
export function testMqttEnv(): Record<string, string> {
  const external = process.env.TEST_MQTT_URL;
  if (!external) return { MQTT_PORT: '0' };
  const id = randomBytes(5).toString('hex');
  return {
    MQTT_BROKER: external,
    MQTT_CLIENT_ID: `cmms-test-${id}`,
    MQTT_TOPIC: `cmms-test/${id}/readings/#`,
    // The broker forgets a test's session a minute after it disconnects.
    MQTT_SESSION_EXPIRY_SECONDS: '60',
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export type ApiClient = <T = any>(
  method: string,
  path: string,
  opts?: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> },
) => Promise<ApiResponse<T>>;

export function apiClient(baseUrl: string, defaultToken?: () => string | null): ApiClient {
  return async (method, p, opts = {}) => {
    const token = opts.token === undefined ? (defaultToken?.() ?? null) : opts.token;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers['content-type'] ??= 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${baseUrl}${p}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('application/json'))
      parsed = text ? JSON.parse(text) : null;
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
}

/** A fresh database for one test app: a temporary SQLite file, or a new schema in the run's PostgreSQL database. */
export async function freshDatabaseUrl(dataDir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const runUrl = inject('pgRunUrl');
  if (!runUrl) return { url: `sqlite:${path.join(dataDir, 'cmms.db')}`, drop: async () => {} };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: runUrl });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
  const u = new URL(runUrl);
  u.searchParams.set('schema', schema);
  return {
    url: u.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: runUrl });
      await d.connect();
      await d.query(`drop schema if exists ${schema} cascade`);
      await d.end();
    },
  };
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: Clock;
  /** Reuse the database of an earlier app (to test restarts). */
  databaseUrl?: string;
  dataDir?: string;
  /** Receives the app's log lines (JSON, one per write); set LOG_LEVEL in env to see them. */
  logDestination?: { write(line: string): void };
}

/** Starts the real product (same startServer as production) on an ephemeral port. */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'cmms-test-'));
  const db = opts.databaseUrl
    ? { url: opts.databaseUrl, drop: async () => {} }
    : await freshDatabaseUrl(dataDir);
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'test-secret-that-is-long-enough',
    ADMIN_EMPLOYEE_NUMBER: ADMIN.employee_number,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_DEMO: 'false',
    ...testMqttEnv(),
    ...(opts.env ?? {}),
  };
  const config = loadConfig(env, { dotenvFile: null });
  const server = await startServer(config, {
    clock: opts.clock,
    print: () => {},
    logDestination: opts.logDestination,
  });
  let adminToken = '';
  const api = apiClient(server.url, () => adminToken);
  const refreshAdmin = async () => {
    const login = await api('POST', '/api/auth/login', { token: null, body: ADMIN });
    if (login.status !== 200) throw new Error(`admin login failed: ${JSON.stringify(login.body)}`);
    adminToken = login.body.access_token;
    return adminToken;
  };
  await refreshAdmin();
  const broker = server.ctx.ingestion?.broker();
  const brokerUrl = new URL(
    broker?.mode === 'external' ? config.mqtt.broker : (broker?.url ?? 'mqtt://127.0.0.1:1883'),
  );
  const mqtt: MqttTarget = {
    url: `mqtt://${brokerUrl.hostname}:${brokerUrl.port || 1883}`,
    host: brokerUrl.hostname,
    port: Number(brokerUrl.port || 1883),
    topicPrefix: config.mqtt.topic.replace(/\/?#$/, ''),
    external: broker?.mode === 'external',
  };
  return {
    server,
    mqtt,
    url: server.url,
    dataDir,
    databaseUrl: db.url,
    env,
    api,
    get adminToken() {
      return adminToken;
    },
    refreshAdmin,
    async stop() {
      await server.stop();
      await db.drop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
