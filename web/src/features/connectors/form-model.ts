import type {
  ConnectorKind,
  ModbusConfig,
  ModbusPoint,
  OpcuaConfig,
  OpcuaPoint,
  SparkplugConfig,
  SparkplugPoint,
} from '../../lib/api-types.ts';

// The source form is driven by the kind: each kind lists its config fields and its point fields,
// keyed by the server schema's own field names (paths into nested objects, `scaling.raw_min`), so a
// renamed field fails typecheck. The form holds text; `build` turns it into the body, leaving
// empty fields out so the server's defaults apply, and the server's 400 names a field by the same
// path (`config.port`, `points[2].scaling.raw_max`), which `fieldOfError` maps back onto the form.

type Sub<V> = V extends readonly unknown[] ? never : V extends object ? keyof V & string : never;
/** `port`, `scaling`, `scaling.raw_min`... of a schema's type. */
type PathOf<T> = { [K in keyof T & string]-?: K | `${K}.${Sub<NonNullable<T[K]>>}` }[keyof T & string];

export type Values = Record<string, string>;

export interface FieldDef<T> {
  /** The field's path in the schema, or `_name` for a form-only choice that is not sent. */
  key: PathOf<T> | `_${string}`;
  label: string;
  input: 'text' | 'number' | 'select' | 'checkbox' | 'textarea' | 'secret';
  /** For a select; the value '' means "left out" (the server's default). */
  options?: readonly { value: string; label: string }[];
  hint?: string;
  required?: boolean;
  placeholder?: string;
  /** Shown (and sent) only when this holds. */
  when?: (v: Values) => boolean;
  /** A form-only field's value read from a stored object. */
  derive?: (stored: Record<string, unknown>) => string;
  /** The value a new source or point starts with. */
  initial?: string;
}

export interface KindForm<C, P> {
  label: string;
  blurb: string;
  config: FieldDef<C>[];
  point: FieldDef<P>[];
}

const opts = (...xs: [string, string][]) => xs.map(([value, label]) => ({ value, label }));
const TAG = {
  key: 'tag' as const,
  label: 'Instrument tag',
  input: 'text' as const,
  required: true,
  hint: 'The instrument this value feeds',
};

const modbus: KindForm<ModbusConfig, ModbusPoint> = {
  label: 'Modbus TCP',
  blurb: 'Polls registers of a PLC, RTU or gateway over Modbus TCP.',
  config: [
    { key: 'host', label: 'Host', input: 'text', required: true, placeholder: '192.168.1.20' },
    { key: 'port', label: 'Port', input: 'number', placeholder: '502' },
    { key: 'unit_id', label: 'Unit id', input: 'number', placeholder: '1' },
    { key: 'poll_interval_ms', label: 'Poll interval (ms)', input: 'number', placeholder: '1000' },
    { key: 'timeout_ms', label: 'Timeout (ms)', input: 'number', placeholder: '2000' },
    {
      key: 'max_registers_per_read',
      label: 'Registers per read',
      input: 'number',
      placeholder: '125',
      hint: 'Lower it for devices that allow fewer',
    },
  ],
  point: [
    TAG,
    {
      key: 'register_type',
      label: 'Register type',
      input: 'select',
      options: opts(['holding', 'Holding'], ['input', 'Input']),
      initial: 'holding',
    },
    { key: 'address', label: 'Address', input: 'number', required: true, hint: 'Zero-based' },
    {
      key: 'data_type',
      label: 'Data type',
      input: 'select',
      options: opts(
        ['int16', 'int16'],
        ['uint16', 'uint16'],
        ['int32', 'int32'],
        ['uint32', 'uint32'],
        ['float32', 'float32'],
      ),
      initial: 'uint16',
    },
    {
      key: 'word_order',
      label: 'Word order',
      input: 'select',
      options: opts(['', 'High word first'], ['little', 'Low word first (swapped)']),
      when: (v) => !['int16', 'uint16'].includes(v.data_type),
    },
    {
      key: '_scaling',
      label: 'Scaling',
      input: 'select',
      options: opts(
        ['', 'None (raw value)'],
        ['range', 'Raw range → engineering range'],
        ['factor', 'Factor and offset'],
      ),
      derive: (p) => {
        const s = p.scaling as Record<string, unknown> | undefined;
        return !s ? '' : 'raw_min' in s ? 'range' : 'factor';
      },
    },
    ...(['raw_min', 'raw_max', 'eng_min', 'eng_max'] as const).map((k) => ({
      key: `scaling.${k}` as const,
      label: { raw_min: 'Raw min', raw_max: 'Raw max', eng_min: 'Eng. min', eng_max: 'Eng. max' }[k],
      input: 'number' as const,
      required: true,
      when: (v: Values) => v._scaling === 'range',
    })),
    {
      key: 'scaling.scale',
      label: 'Factor',
      input: 'number',
      required: true,
      when: (v) => v._scaling === 'factor',
    },
    { key: 'scaling.offset', label: 'Offset', input: 'number', when: (v) => v._scaling === 'factor' },
  ],
};

const opcua: KindForm<OpcuaConfig, OpcuaPoint> = {
  label: 'OPC UA',
  blurb: 'Subscribes to nodes of an OPC UA server.',
  config: [
    {
      key: 'endpoint_url',
      label: 'Endpoint URL',
      input: 'text',
      required: true,
      placeholder: 'opc.tcp://plc-1:4840',
    },
    {
      key: 'security_mode',
      label: 'Security mode',
      input: 'select',
      options: opts(['', 'None'], ['Sign', 'Sign'], ['SignAndEncrypt', 'Sign and encrypt']),
    },
    {
      key: 'security_policy',
      label: 'Security policy',
      input: 'select',
      options: opts(
        ['', 'Default'],
        ['None', 'None'],
        ['Basic256Sha256', 'Basic256Sha256'],
        ['Aes128_Sha256_RsaOaep', 'Aes128_Sha256_RsaOaep'],
        ['Aes256_Sha256_RsaPss', 'Aes256_Sha256_RsaPss'],
        ['Basic256', 'Basic256 (deprecated)'],
        ['Basic128Rsa15', 'Basic128Rsa15 (deprecated)'],
      ),
      hint: 'Default: None, or Basic256Sha256 when the mode signs',
    },
    {
      key: 'auth',
      label: 'Log in',
      input: 'select',
      options: opts(
        ['', 'Anonymous'],
        ['username', 'User name and password'],
        ['certificate', 'Certificate'],
      ),
    },
    { key: 'username', label: 'User name', input: 'text', when: (v) => v.auth === 'username' },
    { key: 'password', label: 'Password', input: 'secret', when: (v) => v.auth === 'username' },
    {
      key: 'certificate',
      label: 'User certificate (PEM)',
      input: 'textarea',
      when: (v) => v.auth === 'certificate',
    },
    {
      key: 'private_key',
      label: 'Private key (PEM)',
      input: 'secret',
      when: (v) => v.auth === 'certificate',
    },
    {
      key: 'publishing_interval_ms',
      label: 'Publishing interval (ms)',
      input: 'number',
      placeholder: '1000',
    },
    { key: 'timeout_ms', label: 'Timeout (ms)', input: 'number', placeholder: '10000' },
  ],
  point: [
    { key: 'node_id', label: 'Node id', input: 'text', required: true, placeholder: 'ns=2;s=Boiler.PT-101' },
    TAG,
    {
      key: 'sampling_interval_ms',
      label: 'Sampling (ms)',
      input: 'number',
      hint: 'Default: the publishing interval',
    },
    {
      key: 'deadband.type',
      label: 'Deadband',
      input: 'select',
      options: opts(['', 'None'], ['absolute', 'Absolute'], ['percent', 'Percent of range']),
    },
    {
      key: 'deadband.value',
      label: 'Deadband value',
      input: 'number',
      required: true,
      when: (v) => v['deadband.type'] !== '' && v['deadband.type'] !== undefined,
    },
  ],
};

const sparkplug: KindForm<SparkplugConfig, SparkplugPoint> = {
  label: 'MQTT Sparkplug B',
  blurb: 'Follows Sparkplug B edge nodes on this CMMS’s broker or another one.',
  config: [
    {
      key: 'broker',
      label: 'Broker',
      input: 'text',
      required: true,
      initial: 'embedded',
      hint: '"embedded" (this CMMS’s broker) or mqtt://host:port, mqtts://host:port',
    },
    { key: 'username', label: 'User name', input: 'text' },
    { key: 'password', label: 'Password', input: 'secret' },
    { key: 'client_id', label: 'Client id', input: 'text' },
    { key: 'group_id', label: 'Group id', input: 'text', hint: 'Only this group (default: every group)' },
    {
      key: 'map_metric_names',
      label: 'Metrics named like a tag feed it without a point',
      input: 'checkbox',
    },
    {
      key: 'rebirth_on_gap',
      label: 'Ask for a rebirth on a sequence gap',
      input: 'checkbox',
      initial: 'true',
    },
  ],
  point: [
    TAG,
    { key: 'group_id', label: 'Group id', input: 'text', required: true },
    { key: 'edge_node_id', label: 'Edge node id', input: 'text', required: true },
    { key: 'device_id', label: 'Device id', input: 'text', hint: 'Empty for a metric of the node itself' },
    { key: 'metric', label: 'Metric name', input: 'text', required: true },
    { key: 'scale', label: 'Scale', input: 'number', placeholder: '1' },
    { key: 'offset', label: 'Offset', input: 'number', placeholder: '0' },
  ],
};

// biome-ignore lint/suspicious/noExplicitAny: each kind's form is typed against its own schema above
export const KIND_FORMS: Record<ConnectorKind, KindForm<any, any>> = { modbus, opcua, sparkplug };
export const KIND_ORDER: readonly ConnectorKind[] = ['modbus', 'opcua', 'sparkplug'];

type AnyField = FieldDef<unknown>;

const shown = (f: AnyField, v: Values) => !f.when || f.when(v);

/** Form text for a stored object (a new one when null). */
export function toValues(fields: AnyField[], stored: Record<string, unknown> | null): Values {
  const v: Values = {};
  for (const f of fields) {
    if (f.input === 'secret') v[f.key] = '';
    else if (!stored) v[f.key] = f.initial ?? '';
    else if (f.derive) v[f.key] = f.derive(stored);
    else {
      const raw = f.key
        .split('.')
        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], stored);
      v[f.key] = raw === undefined || raw === null ? (f.input === 'checkbox' ? 'false' : '') : String(raw);
    }
  }
  return v;
}

/** What a secret field does on save: keep the stored value, replace it, or clear it (null). */
export type SecretMode = 'keep' | 'replace' | 'clear';

/** The body object for the shown fields; empty fields are left out, numbers sent as numbers. */
export function build(
  fields: AnyField[],
  v: Values,
  secrets: Record<string, SecretMode> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.key.startsWith('_') || !shown(f, v)) continue;
    let value: unknown;
    const text = v[f.key] ?? '';
    if (f.input === 'secret') {
      const mode = secrets[f.key] ?? 'replace';
      if (mode === 'keep') continue;
      if (mode === 'clear') value = null;
      else if (text === '') continue;
      else value = text;
    } else if (f.input === 'checkbox') value = text === 'true';
    else if (text.trim() === '') continue;
    // Not a number: sent as text, so the server names the field.
    else if (f.input === 'number') value = Number.isFinite(Number(text)) ? Number(text) : text;
    else value = f.input === 'textarea' ? text : text.trim();
    const path = f.key.split('.');
    let at = out;
    for (const k of path.slice(0, -1)) {
      at[k] = at[k] ?? {};
      at = at[k] as Record<string, unknown>;
    }
    at[path[path.length - 1]] = value;
  }
  // A secret left out while the login that needs it is not chosen: clear what is stored.
  for (const f of fields)
    if (f.input === 'secret' && !shown(f, v) && secrets[f.key] === 'keep') out[f.key] = null;
  return out;
}

export const visible = (fields: AnyField[], v: Values) => fields.filter((f) => shown(f, v));

/** Where a server 400 points: `name`, a config field, or a point's field. */
export type ErrorSpot =
  | { at: 'name' }
  | { at: 'config'; key: string }
  | { at: 'point'; index: number; key: string }
  | { at: 'form' };

/** Maps the server's field name onto the form field that shows it (the nearest one that is shown). */
export function fieldOfError(
  field: string | null,
  kind: ConnectorKind,
  config: Values,
  points: Values[],
): ErrorSpot {
  if (!field) return { at: 'form' };
  const f = field.replace(/^body\./, '');
  if (f === 'name') return { at: 'name' };
  const forms = KIND_FORMS[kind];
  const nearest = (fields: AnyField[], v: Values, rest: string) =>
    visible(fields, v).find((d) => d.key === rest || d.key.startsWith(`${rest}.`))?.key;
  const cfg = /^config\.(.+)$/.exec(f);
  if (cfg) {
    const key = nearest(forms.config, config, cfg[1]);
    return key ? { at: 'config', key } : { at: 'form' };
  }
  const pt = /^points(?:\[(\d+)\]|\.(\d+))\.(.+)$/.exec(f);
  if (pt) {
    const index = Number(pt[1] ?? pt[2]);
    const key = points[index] ? nearest(forms.point, points[index], pt[3]) : undefined;
    return key ? { at: 'point', index, key } : { at: 'form' };
  }
  return { at: 'form' };
}

/** The server's message without the field path it starts with (the form shows it by the field). */
export function fieldMessage(serverMessage: string): string {
  const t = serverMessage.replace(/^(body\.)?(config|points)[\w.[\]]*:?\s*/, '').trim();
  if (!t) return 'Not accepted.';
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
