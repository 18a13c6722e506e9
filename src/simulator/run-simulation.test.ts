import { afterEach, describe, expect, it } from 'vitest';
import { parseSimulateArgs } from './cli-options.ts';
import { UnknownTagError } from './errors.ts';
import { runSimulation } from './run-simulation.ts';
import { SAMPLE_INSTRUMENTS } from './sample-instruments.ts';
import { startBroker, subscribe, type TestBroker, waitFor } from './test-broker.ts';

let broker: TestBroker | null = null;
afterEach(async () => {
  await broker?.close();
  broker = null;
});

describe('runSimulation', () => {
  it('publishes the selected tags with their faults for --duration, then stops', async () => {
    broker = await startBroker();
    const sub = await subscribe(broker.url, 'plant/readings/#');
    try {
      const opts = parseSimulateArgs([
        '--broker',
        broker.url,
        '--rate',
        '20',
        '--tags',
        'PT-101,FT-301',
        '--fault',
        'PT-101:bias:offset=100',
        '--duration',
        '1',
      ]);
      const status = await runSimulation(opts, { instruments: SAMPLE_INSTRUMENTS });
      expect(status).toMatchObject({ running: false, instruments: 2 });
      expect(status.faults).toMatchObject([{ tag: 'PT-101', kind: 'bias', params: { offset: 100 } }]);
      await waitFor(() => sub.messages.length >= status.published, 5_000, 'all acknowledged readings');
      const readings = sub.messages.map((m) => JSON.parse(m.payload) as { tag: string; value: number });
      expect(new Set(readings.map((r) => r.tag))).toEqual(new Set(['PT-101', 'FT-301']));
      for (const r of readings.filter((x) => x.tag === 'PT-101')) expect(r.value).toBeGreaterThan(100);
    } finally {
      await sub.client.endAsync(true);
    }
  });

  it('ends early on the abort signal', async () => {
    broker = await startBroker();
    const controller = new AbortController();
    const run = runSimulation(parseSimulateArgs(['--broker', broker.url]), {
      instruments: SAMPLE_INSTRUMENTS,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 200);
    expect((await run).running).toBe(false);
  });

  it('refuses tags that are not registered instruments', async () => {
    const opts = parseSimulateArgs(['--tags', 'PT-101,XX-999', '--duration', '1']);
    await expect(runSimulation(opts, { instruments: SAMPLE_INSTRUMENTS })).rejects.toThrow(UnknownTagError);
    const faulty = parseSimulateArgs(['--fault', 'XX-999:stuck', '--duration', '1']);
    await expect(runSimulation(faulty, { instruments: SAMPLE_INSTRUMENTS })).rejects.toThrow(/XX-999/);
  });
});
