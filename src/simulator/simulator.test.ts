import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidFaultError, UnknownTagError } from './errors.ts';
import { milliampsAt } from './faults.ts';
import { SAMPLE_INSTRUMENTS } from './sample-instruments.ts';
import type { SimInstrument } from './signals.ts';
import { redactUrl, Simulator, type SimulatorLogger } from './simulator.ts';
import { freePort, type Received, startBroker, subscribe, type TestBroker, waitFor } from './test-broker.ts';

interface Reading {
  tag: string;
  timestamp: string;
  value: number;
  unit: string;
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function broker(opts?: Parameters<typeof startBroker>[0]): Promise<TestBroker> {
  const b = await startBroker(opts);
  cleanups.push(() => b.close());
  return b;
}

async function subscriber(
  url: string,
  filter = 'plant/readings/#',
): Promise<{ client: MqttClient; messages: Received[] }> {
  const s = await subscribe(url, filter);
  cleanups.push(() => s.client.endAsync(true));
  return s;
}

function simulator(
  opts: Partial<ConstructorParameters<typeof Simulator>[0]> & { brokerUrl: string },
): Simulator {
  const sim = new Simulator({ instruments: SAMPLE_INSTRUMENTS, seed: 1, ...opts });
  cleanups.push(() => sim.stop());
  return sim;
}

const readingsOf = (messages: Received[], tag?: string): Reading[] =>
  messages.map((m) => JSON.parse(m.payload) as Reading).filter((r) => tag === undefined || r.tag === tag);

describe('Simulator over MQTT (in-process aedes broker)', () => {
  it('publishes well-formed JSON readings for every instrument', async () => {
    const b = await broker();
    const { messages } = await subscriber(b.url);
    const logger: SimulatorLogger = pino({ level: 'silent' });
    const sim = simulator({ brokerUrl: b.url, rateMultiplier: 10, logger });
    sim.start();
    // Rate 10: FT-301 every 0.2 s, PT-101 every 0.5 s, TT-201 and LT-401 every 1 s.
    await waitFor(
      () => SAMPLE_INSTRUMENTS.every((i) => readingsOf(messages, i.tag).length >= 2),
      10_000,
      'readings',
    );

    for (const m of messages) {
      const r = JSON.parse(m.payload) as Reading;
      expect(Object.keys(r).sort()).toEqual(['tag', 'timestamp', 'unit', 'value']);
      const inst = SAMPLE_INSTRUMENTS.find((i) => i.tag === r.tag)!;
      expect(m.topic).toBe(`plant/readings/${r.tag}`);
      expect(r.unit).toBe(inst.unit);
      expect(typeof r.value).toBe('number');
      expect(r.value).toBeGreaterThan(inst.rangeMin);
      expect(r.value).toBeLessThan(inst.rangeMax);
      expect(new Date(r.timestamp).toISOString()).toBe(r.timestamp);
      expect(Math.abs(Date.parse(r.timestamp) - Date.now())).toBeLessThan(60_000);
    }
    for (const i of SAMPLE_INSTRUMENTS) {
      const ts = readingsOf(messages, i.tag).map((r) => Date.parse(r.timestamp));
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    }
    // Flow publishes 5× as often as temperature.
    expect(readingsOf(messages, 'FT-301').length).toBeGreaterThan(readingsOf(messages, 'TT-201').length);

    const status = sim.status();
    expect(status).toMatchObject({
      running: true,
      connected: true,
      broker: b.url,
      instruments: 4,
      faults: [],
    });
    expect(status.published).toBeGreaterThan(0);
    expect(Date.parse(status.started_at!)).toBeLessThanOrEqual(Date.now());
    await sim.stop();
    expect(sim.status().running).toBe(false);
  });

  it('applies injected faults to the published values and clears them', async () => {
    const b = await broker();
    const { messages } = await subscriber(b.url, 'plant/readings/PT-101');
    const pt = SAMPLE_INSTRUMENTS[0];
    const sim = simulator({ brokerUrl: b.url, rateMultiplier: 25, instruments: [pt] });
    sim.start();
    await waitFor(() => messages.length >= 2, 10_000, 'clean readings');

    const fault = sim.injectFault('PT-101', { kind: 'out_of_range', direction: 'high' });
    expect(fault).toMatchObject({
      tag: 'PT-101',
      kind: 'out_of_range',
      params: { direction: 'high' },
      ends_at: null,
    });
    expect(sim.status().faults).toEqual([fault]);
    const outOfRange = () => readingsOf(messages).filter((r) => milliampsAt(pt, r.value) > 20.5);
    await waitFor(() => outOfRange().length >= 2, 10_000, 'out-of-range readings');
    expect(milliampsAt(pt, outOfRange()[0].value)).toBeGreaterThan(21);

    expect(sim.clearFaults('PT-101')).toBe(1);
    expect(sim.status().faults).toEqual([]);
    const seen = messages.length;
    await waitFor(() => messages.length >= seen + 3, 10_000, 'readings after clearing');
    const last = readingsOf(messages).at(-1)!;
    expect(last.value).toBeGreaterThan(pt.rangeMin);
    expect(last.value).toBeLessThan(pt.rangeMax);
  });

  it('publishes under a custom topic prefix with broker credentials', async () => {
    const b = await broker({ auth: { username: 'sim', password: 's3cret' } });
    const good = await subscribe(b.url.replace('mqtt://', 'mqtt://sim:s3cret@'), 'site/a/#');
    cleanups.push(() => good.client.endAsync(true));
    const sim = simulator({
      brokerUrl: b.url,
      username: 'sim',
      password: 's3cret',
      topicPrefix: 'site/a/',
      rateMultiplier: 10,
    });
    sim.start();
    await waitFor(() => good.messages.length > 0, 10_000, 'authenticated readings');
    expect(good.messages[0].topic).toMatch(/^site\/a\/[A-Z]{2}-\d{3}$/);
  });

  it('survives a rejected login and keeps retrying', async () => {
    const b = await broker({ auth: { username: 'sim', password: 's3cret' } });
    const sim = simulator({ brokerUrl: b.url, username: 'sim', password: 'wrong', rateMultiplier: 10 });
    sim.start();
    await new Promise((r) => setTimeout(r, 700));
    expect(sim.status()).toMatchObject({ running: true, connected: false, published: 0 });
    expect(sim.status().skipped).toBeGreaterThan(0);
  });

  it('runs without a broker and connects once one appears', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const sim = simulator({ brokerUrl: url, rateMultiplier: 10 });
    sim.start();
    await new Promise((r) => setTimeout(r, 600));
    expect(sim.status()).toMatchObject({ running: true, connected: false, published: 0 });

    const b = await broker({ port });
    const { messages } = await subscriber(b.url);
    // Back-off is 0.5 s, 1 s, 2 s ... (±20 %), so the simulator is back within a few seconds.
    await waitFor(() => messages.length > 0, 15_000, 'readings after the broker came up');
    expect(sim.status().connected).toBe(true);
  });

  it('stops promptly when the broker is unreachable', async () => {
    const sim = simulator({ brokerUrl: `mqtt://127.0.0.1:${await freePort()}` });
    sim.start();
    await new Promise((r) => setTimeout(r, 100));
    const t = Date.now();
    await sim.stop();
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(sim.status().running).toBe(false);
  });
});

describe('Simulator control (no broker needed)', () => {
  const pt = SAMPLE_INSTRUMENTS[0];

  it('throws typed errors for an unknown tag or a bad fault', () => {
    const sim = new Simulator({ brokerUrl: 'mqtt://127.0.0.1:1', instruments: SAMPLE_INSTRUMENTS });
    expect(() => sim.injectFault('NOPE-1', { kind: 'stuck' })).toThrow(UnknownTagError);
    expect(() => sim.injectFault('PT-101', { kind: 'drift' })).toThrow(InvalidFaultError);
    expect(() => sim.injectFault('PT-101', { kind: 'drift' })).toThrow(/ratePctPerDay/);
    expect(() => sim.clearFaults('NOPE-1')).toThrow(UnknownTagError);
    expect(() => new Simulator({ brokerUrl: 'mqtt://x', instruments: [], rateMultiplier: 0 })).toThrow(
      /rateMultiplier/,
    );
    expect(() => new Simulator({ brokerUrl: 'mqtt://x', instruments: [pt, pt] })).toThrow(/duplicate/);
  });

  it('reports faults with their start time and clears all of them', () => {
    let now = Date.UTC(2026, 10, 24, 10, 0, 0);
    const sim = new Simulator({
      brokerUrl: 'mqtt://127.0.0.1:1',
      instruments: SAMPLE_INSTRUMENTS,
      clock: () => now,
    });
    sim.injectFault('PT-101', { kind: 'drift', ratePctPerDay: 2 });
    sim.injectFault('TT-201', { kind: 'bias', offset: 1, durationSeconds: 60 });
    expect(sim.status().faults).toEqual([
      {
        tag: 'PT-101',
        kind: 'drift',
        params: { ratePctPerDay: 2 },
        started_at: '2026-11-24T10:00:00.000Z',
        ends_at: null,
      },
      {
        tag: 'TT-201',
        kind: 'bias',
        params: { offset: 1, durationSeconds: 60 },
        started_at: '2026-11-24T10:00:00.000Z',
        ends_at: '2026-11-24T10:01:00.000Z',
      },
    ]);
    now += 60_000;
    expect(sim.status().faults.map((f) => f.tag)).toEqual(['PT-101']);
    expect(sim.clearFaults()).toBe(1);
  });

  it('schedules each instrument on its interval with one timer, skipping readings while disconnected', () => {
    let now = Date.UTC(2026, 10, 24, 10, 0, 0);
    const sim = new Simulator({
      brokerUrl: 'mqtt://127.0.0.1:1',
      instruments: SAMPLE_INSTRUMENTS,
      clock: () => now,
    });
    sim.injectFault('LT-401', { kind: 'dropout' });
    for (let k = 0; k < 600; k++) {
      now += 100;
      sim.tick();
    }
    // 60 s: PT-101 every 5 s (12), TT-201 every 10 s (6), FT-301 every 2 s (30); LT-401 is silent.
    expect(sim.status().skipped).toBe(12 + 6 + 30);
  });

  it('skips ahead after a stall instead of publishing a burst', () => {
    let now = Date.UTC(2026, 10, 24, 10, 0, 0);
    const sim = new Simulator({ brokerUrl: 'mqtt://127.0.0.1:1', instruments: [pt], clock: () => now });
    now += 5_000;
    sim.tick();
    now += 60_000; // the event loop was blocked for a minute
    sim.tick();
    sim.tick();
    expect(sim.status().skipped).toBe(2);
  });

  it('keeps faults and unchanged signals across setInstruments, and drops removed tags', () => {
    const sim = new Simulator({ brokerUrl: 'mqtt://127.0.0.1:1', instruments: SAMPLE_INSTRUMENTS });
    sim.injectFault('PT-101', { kind: 'stuck' });
    const edited: SimInstrument = { ...pt, rangeMax: 16 };
    sim.setInstruments([edited, SAMPLE_INSTRUMENTS[1]]);
    expect(sim.status().instruments).toBe(2);
    expect(sim.status().faults.map((f) => [f.tag, f.kind])).toEqual([['PT-101', 'stuck']]);
    expect(() => sim.injectFault('FT-301', { kind: 'stuck' })).toThrow(UnknownTagError);
    expect(() => sim.setInstruments([{ ...pt, rangeMax: -1 }])).toThrow(/rangeMax/);
    expect(sim.status().instruments).toBe(2);
  });

  it('never shows broker credentials', () => {
    expect(redactUrl('mqtt://user:pw@broker:1883')).toBe('mqtt://broker:1883');
    const sim = new Simulator({ brokerUrl: 'mqtts://u:p@host:8883', instruments: [] });
    expect(sim.status().broker).not.toContain('p@');
  });
});
