import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { publishReadings, reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';

// GET /api/first-run (issue 18, part 4): the progress of a new plant and, for admins, how field
// devices connect, from the settings and the running broker.

describe('GET /api/first-run', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  it('reports progress, and the broker, topic and a real tag to admins only', async () => {
    const fresh = await t.api('GET', '/api/first-run');
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ instruments: 0, readings: false, active_users: 1, complete: false });
    expect(fresh.body.connection).toMatchObject({
      broker: t.mqtt.external ? 'external' : 'embedded',
      host: t.mqtt.host,
      port: t.mqtt.port,
      tls: false,
      auth_required: false,
      topic_prefix: t.mqtt.topicPrefix,
      tag: 'PT-101',
      tag_is_real: false,
    });
    expect(JSON.stringify(fresh.body)).not.toMatch(/password/i);

    const tech = await makeUser(t, 'technician');
    const asTech = await t.api('GET', '/api/first-run', { token: tech.token });
    expect(asTech.status).toBe(200);
    expect(asTech.body).toMatchObject({ instruments: 0, active_users: 2, connection: null });
    expect((await t.api('GET', '/api/first-run', { token: null })).status).toBe(401);

    const inst = await makeInstrument(t, { unit: 'kPa', range_min: 0, range_max: 400, nominal_value: null });
    const named = (await t.api('GET', '/api/first-run')).body;
    expect(named).toMatchObject({ instruments: 1, readings: false, complete: false });
    expect(named.connection).toMatchObject({ tag: inst.tag, unit: 'kPa', value: 200, tag_is_real: true });

    // The sample reading, published to the topic it names, completes the first run.
    await publishReadings(t, [reading(inst.tag, Date.now(), named.connection.value, 'kPa')]);
    const done = await waitFor('the first run to complete', async () => {
      const b = (await t.api('GET', '/api/first-run')).body;
      return b.complete ? b : null;
    });
    expect(done).toMatchObject({ instruments: 1, readings: true, complete: true });
  });
});
