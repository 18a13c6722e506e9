// The Modbus TCP poller against a real Modbus TCP server (modbus-serial's ServerTCP) on a free port:
// scaling and word order, batching, bad data, a device that goes away and comes back.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModbusAdapter, type ModbusPoint } from '../../src/connectors/modbus/index.ts';
import type { ConnectorAdapter } from '../../src/connectors/types.ts';
import { type ModbusPeer, startModbusPeer } from '../helpers/modbus-peer.ts';
import { type RecordingSink, recordingSink } from '../helpers/recording-sink.ts';
import { waitFor, waitUntil } from '../helpers/wait.ts';

const log = pino({ level: 'silent' });

const POINTS: ModbusPoint[] = [
  // A 4-20 mA input card: 0..32000 counts over 0..16 bar.
  {
    tag: 'PT-1',
    register_type: 'holding',
    address: 0,
    data_type: 'uint16',
    scaling: { raw_min: 0, raw_max: 32000, eng_min: 0, eng_max: 16 },
  },
  { tag: 'TT-1', register_type: 'holding', address: 1, data_type: 'float32' },
  { tag: 'FT-1', register_type: 'holding', address: 3, data_type: 'float32', word_order: 'little' },
  {
    tag: 'LT-1',
    register_type: 'input',
    address: 10,
    data_type: 'int16',
    scaling: { scale: 0.1, offset: 0 },
  },
  { tag: 'CT-1', register_type: 'input', address: 11, data_type: 'int32' },
];

describe('Modbus TCP adapter', () => {
  let peer: ModbusPeer;
  let sink: RecordingSink;
  let adapter: ConnectorAdapter | null = null;

  beforeEach(async () => {
    peer = await startModbusPeer();
    sink = recordingSink();
  });
  afterEach(async () => {
    await adapter?.stop();
    adapter = null;
    await peer.stop();
  });

  const make = (points = POINTS, config: Record<string, number> = {}) =>
    createModbusAdapter({
      sourceId: 1,
      name: 'PLC-1',
      config: { host: '127.0.0.1', port: peer.port, poll_interval_ms: 100, timeout_ms: 500, ...config },
      points,
      sink,
      log,
      env: { embeddedBroker: () => null },
    });

  it('polls, decodes, scales and delivers every mapped register with good quality', async () => {
    peer.holding[0] = 16000;
    peer.setFloat32('holding', 1, 81.25);
    peer.setFloat32('holding', 3, 12.5, 'little');
    peer.input[10] = 0x10000 - 35; // -35 as a register holds it
    peer.setInt32('input', 11, 100_000);
    adapter = make();
    await adapter.start();
    const latest = await waitFor('one reading per point', () => {
      const tags = new Set(sink.readings.map((r) => r.tag));
      return tags.size === POINTS.length && sink.readings;
    });
    const value = (tag: string) => latest.filter((r) => r.tag === tag)[0];
    expect(value('PT-1')).toMatchObject({ value: 8, quality: 'good' });
    expect(value('TT-1')).toMatchObject({ value: 81.25, quality: 'good' });
    expect(value('FT-1')).toMatchObject({ value: 12.5, quality: 'good' });
    expect(value('LT-1').value).toBeCloseTo(-3.5, 10);
    expect(value('CT-1')).toMatchObject({ value: 100_000, quality: 'good' });
    expect(Math.abs(value('PT-1').ts - Date.now())).toBeLessThan(60_000);
    const status = adapter.status();
    expect(status).toMatchObject({ state: 'connected', lastError: null });
    expect(status.readingsPerMinute).toBeGreaterThanOrEqual(POINTS.length);
    expect(status.lastReadingAt).not.toBeNull();

    // Values that change on the device show up in later polls.
    peer.holding[0] = 32000;
    await waitFor('the new pressure', () => sink.of('PT-1').some((r) => r.value === 16));
  });

  it('reads contiguous registers in one request per register type', async () => {
    // A long interval: only the first poll happens within the test.
    adapter = make(POINTS, { poll_interval_ms: 600_000 });
    const before = peer.requests;
    await adapter.start();
    await waitFor('the first poll', () => sink.readings.length === POINTS.length);
    // holding 0..4 and input 10..12.
    expect(peer.requests - before).toBe(2);
  });

  it('marks a NaN float bad and keeps its last good value', async () => {
    peer.setFloat32('holding', 1, 20);
    adapter = make();
    await adapter.start();
    await waitFor('a good TT-1', () => sink.of('TT-1').some((r) => r.quality === 'good' && r.value === 20));
    peer.setFloat32('holding', 1, Number.NaN);
    const bad = await waitFor('a bad TT-1', () => sink.of('TT-1').find((r) => r.quality === 'bad'));
    expect(bad.value).toBe(20);
    expect(sink.of('PT-1').at(-1)?.quality).toBe('good');
  });

  it('marks the points of a read the device refuses bad and reports it, keeping the others', async () => {
    peer.illegal.add(11);
    adapter = make();
    await adapter.start();
    await waitFor('bad input points', () => sink.of('CT-1').find((r) => r.quality === 'bad'));
    expect(sink.of('LT-1').every((r) => r.quality === 'bad')).toBe(true);
    expect(sink.of('PT-1').every((r) => r.quality === 'good')).toBe(true);
    const status = adapter.status();
    expect(status.state).toBe('connected');
    expect(status.lastError).toMatch(/input registers 10\.\.12/);
    peer.illegal.clear();
    await waitFor('good input points again', () => sink.of('CT-1').at(-1)?.quality === 'good');
    await waitUntil(
      () => adapter?.status().lastError,
      (e) => e === null,
      { what: 'the error to clear' },
    );
  });

  it('marks points bad when the device goes away, reconnects with back-off and resumes', async () => {
    peer.setFloat32('holding', 1, 50);
    adapter = make();
    await adapter.start();
    await waitFor('good readings', () => sink.of('TT-1').some((r) => r.quality === 'good'));
    await peer.stop();
    const down = await waitUntil(
      () => adapter?.status(),
      (s) => s?.state === 'error' || s?.state === 'connecting',
      { what: 'the adapter to see the device gone' },
    );
    expect(down?.lastError).toBeTruthy();
    const bad = await waitFor('bad readings after the loss', () =>
      sink.of('TT-1').find((r) => r.quality === 'bad'),
    );
    expect(bad.value).toBe(50);
    const mark = sink.readings.length;

    peer.setFloat32('holding', 1, 51);
    await peer.start();
    await waitFor('readings to resume', () =>
      sink.since(mark).some((r) => r.tag === 'TT-1' && r.quality === 'good' && r.value === 51),
    );
    await waitUntil(
      () => adapter?.status(),
      (s) => s?.state === 'connected' && s.lastError === null,
      { what: 'the adapter to report connected' },
    );
    // The outage flagged each point once, not once per failed reconnect.
    expect(sink.of('TT-1').filter((r) => r.quality === 'bad')).toHaveLength(1);
  });

  it('tests a connection: a description when it works, a clear error when it does not', async () => {
    adapter = make();
    expect(await adapter.testConnection()).toMatch(
      /Connected to 127\.0\.0\.1:\d+ unit 1; read 5 holding register/,
    );
    await peer.stop();
    await expect(adapter.testConnection()).rejects.toThrow(
      /cannot connect to Modbus device at 127\.0\.0\.1:\d+/,
    );
    await peer.start();
    peer.illegal.add(0);
    await expect(adapter.testConnection()).rejects.toThrow(/Modbus read failed/);
  });

  it('stops cleanly while the device is unreachable', async () => {
    await peer.stop();
    adapter = make();
    await adapter.start();
    expect(adapter.status().state).toBe('error');
    await adapter.stop();
    expect(adapter.status().state).toBe('stopped');
    adapter = null;
    await peer.start();
  });
});
