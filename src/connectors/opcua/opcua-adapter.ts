// The OPC UA client: connects to an endpoint, opens a session and one subscription with a monitored
// item per mapped node (sampling interval and deadband per point), and hands changed values to the
// sink, batched per publish. Our own supervisor (SupervisedAdapter), not node-opcua's built-in
// reconnection, owns the connection: a lost connection, closed session or terminated subscription
// tears the client down, marks the points bad once, and connects afresh after a back-off, so a
// server that restarted (and forgot our session) is handled the same as a network cut.

import {
  AttributeIds,
  type ClientSession,
  type ClientSubscription,
  coerceNodeId,
  DataChangeFilter,
  DataChangeTrigger,
  type DataValue,
  DeadbandType,
  MessageSecurityMode,
  type MonitoringParametersOptions,
  OPCUAClient,
  type ReadValueIdOptions,
  SecurityPolicy,
  TimestampsToReturn,
  type UserIdentityInfo,
  UserTokenType,
} from 'node-opcua-client';
import { Backoff, errorText, SupervisedAdapter, withTimeout } from '../adapter-runtime.ts';
import type { AdapterArgs, AdapterFactory } from '../types.ts';
import { numberOf, qualityOf, timeOf } from './data-values.ts';
import type { OpcuaConfig, OpcuaPoint } from './schemas.ts';

const DEFAULT_PUBLISHING_MS = 1000;
const DEFAULT_TIMEOUT_MS = 10_000;

export const createOpcuaAdapter: AdapterFactory<OpcuaConfig, OpcuaPoint> = (args) => new OpcuaAdapter(args);

interface Connection {
  client: OPCUAClient;
  session: ClientSession;
}

class OpcuaAdapter extends SupervisedAdapter<Connection> {
  private readonly cfg: OpcuaConfig;
  private readonly points: OpcuaPoint[];
  private readonly timeoutMs: number;

  constructor(args: AdapterArgs<OpcuaConfig, OpcuaPoint>) {
    super(args, {
      protocol: 'opcua',
      peer: { endpoint: args.config.endpoint_url },
      tags: args.points.map((p) => p.tag),
      backoff: new Backoff(1000, 30_000),
    });
    this.cfg = args.config;
    this.points = args.points;
    this.timeoutMs = args.config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  }

  async testConnection(): Promise<string> {
    const conn = await this.connect();
    try {
      const values = this.points.length
        ? await withTimeout(
            conn.session.read(
              this.points.map((p) => ({ nodeId: p.node_id, attributeId: AttributeIds.Value })),
            ),
            this.timeoutMs,
            'the server did not answer a read in time',
          )
        : [];
      const unknown = values
        .map((dv, i) => ({ dv, p: this.points[i] }))
        .filter(({ dv }) => /BadNodeId/.test(dv.statusCode.name))
        .map(({ dv, p }) => `${p.node_id} (${dv.statusCode.name})`);
      if (unknown.length > 0)
        throw new Error(`connected, but these nodes do not exist: ${unknown.join(', ')}`);
      const good = values.filter((dv) => qualityOf(dv.statusCode.value) === 'good').length;
      return `Connected to ${this.cfg.endpoint_url} (security ${this.cfg.security_mode ?? 'None'}, ${this.cfg.auth ?? 'anonymous'} login); ${good} of ${this.points.length} mapped node(s) read good`;
    } finally {
      await this.disconnect(conn);
    }
  }

  /** One session with one subscription, until the connection, session or subscription is lost. */
  protected async session(conn: Connection, signal: AbortSignal): Promise<void> {
    const lost = this.watch(conn);
    const { subscription, refused } = await this.subscribe(conn.session);
    lost.also(subscription);
    // The connection is up, but the admin should see which mappings the server refused.
    this.connected(refused.length > 0 ? `monitored items refused: ${refused.join('; ')}` : null);
    this.answered();
    const reason = await Promise.race([lost.promise, abortedPromise(signal)]);
    if (!signal.aborted) throw new Error(reason);
  }

  protected async disconnect(conn: Connection): Promise<void> {
    await withTimeout(conn.session.close(), 2000, 'session close timed out').catch(() => {});
    await withTimeout(conn.client.disconnect(), 2000, 'disconnect timed out').catch(() => {});
  }

  protected async connect(): Promise<Connection> {
    const { mode, policy } = this.security();
    const client = OPCUAClient.create({
      applicationName: 'CBU CMMS',
      endpointMustExist: false,
      securityMode: MessageSecurityMode[mode],
      securityPolicy: SecurityPolicy[policy],
      // One attempt: the adapter's own loop retries with back-off.
      connectionStrategy: { maxRetry: 0, initialDelay: 500, maxDelay: 1000 },
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      defaultTransactionTimeout: this.timeoutMs,
    });
    const url = this.cfg.endpoint_url;
    try {
      await withTimeout(client.connect(url), this.timeoutMs, `no answer within ${this.timeoutMs} ms`);
    } catch (e) {
      await client.disconnect().catch(() => {});
      throw new Error(`cannot connect to OPC UA server ${url}: ${errorText(e)}`);
    }
    try {
      const session = await withTimeout(
        client.createSession(this.identity()),
        this.timeoutMs,
        `no session within ${this.timeoutMs} ms`,
      );
      return { client, session };
    } catch (e) {
      const why = await this.refusal(client, e);
      await client.disconnect().catch(() => {});
      throw new Error(`connected to ${url} but the session was refused: ${why}`);
    }
  }

  private security() {
    const mode = this.cfg.security_mode ?? 'None';
    return { mode, policy: this.cfg.security_policy ?? (mode === 'None' ? 'None' : 'Basic256Sha256') };
  }

  /** Why the server refused the session, in words an admin can act on (node-opcua's say little). */
  private async refusal(client: OPCUAClient, e: unknown): Promise<string> {
    const text = errorText(e).trim();
    if (/End point must exist/.test(text)) {
      const { mode, policy } = this.security();
      const endpoints = await withTimeout(client.getEndpoints(), this.timeoutMs, 'no endpoints').catch(
        () => [],
      );
      const offers = [
        ...new Set(
          endpoints.map(
            (ep) => `${MessageSecurityMode[ep.securityMode]}/${ep.securityPolicyUri?.split('#')[1] ?? '?'}`,
          ),
        ),
      ];
      return `the server has no endpoint with security ${mode}/${policy}${offers.length > 0 ? ` (it offers ${offers.join(', ')})` : ''}`;
    }
    const code = /Bad(UserAccessDenied|IdentityTokenInvalid|IdentityTokenRejected)\b/.exec(text)?.[0];
    if (!code) return text;
    if (this.cfg.auth === 'username')
      return `the server refused user ${this.cfg.username} (${code}): check the user name and password`;
    if (this.cfg.auth === 'certificate')
      return `the server refused the user certificate (${code}): it must trust that certificate`;
    return `the server refused an anonymous login (${code}): log in with a user name or certificate`;
  }

  private identity(): UserIdentityInfo {
    const c = this.cfg;
    if (c.auth === 'username')
      return { type: UserTokenType.UserName, userName: c.username ?? '', password: c.password ?? '' };
    if (c.auth === 'certificate')
      return {
        type: UserTokenType.Certificate,
        certificateData: pemToDer(c.certificate ?? ''),
        privateKey: c.private_key ?? '',
      };
    return { type: UserTokenType.Anonymous };
  }

  /** Resolves with why the connection is no longer usable. */
  private watch(conn: Connection) {
    let settle!: (reason: string) => void;
    const promise = new Promise<string>((resolve) => {
      settle = resolve;
    });
    conn.client.on('connection_lost', () => settle('connection to the OPC UA server lost'));
    conn.client.on('close', () => settle('connection to the OPC UA server closed'));
    conn.session.on('session_closed', () => settle('the OPC UA session was closed'));
    conn.session.on('keepalive_failure', () => settle('the OPC UA session stopped answering keep-alives'));
    return {
      promise,
      also(subscription: ClientSubscription) {
        subscription.on('terminated', () => settle('the OPC UA subscription was terminated'));
        subscription.on('internal_error', (err: Error) => settle(`subscription error: ${err.message}`));
      },
    };
  }

  private async subscribe(
    session: ClientSession,
  ): Promise<{ subscription: ClientSubscription; refused: string[] }> {
    const publishing = this.cfg.publishing_interval_ms ?? DEFAULT_PUBLISHING_MS;
    const subscription = await withTimeout(
      session.createSubscription2({
        requestedPublishingInterval: publishing,
        requestedLifetimeCount: 100,
        requestedMaxKeepAliveCount: 10,
        maxNotificationsPerPublish: 10_000,
        publishingEnabled: true,
        priority: 1,
      }),
      this.timeoutMs,
      'the server did not create the subscription in time',
    );
    // One group per distinct sampling interval and deadband: one service call each, not one per point.
    const groups = new Map<string, { params: MonitoringParametersOptions; indexes: number[] }>();
    this.points.forEach((p, i) => {
      const key = `${p.sampling_interval_ms ?? publishing}|${p.deadband?.type ?? ''}|${p.deadband?.value ?? ''}`;
      const group = groups.get(key) ?? { params: monitoringParameters(p, publishing), indexes: [] };
      group.indexes.push(i);
      groups.set(key, group);
    });
    const refused: string[] = [];
    for (const { params, indexes } of groups.values()) {
      const items: ReadValueIdOptions[] = indexes.map((i) => ({
        nodeId: coerceNodeId(this.points[i].node_id),
        attributeId: AttributeIds.Value,
      }));
      const group = await withTimeout(
        subscription.monitorItems(items, params, TimestampsToReturn.Both),
        this.timeoutMs,
        'the server did not create the monitored items in time',
      );
      group.on('changed', (_item: unknown, dv: DataValue, index: number) =>
        this.received(indexes[index], dv),
      );
      group.monitoredItems.forEach((item, k) => {
        const code = item.statusCode;
        if (qualityOf(code.value) !== 'bad') return;
        const p = this.points[indexes[k]];
        refused.push(`${p.node_id}: ${code.name}`);
        void this.deliver([this.last.reading(p.tag, Date.now(), Number.NaN, 'bad')]);
      });
    }
    // The current values at once, read: the live value should not wait for the next change, and a
    // new subscription's first notification was seen not to come (node-opcua server under load).
    // A value also notified is stored once (same source time); bad ones were reported above.
    try {
      const values = await withTimeout(
        session.read(this.points.map((p) => ({ nodeId: p.node_id, attributeId: AttributeIds.Value }))),
        this.timeoutMs,
        'the server did not answer the first read in time',
      );
      values.forEach((dv, i) => {
        if (qualityOf(dv.statusCode.value) !== 'bad') this.received(i, dv);
      });
    } catch (e) {
      this.log.warn({ err: errorText(e) }, 'opcua first read failed; values follow from the subscription');
    }
    if (refused.length > 0) this.log.warn({ refused }, 'opcua monitored items refused');
    return { subscription, refused };
  }

  private received(index: number, dv: DataValue): void {
    const p = this.points[index];
    const value = numberOf(dv);
    const quality = qualityOf(dv.statusCode.value);
    // Values of one publish arrive as separate events in one tick: deliver() batches them.
    void this.deliver([this.last.reading(p.tag, timeOf(dv, Date.now()), value, quality)]);
  }
}

function monitoringParameters(p: OpcuaPoint, publishing: number): MonitoringParametersOptions {
  return {
    samplingInterval: p.sampling_interval_ms ?? publishing,
    discardOldest: true,
    queueSize: 10,
    filter: p.deadband
      ? new DataChangeFilter({
          trigger: DataChangeTrigger.StatusValue,
          deadbandType: p.deadband.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent,
          deadbandValue: p.deadband.value,
        })
      : null,
  };
}

function abortedPromise(signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve('stopped');
    signal.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
}

function pemToDer(pem: string): Buffer {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}
