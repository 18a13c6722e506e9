// Command-line options of `npm run simulate -- ...`. Parsing is separate from running so it can be
// unit-tested and so every mistake is reported with the flag it concerns before anything connects.
import { InvalidFaultError } from './errors.ts';
import { type FaultSpec, parseFaultSpec } from './fault-spec.ts';

export interface CliFault {
  tag: string;
  spec: FaultSpec;
}

export interface SimulateOptions {
  help: boolean;
  brokerUrl: string;
  username?: string;
  password?: string;
  rateMultiplier: number;
  /** Only these tags; null means every instrument. */
  tags: string[] | null;
  faults: CliFault[];
  /** Stop after this many seconds; null runs until interrupted. */
  durationSeconds: number | null;
  topicPrefix: string;
  seed?: number;
}

/** Values the caller takes from configuration (MQTT_BROKER, MQTT_USERNAME, ...) when a flag is absent. */
export type SimulateDefaults = Partial<
  Pick<SimulateOptions, 'brokerUrl' | 'username' | 'password' | 'topicPrefix'>
>;

export const SIMULATE_HELP = `Usage: npm run simulate -- [options]

Publishes simulated readings of the registered instruments over MQTT as
{"tag","timestamp","value","unit"} JSON to <topic-prefix>/<tag>, QoS 1.

Options:
  --broker <url>          Broker URL (default mqtt://localhost:1883; "host:port" means mqtt://host:port)
  --username <name>       Broker user name
  --password <secret>     Broker password (prefer MQTT_PASSWORD in the environment: arguments
                          are visible to other users of the machine)
  --rate <n>              Publish n times as often as each instrument's interval (default 1)
  --tags <A,B,...>        Simulate only these tags (default: all instruments)
  --fault <spec>          Inject a fault at start; repeatable. <spec> is
                          TAG:KIND[:param=value[,param=value...]], e.g.
                            PT-101:drift:ratePctPerDay=5
                            TT-201:stuck
                            FT-301:spike:magnitudePct=40,intervalSeconds=60
                            LT-401:out_of_range:direction=low
                            PT-101:oscillation:periodSeconds=30,amplitudePct=4,durationSeconds=600
                          Kinds: drift (ratePctPerDay | ratePerDay), bias (offset | offsetPct),
                          stuck [value], spike [magnitude | magnitudePct] [intervalSeconds],
                          out_of_range [direction=low|high] [mA], dropout,
                          oscillation periodSeconds [amplitude | amplitudePct];
                          every kind also takes durationSeconds.
  --duration <seconds>    Stop after this long (default: run until Ctrl-C)
  --topic-prefix <prefix> Topic prefix (default plant/readings)
  --seed <n>              Seed for reproducible signals (integer)
  -h, --help              Show this help
`;

const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:'];

function flagError(flag: string, message: string): Error {
  return new Error(`${flag}: ${message}`);
}

function positiveNumber(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw flagError(flag, `expected a positive number, got "${raw}"`);
  return n;
}

function brokerUrl(raw: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `mqtt://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw flagError('--broker', `not a valid URL: "${raw}"`);
  }
  if (!BROKER_SCHEMES.includes(url.protocol)) {
    throw flagError('--broker', `unsupported scheme ${url.protocol} (use ${BROKER_SCHEMES.join(' ')})`);
  }
  if (url.hostname === '') throw flagError('--broker', `missing host in "${raw}"`);
  return withScheme;
}

function tagList(raw: string): string[] {
  const tags = raw
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (tags.length === 0) throw flagError('--tags', 'expected a comma-separated list of tags');
  return [...new Set(tags)];
}

/** Numbers become numbers; everything else (direction=low) stays text for the validator to judge. */
function paramValue(raw: string): string | number {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

/** Parses TAG:KIND[:k=v[,k=v...]] (parameters may also be separated by further colons). */
export function parseFaultArg(raw: string): CliFault {
  const [tag, kind, ...rest] = raw.split(':').map((p) => p.trim());
  if (!tag || !kind) throw flagError('--fault', `expected TAG:KIND[:param=value,...], got "${raw}"`);
  const body: Record<string, unknown> = { kind };
  for (const pair of rest.flatMap((p) => p.split(',')).filter((p) => p.trim() !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw flagError('--fault', `expected param=value, got "${pair}" in "${raw}"`);
    body[pair.slice(0, eq).trim()] = paramValue(pair.slice(eq + 1).trim());
  }
  try {
    return { tag, spec: parseFaultSpec(body) };
  } catch (e) {
    if (e instanceof InvalidFaultError) throw flagError('--fault', `${raw}: ${e.message}`);
    throw e;
  }
}

const VALUE_FLAGS = [
  '--broker',
  '--username',
  '--password',
  '--rate',
  '--tags',
  '--fault',
  '--duration',
  '--topic-prefix',
  '--seed',
] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

/** Parses the arguments after `simulate`; throws an Error whose message starts with the flag at fault. */
export function parseSimulateArgs(argv: readonly string[], defaults: SimulateDefaults = {}): SimulateOptions {
  const opts: SimulateOptions = {
    help: false,
    brokerUrl: defaults.brokerUrl ?? 'mqtt://localhost:1883',
    username: defaults.username,
    password: defaults.password,
    rateMultiplier: 1,
    tags: null,
    faults: [],
    durationSeconds: null,
    topicPrefix: defaults.topicPrefix ?? 'plant/readings',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      opts.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = (arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg) as ValueFlag;
    if (!VALUE_FLAGS.includes(flag)) {
      throw flagError(
        arg.startsWith('-') ? flag : arg,
        arg.startsWith('-') ? 'unknown option' : 'unexpected argument',
      );
    }
    let value: string;
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      const nextArg = argv[i + 1];
      // A following "--flag" is not a value (catches "--broker --rate 2").
      if (nextArg === undefined || nextArg.startsWith('--')) throw flagError(flag, 'expects a value');
      value = nextArg;
      i++;
    }
    applyFlag(opts, flag, value);
  }
  if (opts.tags !== null) {
    const missing = opts.faults.find((f) => !opts.tags?.includes(f.tag));
    if (missing) throw flagError('--fault', `tag ${missing.tag} is not in --tags`);
  }
  return opts;
}

function applyFlag(opts: SimulateOptions, flag: ValueFlag, value: string): void {
  switch (flag) {
    case '--broker':
      opts.brokerUrl = brokerUrl(value);
      return;
    case '--username':
      opts.username = value;
      return;
    case '--password':
      opts.password = value;
      return;
    case '--rate':
      opts.rateMultiplier = positiveNumber(flag, value);
      return;
    case '--tags':
      opts.tags = tagList(value);
      return;
    case '--fault':
      opts.faults.push(parseFaultArg(value));
      return;
    case '--duration':
      opts.durationSeconds = positiveNumber(flag, value);
      return;
    case '--topic-prefix': {
      const prefix = value.trim().replace(/\/+$/, '');
      if (prefix === '' || /[#+]/.test(prefix)) throw flagError(flag, 'expected a topic without wildcards');
      opts.topicPrefix = prefix;
      return;
    }
    case '--seed': {
      const n = Number(value);
      if (!Number.isInteger(n)) throw flagError(flag, `expected an integer, got "${value}"`);
      opts.seed = n;
      return;
    }
  }
}
