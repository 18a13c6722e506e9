// An OPC UA source: the endpoint and how to log in (config) and the nodes mapped to instruments (points).

import { type Static, Type } from 'typebox';
import { StrictObject } from '../../http/schemas.ts';
import type { ConfigProblem } from '../kind-spec.ts';

/**
 * The OPC UA node id text form (Part 6, 5.3.1.10): an optional namespace index or URI, then a numeric,
 * string, GUID or opaque identifier. Checked here without node-opcua, which loads on first use.
 */
const NODE_ID =
  /^(?:(?:ns=\d+|nsu=[^;]+);)?(?:i=\d+|s=.+|g=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/=]+)$/;

export const OPCUA_SECURITY_POLICIES = [
  'None',
  'Basic256Sha256',
  'Aes128_Sha256_RsaOaep',
  'Aes256_Sha256_RsaPss',
  'Basic256',
  'Basic128Rsa15',
] as const;

export const OpcuaConfigSchema = StrictObject({
  endpoint_url: Type.String({
    pattern: '^opc\\.tcp://[^\\s/]+',
    maxLength: 500,
    description: 'Server endpoint, e.g. opc.tcp://plc-1:4840',
  }),
  security_mode: Type.Optional(
    Type.Union([Type.Literal('None'), Type.Literal('Sign'), Type.Literal('SignAndEncrypt')], {
      description: 'Message security (default None)',
    }),
  ),
  security_policy: Type.Optional(
    Type.Union(
      [
        Type.Literal('None'),
        Type.Literal('Basic256Sha256'),
        Type.Literal('Aes128_Sha256_RsaOaep'),
        Type.Literal('Aes256_Sha256_RsaPss'),
        Type.Literal('Basic256'),
        Type.Literal('Basic128Rsa15'),
      ],
      { description: 'Security policy (default None; Basic256Sha256 when the mode signs)' },
    ),
  ),
  auth: Type.Optional(
    Type.Union([Type.Literal('anonymous'), Type.Literal('username'), Type.Literal('certificate')], {
      description: 'How the session logs in (default anonymous)',
    }),
  ),
  username: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  password: Type.Optional(
    Type.String({ maxLength: 500, description: 'Secret: stored encrypted, never returned' }),
  ),
  certificate: Type.Optional(
    Type.String({ maxLength: 20_000, description: 'User certificate (PEM) for auth=certificate' }),
  ),
  private_key: Type.Optional(
    Type.String({ maxLength: 20_000, description: 'Private key (PEM) of that certificate. Secret' }),
  ),
  publishing_interval_ms: Type.Optional(
    Type.Integer({
      minimum: 50,
      maximum: 3_600_000,
      description: 'Subscription publishing interval (default 1000)',
    }),
  ),
  timeout_ms: Type.Optional(
    Type.Integer({
      minimum: 500,
      maximum: 120_000,
      description: 'Connect and request timeout (default 10000)',
    }),
  ),
});
export type OpcuaConfig = Static<typeof OpcuaConfigSchema>;

export const OpcuaPointSchema = StrictObject({
  node_id: Type.String({
    minLength: 1,
    maxLength: 500,
    description: 'e.g. ns=2;s=Boiler.PT-101 or ns=3;i=1001',
  }),
  tag: Type.String({ minLength: 1, maxLength: 100, description: 'Instrument tag the value is for' }),
  sampling_interval_ms: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 3_600_000,
      description: 'Server-side sampling (default: the publishing interval)',
    }),
  ),
  deadband: Type.Optional(
    StrictObject({
      type: Type.Union([Type.Literal('absolute'), Type.Literal('percent')]),
      value: Type.Number({
        minimum: 0,
        description: 'Engineering units (absolute) or % of the EURange (percent)',
      }),
    }),
  ),
});
export type OpcuaPoint = Static<typeof OpcuaPointSchema>;

/** Config fields stored encrypted and never returned by the API. */
export const OPCUA_SECRET_FIELDS: readonly string[] = ['password', 'private_key'];

/** What the schema cannot say: credentials the chosen login needs, a policy that fits the mode. */
export function opcuaConfigProblems(c: OpcuaConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field: `config.${field}`, message });
  const auth = c.auth ?? 'anonymous';
  if (auth === 'username' && !c.username) add('username', 'config.username: auth=username needs a username');
  if (auth === 'username' && c.password === undefined)
    add('password', 'config.password: auth=username needs a password');
  if (auth === 'certificate' && !c.certificate)
    add('certificate', 'config.certificate: auth=certificate needs a certificate (PEM)');
  else if (auth === 'certificate' && !c.certificate?.includes('-----BEGIN CERTIFICATE-----'))
    add('certificate', 'config.certificate: must be PEM (-----BEGIN CERTIFICATE-----)');
  if (auth === 'certificate' && !c.private_key)
    add('private_key', 'config.private_key: auth=certificate needs the private key (PEM)');
  const mode = c.security_mode ?? 'None';
  if (mode === 'None' && c.security_policy !== undefined && c.security_policy !== 'None')
    add(
      'security_policy',
      `config.security_policy: ${c.security_policy} needs security_mode Sign or SignAndEncrypt`,
    );
  if (mode !== 'None' && c.security_policy === 'None')
    add('security_policy', `config.security_policy: security_mode ${mode} needs a policy other than None`);
  return problems;
}

/** Node ids that do not parse, and tags mapped twice. */
export function opcuaPointProblems(points: OpcuaPoint[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  points.forEach((p, i) => {
    const at = `points[${i}]`;
    if (seen.has(p.tag))
      problems.push({ field: `${at}.tag`, message: `${at}.tag: ${p.tag} is mapped more than once` });
    seen.add(p.tag);
    if (!NODE_ID.test(p.node_id)) {
      problems.push({
        field: `${at}.node_id`,
        message: `${at}.node_id: ${p.node_id} is not an OPC UA node id (ns=2;s=Name or ns=2;i=1001)`,
      });
    }
  });
  return problems;
}
