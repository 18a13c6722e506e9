import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { buildApp } from './http/app.ts';
import { seedDemo } from './seed/seed-demo.ts';
import { type Clock, systemClock } from './shared/clock.ts';
import { EventBus } from './shared/events.ts';
import { ensureAdmin } from './users/bootstrap-admin.ts';

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Print function for the one-time admin password (tests capture it). */
  print?: (text: string) => void;
}

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  stop(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    // Secrets never reach a log line, whatever a caller passes.
    redact: {
      paths: [
        'req.headers.authorization',
        '*.password',
        '*.password_hash',
        '*.token',
        'password',
        'password_hash',
      ],
      censor: '[redacted]',
    },
  });
}

/**
 * The composition root: config -> database -> (ingestion, detectors, schedulers) -> HTTP.
 * `npm start`, the CLI and every integration test start the product through this one function.
 */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.logger ?? createLogger(config);
  const clock = opts.clock ?? systemClock;
  const handle = openDatabase(config.database);
  const stops: (() => Promise<void> | void)[] = [];
  try {
    await migrateToLatest(handle, (m) => log.info(m));
    const now = clock.now();
    await ensureAdmin(handle.db, config.admin, now.toISOString(), opts.print);
    if (config.seedDemo) {
      const seeded = await seedDemo(handle.db, now, (m) => log.info(m));
      if (seeded.seeded && seeded.users.length) {
        (opts.print ?? ((t: string) => process.stdout.write(t)))(
          `  Demo technicians: ${seeded.users.join(', ')}\n`,
        );
      }
    }

    const ctx: AppContext = {
      config,
      db: handle.db,
      dialect: handle.dialect,
      clock,
      log,
      events: new EventBus(),
      health: new Map(),
      metrics: new Registry(),
      live: { lastReading: () => null },
    };

    const app = await buildApp(ctx);
    await app.listen({ port: config.port, host: config.host });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    log.info({ url, dialect: handle.dialect }, 'CBU CMMS listening');

    let stopped = false;
    return {
      app,
      ctx,
      url,
      async stop() {
        if (stopped) return;
        stopped = true;
        await app.close();
        for (const s of stops.reverse()) await s();
        await handle.close();
      },
    };
  } catch (e) {
    for (const s of stops.reverse()) await s();
    await handle.close();
    throw e;
  }
}
