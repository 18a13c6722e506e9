// SIMULATOR_SPARKPLUG=true: the simulator publishes as a Sparkplug B edge node and the source made
// for it at start takes the readings into the pipeline (the demo's path).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SIMULATOR_SOURCE_NAME } from '../../src/connectors/simulator-source.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { SIMULATOR_SPARKPLUG: 'true' } });
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

it('simulated instruments arrive through the Sparkplug B source', async () => {
  const inst = await makeInstrument(t, { publish_interval_seconds: 1 });
  const sources = await t.api('GET', '/api/connectors/sources');
  const src = sources.body.items.find((s: { name: string }) => s.name === SIMULATOR_SOURCE_NAME);
  expect(src).toMatchObject({ kind: 'sparkplug', enabled: true, config: { map_metric_names: true } });
  const start = await t.api('POST', '/api/simulator/start', {
    body: { tags: [inst.tag], rate_multiplier: 5 },
  });
  expect(start.status).toBe(200);
  await waitFor(
    'a simulated reading',
    async () => (await t.api('GET', `/api/instruments/${inst.id}`)).body.last_reading,
  );
  const s = await waitFor('the source counting readings', async () => {
    const got = (await t.api('GET', `/api/connectors/sources/${src.id}`)).body;
    return got.status.readings_per_minute > 0 ? got : null;
  });
  expect(s.status.state).toBe('connected');
  await t.api('POST', '/api/simulator/stop');
});
