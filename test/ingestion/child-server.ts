// The real server as a child process (`node --import tsx src/cli.ts serve`), so a test can kill it
// with SIGKILL the way a power cut or the OOM killer would.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ADMIN, type ApiClient, apiClient } from '../helpers/test-app.ts';

export { freePort } from '../../src/simulator/test-broker.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  api: ApiClient;
  /** Log lines seen so far (JSON objects), for diagnosing a failure. */
  logs: Record<string, unknown>[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnServer(env: Record<string, string>, timeoutMs = 90_000): Promise<ChildServer> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  proc.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line);
      } catch {
        return;
      }
      logs.push(o);
      if (o.msg === 'CBU CMMS listening' && typeof o.url === 'string') {
        clearTimeout(timer);
        resolve(o.url);
      }
    });
  });
  let token: string | null = null;
  const api = apiClient(url, () => token);
  const login = await api('POST', '/api/auth/login', { token: null, body: ADMIN });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  token = login.body.access_token;
  return {
    proc,
    url,
    api,
    logs,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill(signal);
      await exited;
    },
  };
}

/** Base environment for a child server on `databaseUrl` (ADMIN credentials as in startTestApp). */
export function childEnv(dataDir: string, databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    JWT_SECRET: 'test-secret-that-is-long-enough',
    ADMIN_EMPLOYEE_NUMBER: ADMIN.employee_number,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_DEMO: 'false',
  };
}

/** True when something accepts TCP connections on host:port. */
export async function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** A port nothing listens on (from the OS, then released). */
