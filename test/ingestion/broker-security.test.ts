// The embedded broker's logins and ACLs, with real mqtt.js clients against the real server: the
// app's own credentials, gateway users managed through the admin API, and what a gateway may do.
// Always the embedded broker (also in the PostgreSQL run, where the gateways live in PostgreSQL).
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { reading } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const EMBEDDED = { MQTT_BROKER: 'embedded', MQTT_PORT: '0', MQTT_TOPIC: 'plant/readings/#' };
const APP = { username: 'cmms-app', password: 'app-password-123456' };

const connect = (t: TestApp, opts: IClientOptions = {}) =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${t.server.ctx.ingestion?.broker().port}`, {
    clientId: `sec-${randomBytes(4).toString('hex')}`,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...opts,
  });

/** The CONNACK return code of a refused connection (4 bad user name or password, 5 not authorized). */
async function refusedCode(t: TestApp, opts: IClientOptions): Promise<number> {
  try {
    const c = await connect(t, opts);
    await c.endAsync();
    return 0;
  } catch (e) {
    return (e as { code: number }).code;
  }
}

const closed = (c: MqttClient) =>
  new Promise<void>((resolve) => {
    if (c.disconnected || !c.connected) return resolve();
    c.once('close', () => resolve());
  });

async function gatewayCount(t: TestApp, action: string) {
  const rows = await t.server.ctx.db
    .selectFrom('audit_log')
    .select('action')
    .where('entity_type', '=', 'gateway')
    .where('action', '=', action)
    .execute();
  return rows.length;
}

describe('embedded broker with credentials and gateway users', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { ...EMBEDDED, MQTT_USERNAME: APP.username, MQTT_PASSWORD: APP.password },
    });
  });
  afterAll(() => t?.stop());

  const addGateway = async (username: string) => {
    const res = await t.api('POST', '/api/gateways', { body: { username, description: 'north gateway' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { gateway: { id: number; username: string }; password: string };
  };

  it('refuses anonymous clients and wrong passwords, and accepts the app login', async () => {
    expect(await refusedCode(t, {})).toBe(5);
    expect(await refusedCode(t, { username: APP.username, password: 'wrong-password-123' })).toBe(4);
    expect(await refusedCode(t, { username: 'nobody', password: 'whatever-password' })).toBe(4);
    expect(await refusedCode(t, APP)).toBe(0);
    const health = await t.api('GET', '/health');
    expect(health.body.broker).toMatchObject({ mode: 'embedded', anonymous_allowed: false });
  });

  it('manages gateways through the admin API: password once, never the hash, 409 and 400 as usual', async () => {
    const { gateway, password } = await addGateway('gw-api');
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(gateway).not.toHaveProperty('password_hash');
    const list = await t.api('GET', '/api/gateways');
    expect(list.status).toBe(200);
    expect(list.body.items.map((g: { username: string }) => g.username)).toContain('gw-api');
    expect(JSON.stringify(list.body)).not.toContain(password);
    expect(JSON.stringify(list.body)).not.toContain('$2');

    expect((await t.api('POST', '/api/gateways', { body: { username: 'GW-API' } })).status).toBe(409);
    expect((await t.api('POST', '/api/gateways', { body: { username: APP.username } })).status).toBe(409);
    // The body schemas say additionalProperties: false; whether the HTTP layer answers 400 or drops
    // the property is its (issue 10 item 4) business: an unknown property never takes effect.
    const extra = await t.api('POST', '/api/gateways', { body: { username: 'gw-x', is_admin: true } });
    expect([400, 201]).toContain(extra.status);
    expect(JSON.stringify(extra.body)).not.toContain('"is_admin":true');
    expect((await t.api('POST', '/api/gateways', { body: { username: 'gw y' } })).status).toBe(400);
    expect(
      (await t.api('POST', '/api/gateways', { body: { username: 'gw-short', password: 'short' } })).status,
    ).toBe(400);
    expect((await t.api('PATCH', `/api/gateways/${gateway.id}`, { body: {} })).status).toBe(400);
    expect((await t.api('GET', '/api/gateways/999999')).status).toBe(404);
    expect((await t.api('POST', '/api/gateways/999999/reset-password', { body: {} })).status).toBe(404);
    expect((await t.api('DELETE', '/api/gateways/999999')).status).toBe(404);
    expect(await gatewayCount(t, 'create')).toBeGreaterThanOrEqual(1);
  });

  it('a gateway publishes readings that are ingested', async () => {
    const inst = await makeInstrument(t);
    const { gateway, password } = await addGateway('gw-readings');
    const gw = await connect(t, { username: gateway.username, password });
    await gw.publishAsync(
      `plant/readings/${inst.tag}`,
      JSON.stringify(reading(inst.tag, Date.now() - 1000, 4.5)),
      {
        qos: 1,
      },
    );
    await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (r) => r.body.last_reading?.value === 4.5,
      { what: "the gateway's reading" },
    );
    expect((await t.api('GET', `/api/gateways/${gateway.id}`)).body.connections).toBe(1);
    await gw.endAsync();
  });

  it('a gateway may not publish outside the readings topic, subscribe to # or read readings', async () => {
    const { gateway, password } = await addGateway('gw-acl');
    const app = await connect(t, APP);
    const seen: string[] = [];
    app.on('message', (topic) => seen.push(topic));
    await app.subscribeAsync('plant/other/#', { qos: 1 });

    const gw = await connect(t, { username: gateway.username, password });
    // mqtt.js rejects a SUBACK with a failed filter; the SUBACK tells which were refused (0x80).
    const granted = await gw
      .subscribeAsync(['#', 'plant/readings/#', 'plant/readings/PT-101', '$SYS/#', 'plant/commands/gw-acl'], {
        qos: 1,
      })
      .then(
        (subs) => subs.map((s) => s.qos),
        (e: { packet?: { granted: number[] } }) => e.packet?.granted,
      );
    expect(granted).toEqual([128, 128, 128, 128, 1]);

    // Publishing elsewhere disconnects the gateway and routes nothing.
    const gone = closed(gw);
    gw.publish('plant/other/x', 'nope', { qos: 1 });
    await gone;
    await app.publishAsync('plant/other/marker', 'ok', { qos: 1 });
    await waitUntil(
      () => seen,
      (s) => s.includes('plant/other/marker'),
      { what: 'the marker' },
    );
    expect(seen).toEqual(['plant/other/marker']);
    gw.end(true);
    await app.endAsync();
  });

  it('keeps no retained reading and refuses a will on the readings topic', async () => {
    const inst = await makeInstrument(t);
    const { gateway, password } = await addGateway('gw-retain');
    const gw = await connect(t, { username: gateway.username, password });
    await gw.publishAsync(
      `plant/readings/${inst.tag}`,
      JSON.stringify(reading(inst.tag, Date.now() - 500, 7.5)),
      {
        qos: 1,
        retain: true,
      },
    );
    await gw.endAsync();
    // The reading itself is ingested ...
    await waitUntil(
      () => t.api('GET', `/api/instruments/${inst.id}`),
      (r) => r.body.last_reading?.value === 7.5,
      { what: 'the retained-flagged reading' },
    );
    // ... but a later subscriber gets no retained copy: only the marker published after it subscribed.
    const app = await connect(t, APP);
    const got: { topic: string; retain: boolean }[] = [];
    app.on('message', (topic, _m, packet) => got.push({ topic, retain: packet.retain }));
    await app.subscribeAsync('plant/readings/#', { qos: 1 });
    await app.publishAsync('plant/readings/NO-SUCH-TAG', '{}', { qos: 1 });
    await waitUntil(
      () => got,
      (g) => g.some((m) => m.topic === 'plant/readings/NO-SUCH-TAG'),
      { what: 'the marker' },
    );
    expect(got.filter((m) => m.topic === `plant/readings/${inst.tag}`)).toEqual([]);
    await app.endAsync();

    expect(
      await refusedCode(t, {
        username: gateway.username,
        password,
        will: { topic: `plant/readings/${inst.tag}`, payload: Buffer.from('{}'), qos: 1, retain: false },
      }),
    ).toBe(5);
  });

  it('disabling, resetting or removing a gateway takes effect at once, audited', async () => {
    const { gateway, password } = await addGateway('gw-life');
    const live = await connect(t, { username: gateway.username, password });
    const dropped = closed(live);
    const off = await t.api('PATCH', `/api/gateways/${gateway.id}`, { body: { is_active: false } });
    expect(off.status).toBe(200);
    expect(off.body.is_active).toBe(false);
    await dropped; // the live connection is closed without a restart
    expect(await refusedCode(t, { username: gateway.username, password })).toBe(4);
    expect(await gatewayCount(t, 'disable')).toBe(1);

    expect((await t.api('PATCH', `/api/gateways/${gateway.id}`, { body: { is_active: true } })).status).toBe(
      200,
    );
    expect(await refusedCode(t, { username: gateway.username, password })).toBe(0);

    const reset = await t.api('POST', `/api/gateways/${gateway.id}/reset-password`, { body: {} });
    expect(reset.status).toBe(200);
    expect(reset.body.password).not.toBe(password);
    expect(await refusedCode(t, { username: gateway.username, password })).toBe(4);
    expect(await refusedCode(t, { username: gateway.username, password: reset.body.password })).toBe(0);

    expect((await t.api('DELETE', `/api/gateways/${gateway.id}`)).status).toBe(204);
    expect((await t.api('DELETE', `/api/gateways/${gateway.id}`)).status).toBe(404);
    expect(await refusedCode(t, { username: gateway.username, password: reset.body.password })).toBe(4);
    for (const action of ['enable', 'reset_password', 'delete'])
      expect(await gatewayCount(t, action)).toBe(1);
    // The name can be used again once the old login is gone.
    await addGateway('gw-life');
  });

  it('of concurrent disables exactly one changes the gateway and writes the audit row', async () => {
    const { gateway } = await addGateway('gw-race');
    const before = await gatewayCount(t, 'disable');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.api('PATCH', `/api/gateways/${gateway.id}`, { body: { is_active: false } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect((await gatewayCount(t, 'disable')) - before).toBe(1);
  });
});

describe('embedded broker in development without credentials', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: EMBEDDED });
  });
  afterAll(() => t?.stop());

  it('accepts anonymous clients until the first gateway exists, then refuses them', async () => {
    const anon = await connect(t);
    expect((await t.api('GET', '/health')).body.broker.anonymous_allowed).toBe(true);
    const dropped = closed(anon);
    const res = await t.api('POST', '/api/gateways', { body: { username: 'gw-first' } });
    expect(res.status).toBe(201);
    await dropped;
    expect(await refusedCode(t, {})).toBe(5);
    expect(await refusedCode(t, { username: 'gw-first', password: res.body.password })).toBe(0);
    expect((await t.api('GET', '/health')).body.broker.anonymous_allowed).toBe(false);
  });
});
