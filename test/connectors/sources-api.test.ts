// The connector sources API: validation per kind, secrets encrypted at rest and never returned,
// audit rows, enable/disable (one winner of a race), delete, and the connection test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

let t: TestApp;
let tag: string;

const sparkplug = (name: string, extra: Record<string, unknown> = {}) => ({
  kind: 'sparkplug',
  name,
  config: { broker: t.mqtt.external ? t.mqtt.url : 'embedded', group_id: 'plant', ...extra },
  points: [{ tag, group_id: 'plant', edge_node_id: 'n1', metric: 'm1' }],
});

async function auditActions(id: number) {
  const res = await t.api('GET', `/api/audit?entity_type=connector_source&entity_id=${id}&limit=100`);
  // Oldest first.
  return (res.body.items as { action: string; new_value: unknown; old_value: unknown }[]).reverse();
}

beforeAll(async () => {
  t = await startTestApp();
  tag = (await makeInstrument(t)).tag;
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('connector sources API', () => {
  it('refuses bad input with 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...sparkplug('x'), kind: 'bacnet' }, 'kind'],
      [{ ...sparkplug('x'), config: { broker: 'ftp://nope' } }, 'config.broker'],
      [{ ...sparkplug('x'), config: { broker: 'embedded', colour: 'red' } }, 'config.colour'],
      [{ ...sparkplug('x'), config: 'embedded' }, 'config'],
      [{ ...sparkplug('x'), points: [{ tag, group_id: 'g', edge_node_id: 'n' }] }, 'points[0].metric'],
      [
        {
          ...sparkplug('x'),
          points: [{ tag: 'NO-SUCH-TAG', group_id: 'g', edge_node_id: 'n', metric: 'm' }],
        },
        'points[0].tag',
      ],
      [
        { ...sparkplug('x'), points: [{ tag, group_id: 'g/h', edge_node_id: 'n', metric: 'm' }] },
        'points[0].group_id',
      ],
      [{ ...sparkplug('x'), extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api('POST', '/api/connectors/sources', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.field, JSON.stringify(res.body)).toBe(field);
    }
  });

  it("refuses what only the kind's own checks see, with 400 naming the field", async () => {
    const modbusPoint = { tag, register_type: 'holding', address: 0, data_type: 'uint16' };
    const zeroWidth = { ...modbusPoint, scaling: { raw_min: 100, raw_max: 100, eng_min: 0, eng_max: 10 } };
    const modbus = (points: unknown[]) => ({
      kind: 'modbus',
      name: 'Checked modbus',
      config: { host: '127.0.0.1', port: 1502 },
      points,
    });
    const flat = await t.api('POST', '/api/connectors/sources', { body: modbus([zeroWidth]) });
    expect(flat.status).toBe(400);
    expect(flat.body.error.details.field).toBe('points[0].scaling.raw_max');
    expect(flat.body.error.message).toMatch(/raw_min and raw_max must differ/);

    // The same check on a change of points only.
    const created = await t.api('POST', '/api/connectors/sources', { body: modbus([modbusPoint]) });
    expect(created.status).toBe(201);
    const patched = await t.api('PATCH', `/api/connectors/sources/${created.body.id}`, {
      body: { points: [zeroWidth] },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details.field).toBe('points[0].scaling.raw_max');

    const opcua = (config: Record<string, unknown>) => ({
      kind: 'opcua',
      name: 'Checked opcua',
      config: { endpoint_url: 'opc.tcp://127.0.0.1:4840', ...config },
    });
    const noPassword = await t.api('POST', '/api/connectors/sources', {
      body: opcua({ auth: 'username', username: 'operator' }),
    });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.error.details.field).toBe('config.password');
    const untested = await t.api('POST', '/api/connectors/test', {
      body: {
        kind: 'opcua',
        config: { endpoint_url: 'opc.tcp://127.0.0.1:4840', auth: 'username', username: 'op' },
      },
    });
    expect(untested.status).toBe(400);
    expect(untested.body.error.details.field).toBe('config.password');

    // A stored password counts: a change that leaves it out keeps it and passes; null removes it: 400.
    const withPassword = await t.api('POST', '/api/connectors/sources', {
      body: opcua({ auth: 'username', username: 'operator', password: 'opc-secret' }),
    });
    expect(withPassword.status).toBe(201);
    const id = withPassword.body.id;
    const kept = await t.api('PATCH', `/api/connectors/sources/${id}`, {
      body: { config: { endpoint_url: 'opc.tcp://127.0.0.1:4841', auth: 'username', username: 'op2' } },
    });
    expect(kept.status).toBe(200);
    expect(kept.body.secrets_set).toEqual(['password']);
    const cleared = await t.api('PATCH', `/api/connectors/sources/${id}`, {
      body: {
        config: {
          endpoint_url: 'opc.tcp://127.0.0.1:4841',
          auth: 'username',
          username: 'op2',
          password: null,
        },
      },
    });
    expect(cleared.status).toBe(400);
    expect(cleared.body.error.details.field).toBe('config.password');
  });

  it('stores secrets encrypted, never returns them, and keeps them across edits', async () => {
    const res = await t.api('POST', '/api/connectors/sources', {
      body: sparkplug('Secret broker', { username: 'cmms', password: 'very-secret-password-1' }),
    });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toContain('very-secret-password-1');
    expect(res.body.config.password).toBeUndefined();
    expect(res.body.secrets_set).toEqual(['password']);
    expect(res.body.config.username).toBe('cmms');
    const id = res.body.id;

    const row = await t.server.ctx.db
      .selectFrom('connector_sources')
      .select('config')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.config).not.toContain('very-secret-password-1');
    expect(JSON.parse(row.config).password).toMatch(/^enc:v1:/);
    const opened = t.server.ctx.connectorSecrets?.open(
      JSON.parse(row.config).password,
      `connector_source:${id}:password`,
    );
    expect(opened).toBe('very-secret-password-1');

    for (const path of [`/api/connectors/sources/${id}`, '/api/connectors/sources']) {
      const got = await t.api('GET', path);
      expect(JSON.stringify(got.body)).not.toContain('very-secret-password-1');
      expect(JSON.stringify(got.body)).not.toContain('enc:v1:');
    }
    const audit = await auditActions(id);
    expect(audit.map((a) => a.action)).toEqual(['create']);
    expect(JSON.stringify(audit)).not.toContain('very-secret-password-1');
    expect(JSON.stringify(audit)).not.toContain('enc:v1:');

    // An edit that leaves the password out keeps it; null removes it.
    const kept = await t.api('PATCH', `/api/connectors/sources/${id}`, {
      body: { config: { broker: 'embedded', username: 'cmms2' } },
    });
    expect(kept.status).toBe(200);
    expect(kept.body.secrets_set).toEqual(['password']);
    const removed = await t.api('PATCH', `/api/connectors/sources/${id}`, {
      body: { config: { broker: 'embedded', password: null } },
    });
    expect(removed.body.secrets_set).toEqual([]);
    expect((await auditActions(id)).map((a) => a.action)).toEqual(['create', 'update', 'update']);
  });

  it('is for admins only', async () => {
    const tech = await makeUser(t, 'technician');
    const res = await t.api('GET', '/api/connectors/sources', { token: tech.token });
    expect(res.status).toBe(403);
    const none = await t.api('GET', '/api/connectors/sources', { token: null });
    expect(none.status).toBe(401);
  });

  it('refuses a second source of the same name', async () => {
    expect((await t.api('POST', '/api/connectors/sources', { body: sparkplug('Dup') })).status).toBe(201);
    const res = await t.api('POST', '/api/connectors/sources', { body: sparkplug('dup') });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('connector_source_name_taken');
  });

  it('enables and disables with one winner of a race, and runs the source while enabled', async () => {
    const created = await t.api('POST', '/api/connectors/sources', { body: sparkplug('Race') });
    const id = created.body.id;
    expect(created.body.enabled).toBe(false);
    expect(created.body.status.state).toBe('stopped');
    const enables = await Promise.all(
      Array.from({ length: 6 }, () => t.api('POST', `/api/connectors/sources/${id}/enable`)),
    );
    expect(enables.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect(enables.find((r) => r.status === 409)?.body.error.code).toBe('connector_source_already_enabled');
    await waitUntil(
      async () => (await t.api('GET', `/api/connectors/sources/${id}`)).body.status.state,
      (s) => s === 'connected',
      { what: 'the enabled source to connect' },
    );
    const disables = await Promise.all(
      Array.from({ length: 6 }, () => t.api('POST', `/api/connectors/sources/${id}/disable`)),
    );
    expect(disables.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    await waitUntil(
      async () => (await t.api('GET', `/api/connectors/sources/${id}`)).body.status.state,
      (s) => s === 'stopped',
      { what: 'the disabled source to stop' },
    );
    expect((await auditActions(id)).map((a) => a.action)).toEqual(['create', 'enable', 'disable']);
  });

  it('tests a connection: ok with a reachable broker, a clear reason without one', async () => {
    const created = await t.api('POST', '/api/connectors/sources', { body: sparkplug('Testable') });
    const ok = await t.api('POST', `/api/connectors/sources/${created.body.id}/test`, { body: {} });
    expect(ok.status).toBe(200);
    expect(ok.body.ok).toBe(true);
    expect(ok.body.message).toMatch(/connected to mqtt:\/\//);
    const bad = await t.api('POST', '/api/connectors/test', {
      body: { kind: 'sparkplug', config: { broker: 'mqtt://127.0.0.1:1', password: 'pw-not-shown' } },
    });
    expect(bad.status).toBe(200);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.message).toMatch(/ECONNREFUSED|no answer/);
    expect(bad.body.message).not.toContain('pw-not-shown');
  });

  it('deletes (audited), then 404', async () => {
    const created = await t.api('POST', '/api/connectors/sources', { body: sparkplug('Gone') });
    const id = created.body.id;
    expect((await t.api('DELETE', `/api/connectors/sources/${id}`)).status).toBe(204);
    expect((await t.api('GET', `/api/connectors/sources/${id}`)).status).toBe(404);
    expect((await t.api('POST', `/api/connectors/sources/${id}/enable`)).status).toBe(404);
    expect((await auditActions(id)).map((a) => a.action)).toEqual(['create', 'delete']);
    // The name is free again.
    expect((await t.api('POST', '/api/connectors/sources', { body: sparkplug('Gone') })).status).toBe(201);
  });
});
