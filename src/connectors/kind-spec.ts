import type { TSchema } from 'typebox';
import type { AdapterFactory, ConnectorAdapter } from './types.ts';

/** A problem the schemas cannot express, named like a schema error (`config.password`, `points[2].scaling`). */
export interface ConfigProblem {
  field: string;
  message: string;
}

/**
 * Checks across fields that a JSON schema cannot say (a zero-width scaling range, a login without
 * its password). Called with values that already passed the schemas; secret fields hold their
 * clear value (a kept one included); `points` is [] for a connection test.
 */
export type ProblemsHook<Config, Point> = (config: Config, points: Point[]) => ConfigProblem[];

/** One kind of connector: its schemas, secret fields and adapter factory (see registry.ts). */
export interface ConnectorKindSpec {
  /** Shown in the admin page. */
  label: string;
  configSchema: TSchema;
  pointSchema: TSchema;
  /** Top-level config fields that hold secrets (password, private_key...): encrypted, never returned. */
  secretFields: readonly string[];
  factory: AdapterFactory<unknown, unknown>;
  problems?: ProblemsHook<unknown, unknown>;
}

/** Types the factory by its own schemas; the manager only ever passes it values that passed them. */
export function defineConnectorKind<Config, Point>(spec: {
  label: string;
  configSchema: TSchema;
  pointSchema: TSchema;
  secretFields: readonly string[];
  factory: AdapterFactory<Config, Point>;
  problems?: ProblemsHook<Config, Point>;
}): ConnectorKindSpec {
  return spec as unknown as ConnectorKindSpec;
}

/**
 * A factory whose adapter code (and protocol library) is loaded on first use, so a server without
 * such a source, and every CLI command, never pays for loading it (node-opcua: seconds of CPU).
 */
export function lazyFactory<Config, Point>(
  load: () => Promise<AdapterFactory<Config, Point>>,
): AdapterFactory<Config, Point> {
  let loading: Promise<AdapterFactory<Config, Point>> | null = null;
  return (args) => {
    let adapter: ConnectorAdapter | null = null;
    let stopped = false;
    const real = async (): Promise<ConnectorAdapter> => {
      loading ??= load();
      adapter ??= (await loading)(args);
      return adapter;
    };
    return {
      async start() {
        const a = await real();
        if (!stopped) await a.start();
      },
      async stop() {
        stopped = true;
        await adapter?.stop();
      },
      status: () =>
        adapter?.status() ?? {
          state: stopped ? 'stopped' : 'connecting',
          lastError: null,
          lastReadingAt: null,
          readingsPerMinute: 0,
        },
      testConnection: async () => (await real()).testConnection(),
    };
  };
}
