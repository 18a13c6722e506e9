import { bindAuditKey } from './audit/audit-log.ts';
import { type Config, ConfigError, keepGeneratedSecrets, loadConfig } from './config.ts';
import { type DatabaseHandle, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import {
  createGateway,
  deleteGateway,
  findGatewayByUsername,
  listGateways,
  resetGatewayPassword,
  updateGateway,
} from './gateways/gateway-service.ts';
import { createLogger, startServer } from './main.ts';
import { type AfterCommit, withAfterCommit } from './notifications/after-commit.ts';
import { createMailer } from './notifications/mailer.ts';
import { seedDemo } from './seed/seed-demo.ts';
import { EventBridge } from './shared/event-bridge.ts';
import { EventBus } from './shared/events.ts';
import { parseSimulateArgs, SIMULATE_HELP } from './simulator/cli-options.ts';
import { runSimulation } from './simulator/run-simulation.ts';
import { brokerTarget, loadSimInstruments, topicPrefixOf } from './simulator/runtime.ts';
import { redactUrl } from './simulator/simulator.ts';
import { createUser, findUserByEmployeeNumber, setPassword } from './users/user-service.ts';

const HELP = `The Copperbelt University CMMS

usage: npm run cli -- <command> [options]

  serve                                  start the server (what npm start runs)
  migrate                                apply database migrations
  seed                                   load the demo plant when the database has no instruments
  user add <employee_no> <full name> [--role admin|technician] [--email e] [--password p]
  user reset-password <employee_no> [--password p]
  simulate [options]                     publish simulated readings (see: npm run simulate -- --help)
  gateway add <name> [--description d] [--password p]   a broker login for a field gateway (prints its password once)
  gateway list
  gateway reset-password <name> [--password p]
  gateway disable <name> | gateway enable <name> | gateway remove <name>
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  args.splice(i, 2);
  return v;
}

/** The database for a command that changes audited records (so it binds the server's audit key). */
async function withDb<T>(fn: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const config = keepGeneratedSecrets(loadConfig());
  const handle = openDatabase(config.database);
  try {
    await migrateToLatest(handle);
    await bindAuditKey(handle.db, config.audit.key, new Date().toISOString());
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const args = [...rest];
  switch (cmd) {
    case 'serve': {
      const config = loadConfig();
      const server = await startServer(config);
      const shutdown = async (signal: string) => {
        server.ctx.log.info({ signal }, 'shutting down');
        await server.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      return -1; // keep running
    }
    case 'migrate': {
      const config = loadConfig();
      const handle = openDatabase(config.database);
      try {
        await migrateToLatest(handle, (m) => console.log(m));
        console.log('database is up to date');
      } finally {
        await handle.close();
      }
      return 0;
    }
    case 'simulate': {
      // --help answers without configuration, database or broker.
      if (args.includes('--help') || args.includes('-h')) {
        console.log(SIMULATE_HELP);
        return 0;
      }
      const config = loadConfig();
      const target = brokerTarget(config.mqtt);
      const options = parseSimulateArgs(args, {
        brokerUrl: target.url,
        username: target.username,
        password: target.password,
        topicPrefix: topicPrefixOf(config.mqtt.topic),
      });
      const instruments = await withDb((h) => loadSimInstruments(h.db));
      if (instruments.length === 0) {
        throw new Error(
          'no instruments to simulate: register some, or load the demo plant with `npm run cli -- seed`',
        );
      }
      const count = options.tags?.length ?? instruments.length;
      console.log(`simulating ${count} instruments -> ${redactUrl(options.brokerUrl)} (Ctrl-C stops)`);
      const status = await runSimulation(options, { instruments, logger: createLogger(config) });
      console.log(`published ${status.published} readings, ${status.skipped} skipped`);
      return 0;
    }
    case 'seed': {
      const config = loadConfig();
      const result = await withDb((h) => seedDemo(h.db, new Date(), (m) => console.log(m), config));
      if (!result.seeded) console.log('instruments already exist: nothing seeded');
      for (const u of result.users) console.log(`created ${u}`);
      return 0;
    }
    case 'user': {
      const sub = args.shift();
      if (sub === 'add') {
        const role = flag(args, 'role') ?? 'technician';
        const email = flag(args, 'email');
        const password = flag(args, 'password');
        const [employeeNumber, ...name] = args;
        if (!employeeNumber || name.length === 0)
          throw new Error('usage: user add <employee_no> <full name> [--role r]');
        if (role !== 'admin' && role !== 'technician') throw new Error('--role must be admin or technician');
        const { user, generatedPassword } = await withDb((h) =>
          createUser(
            h.db,
            null,
            { employee_number: employeeNumber, full_name: name.join(' '), role, email, password },
            new Date().toISOString(),
          ),
        );
        console.log(`created ${user.role} ${user.employee_number} (id ${user.id})`);
        if (generatedPassword) console.log(`one-time password: ${generatedPassword}`);
        return 0;
      }
      if (sub === 'reset-password') {
        const given = flag(args, 'password');
        const [employeeNumber] = args;
        if (!employeeNumber) throw new Error('usage: user reset-password <employee_no> [--password p]');
        const { generatedPassword } = await withDb(async (h) => {
          const u = await findUserByEmployeeNumber(h.db, employeeNumber);
          if (!u) throw new Error(`no user with employee number ${employeeNumber}`);
          return setPassword(
            h.db,
            null,
            u.id,
            given ?? null,
            { mustChange: !given, action: 'reset_password' },
            new Date().toISOString(),
          );
        });
        console.log(generatedPassword ? `one-time password: ${generatedPassword}` : 'password set');
        return 0;
      }
      throw new Error('usage: user add | user reset-password');
    }
    case 'gateway':
      return gatewayCommand(args);
    case undefined:
    case 'help':
    case '--help':
      console.log(HELP);
      return 0;
    default:
      throw new Error(`unknown command "${cmd}"\n${HELP}`);
  }
}

/**
 * Runs a change whose events the running servers must hear. The CLI process has no listeners of its
 * own: on PostgreSQL its events go to the servers through the event bridge (NOTIFY; a disabled
 * gateway's live connections are dropped at once); on SQLite there is no bridge, and the server's
 * embedded broker finds the change at its periodic re-check (ingestion-runtime.ts, 15 s).
 */
async function withServerEvents<T>(
  h: DatabaseHandle,
  config: Config,
  change: (after: AfterCommit) => Promise<T>,
): Promise<T> {
  const log = createLogger(config);
  const events = new EventBus();
  const mailer = createMailer(config.smtp, log);
  const bridge =
    config.database.kind === 'postgres'
      ? new EventBridge({
          db: h.db,
          url: config.database.url,
          schema: h.schema ?? 'public',
          events,
          log,
          origin: `cli-${process.pid}-${Date.now()}`,
        })
      : null;
  await bridge?.start();
  try {
    return await withAfterCommit({ events, mailer, log }, change);
  } finally {
    await bridge?.flush();
    await bridge?.stop();
    await mailer.close();
  }
}

/** Gateway broker logins, as the admin API manages them (audited, with no acting user). */
async function gatewayCommand(args: string[]): Promise<number> {
  const sub = args.shift();
  const at = new Date().toISOString();
  const config = loadConfig();
  const named = async (db: ReturnType<typeof openDatabase>['db'], name: string | undefined) => {
    if (!name) throw new Error(`usage: gateway ${sub} <name>`);
    const g = await findGatewayByUsername(db, name);
    if (!g) throw new Error(`no gateway named ${name}`);
    return g;
  };
  switch (sub) {
    case 'add': {
      const description = flag(args, 'description');
      const password = flag(args, 'password');
      const [username] = args;
      if (!username) throw new Error('usage: gateway add <name> [--description d] [--password p]');
      const created = await withDb((h) =>
        withServerEvents(h, config, (after) =>
          createGateway(h.db, null, { username, description, password }, at, config.mqtt.username, after),
        ),
      );
      console.log(`created gateway ${created.gateway.username} (id ${created.gateway.id})`);
      if (!password) console.log(`password (shown once): ${created.password}`);
      return 0;
    }
    case 'list': {
      const page = await withDb((h) => listGateways(h.db, { limit: 500, offset: 0 }));
      if (page.items.length === 0) console.log('no gateways');
      for (const g of page.items)
        console.log(
          `${g.username}\t${g.is_active ? 'enabled' : 'disabled'}\tpassword set ${g.password_changed_at}\t${g.description ?? ''}`,
        );
      return 0;
    }
    case 'reset-password': {
      const given = flag(args, 'password');
      const result = await withDb(async (h) => {
        const { id } = await named(h.db, args[0]);
        return withServerEvents(h, config, (after) => resetGatewayPassword(h.db, null, id, given, at, after));
      });
      console.log(given ? 'password set' : `password (shown once): ${result.password}`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      await withDb(async (h) => {
        const { id } = await named(h.db, args[0]);
        return withServerEvents(h, config, (after) =>
          updateGateway(h.db, null, id, { is_active: sub === 'enable' }, at, after),
        );
      });
      console.log(`gateway ${args[0]} ${sub}d`);
      return 0;
    }
    case 'remove': {
      await withDb(async (h) => {
        const { id } = await named(h.db, args[0]);
        return withServerEvents(h, config, (after) => deleteGateway(h.db, null, id, at, after));
      });
      console.log(`gateway ${args[0]} removed`);
      return 0;
    }
    default:
      throw new Error('usage: gateway add | list | reset-password | disable | enable | remove');
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    // One line per bad setting; the message for anything else.
    if (e instanceof ConfigError)
      console.error(
        e.problems.length === 1
          ? `configuration error: ${e.message}`
          : `configuration errors:\n${e.problems.map((p) => `  ${p}`).join('\n')}`,
      );
    else console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);

export { createLogger };
