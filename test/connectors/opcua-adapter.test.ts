// The OPC UA client against a real OPC UA server (node-opcua's OPCUAServer) on a free port: values
// and status codes through a subscription, an absolute deadband, logins, refused nodes.
import { StatusCodes } from 'node-opcua-client';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpcuaAdapter } from '../../src/connectors/opcua/opcua-adapter.ts';
import type { OpcuaConfig, OpcuaPoint } from '../../src/connectors/opcua/schemas.ts';
import type { ConnectorAdapter } from '../../src/connectors/types.ts';
import { OPERATOR, type OpcuaPeer, startOpcuaPeer } from '../helpers/opcua-peer.ts';
import { type RecordingSink, recordingSink } from '../helpers/recording-sink.ts';
import { waitFor, waitUntil } from '../helpers/wait.ts';

const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
const POINTS: OpcuaPoint[] = [
  { node_id: 'ns=1;s=PT-1', tag: 'PT-1', sampling_interval_ms: 50 },
  {
    node_id: 'ns=1;s=TT-1',
    tag: 'TT-1',
    sampling_interval_ms: 50,
    deadband: { type: 'absolute', value: 0.5 },
  },
];

describe('OPC UA adapter', () => {
  let peer: OpcuaPeer;
  let sink: RecordingSink;
  let adapter: ConnectorAdapter | null = null;

  beforeAll(async () => {
    peer = await startOpcuaPeer(['PT-1', 'TT-1']);
  }, 60_000);
  afterAll(async () => {
    await peer.close();
  });
  afterEach(async () => {
    await adapter?.stop();
    adapter = null;
  });

  const make = (points = POINTS, config: Partial<OpcuaConfig> = {}) => {
    sink = recordingSink();
    return createOpcuaAdapter({
      sourceId: 7,
      name: 'PLC-UA',
      config: { endpoint_url: peer.url, publishing_interval_ms: 100, timeout_ms: 5000, ...config },
      points,
      sink,
      log,
      env: { embeddedBroker: () => null },
    });
  };

  it('subscribes and delivers changing values with their status as quality', async () => {
    peer.set('PT-1', 4.25);
    peer.set('TT-1', 80);
    adapter = make();
    await adapter.start();
    expect(adapter.status()).toMatchObject({ state: 'connected', lastError: null });
    await waitFor(
      'the initial values',
      () => sink.of('PT-1').some((r) => r.value === 4.25) && sink.of('TT-1').length,
    );
    expect(sink.of('TT-1')[0]).toMatchObject({ value: 80, quality: 'good' });

    peer.set('PT-1', 5.5);
    await waitFor('the new value', () =>
      sink.of('PT-1').find((r) => r.value === 5.5 && r.quality === 'good'),
    );

    // Uncertain and Bad status codes become our qualities; a bad value carries the last good one.
    peer.set('PT-1', 5.75, StatusCodes.UncertainLastUsableValue);
    await waitFor('an uncertain reading', () =>
      sink.of('PT-1').find((r) => r.quality === 'uncertain' && r.value === 5.75),
    );
    peer.set('PT-1', Number.NaN, StatusCodes.BadSensorFailure);
    const bad = await waitFor('a bad reading', () => sink.of('PT-1').find((r) => r.quality === 'bad'));
    expect(bad.value).toBe(5.75);
    // A NaN with a Good status is still no value.
    peer.set('PT-1', 6, StatusCodes.Good);
    await waitFor('good again', () => sink.of('PT-1').find((r) => r.value === 6 && r.quality === 'good'));
    peer.set('PT-1', Number.NaN, StatusCodes.Good);
    await waitUntil(
      () => sink.of('PT-1').at(-1),
      (r) => r?.quality === 'bad' && r.value === 6,
      { what: 'a NaN marked bad' },
    );

    const status = adapter.status();
    expect(status.readingsPerMinute).toBeGreaterThanOrEqual(sink.readings.length);
    expect(status.lastReadingAt).not.toBeNull();
  });

  it('an absolute deadband drops changes smaller than it and passes larger ones', async () => {
    peer.set('TT-1', 80);
    // The node twice: with the deadband, and without it as the proof that the server sampled each value.
    adapter = make([
      {
        node_id: 'ns=1;s=TT-1',
        tag: 'TT-1',
        sampling_interval_ms: 50,
        deadband: { type: 'absolute', value: 0.5 },
      },
      { node_id: 'ns=1;s=TT-1', tag: 'TT-1-all', sampling_interval_ms: 50 },
    ]);
    await adapter.start();
    await waitFor('the initial values', () => sink.of('TT-1').length > 0 && sink.of('TT-1-all').length > 0);
    for (const v of [80.3, 80.45, 81, 80.7, 79]) {
      peer.set('TT-1', v);
      await waitFor(`${v} sampled`, () => sink.of('TT-1-all').some((r) => r.value === v));
    }
    await waitFor('the last large change', () => sink.of('TT-1').some((r) => r.value === 79));
    // Measured from the last value reported (80, then 81), not from the last one sampled.
    expect([...new Set(sink.of('TT-1').map((r) => r.value))]).toEqual([80, 81, 79]);
    expect([...new Set(sink.of('TT-1-all').map((r) => r.value))]).toEqual([80, 80.3, 80.45, 81, 80.7, 79]);
  });

  it('logs in with a user name and password, and says clearly when they are wrong', async () => {
    adapter = make(POINTS, { auth: 'username', username: OPERATOR.username, password: OPERATOR.password });
    expect(await adapter.testConnection()).toMatch(
      /Connected to opc\.tcp:\/\/127\.0\.0\.1:\d+\/UA\/test .*username login.*2 of 2/,
    );
    const wrong = make(POINTS, { auth: 'username', username: OPERATOR.username, password: 'nope' });
    await expect(wrong.testConnection()).rejects.toThrow(/session was refused/);
  });

  it('names nodes that do not exist, in the test and in status', async () => {
    const points = [...POINTS, { node_id: 'ns=1;s=NOPE', tag: 'XX-1' }];
    adapter = make(points);
    await expect(adapter.testConnection()).rejects.toThrow(/ns=1;s=NOPE \(BadNodeIdUnknown\)/);
    await adapter.start();
    expect(adapter.status()).toMatchObject({ state: 'connected' });
    expect(adapter.status().lastError).toMatch(/ns=1;s=NOPE: BadNodeIdUnknown/);
    await waitFor('XX-1 marked bad', () => sink.of('XX-1').find((r) => r.quality === 'bad'));
  });

  it('says clearly when nothing listens at the endpoint', async () => {
    adapter = make(POINTS, { endpoint_url: 'opc.tcp://127.0.0.1:1/UA/none', timeout_ms: 2000 });
    await expect(adapter.testConnection()).rejects.toThrow(
      /cannot connect to OPC UA server opc\.tcp:\/\/127\.0\.0\.1:1/,
    );
  });
});
