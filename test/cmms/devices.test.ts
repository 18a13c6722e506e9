import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, DAY_MS, makeStandard, points } from './cmms-fixtures.ts';

const serial = () => `SN-${randomBytes(4).toString('hex').toUpperCase()}`;

describe('devices installed into positions (issue 13 item 1)', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp();
    tech = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  async function makeDevice(fields: Record<string, unknown> = {}) {
    const res = await t.api('POST', '/api/devices', {
      body: {
        manufacturer: 'Rosemount',
        model: '3051CD',
        serial_number: serial(),
        unit: 'bar',
        range_min: 0,
        range_max: 10,
        ...fields,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: number; serial_number: string };
  }

  it('creates, validates, lists with filters and pages, and keeps serial numbers unique regardless of case', async () => {
    const d = await makeDevice({ manufacturer: 'Endress+Hauser', model: 'PMC71' });
    expect(d).toMatchObject({
      status: 'spare',
      installed_instrument_id: null,
      manufacturer: 'Endress+Hauser',
    });
    const dup = await t.api('POST', '/api/devices', {
      body: { manufacturer: 'X', model: 'Y', serial_number: d.serial_number.toLowerCase() },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('device_serial_taken');
    const badRange = await t.api('POST', '/api/devices', {
      body: { manufacturer: 'X', model: 'Y', serial_number: serial(), range_min: 5, range_max: 1 },
    });
    expect(badRange.status).toBe(400);
    const unknown = await t.api('POST', '/api/devices', {
      body: { manufacturer: 'X', model: 'Y', serial_number: serial(), colour: 'red' },
    });
    expect(unknown.status).toBe(400);
    const asTech = await t.api('POST', '/api/devices', {
      token: tech.token,
      body: { manufacturer: 'X', model: 'Y', serial_number: serial() },
    });
    expect(asTech.status).toBe(403);

    await makeDevice({ manufacturer: 'Endress+Hauser', model: 'PMC71' });
    const byMaker = await t.api('GET', '/api/devices?manufacturer=endress%2Bhauser&limit=1');
    expect(byMaker.status).toBe(200);
    expect(byMaker.body.total).toBeGreaterThanOrEqual(2);
    expect(byMaker.body.items).toHaveLength(1);
    const search = await t.api('GET', `/api/devices?q=${d.serial_number.slice(3)}`, { token: tech.token });
    expect(search.body.items.map((x: { id: number }) => x.id)).toEqual([d.id]);

    const patched = await t.api('PATCH', `/api/devices/${d.id}`, { body: { notes: 'spare from stores' } });
    expect(patched.status).toBe(200);
    expect(patched.body.notes).toBe('spare from stores');
    const emptyPatch = await t.api('PATCH', `/api/devices/${d.id}`, { body: {} });
    expect(emptyPatch.status).toBe(400);
    const missing = await t.api('GET', '/api/devices/999999');
    expect(missing.status).toBe(404);
  });

  it('installs, swaps and removes: each device keeps its history and its calibrations show the position held', async () => {
    const now = new Date();
    const std = await makeStandard(t, now, { calibratedDaysAgo: 100 });
    const pos = await makeInstrument(t);
    const other = await makeInstrument(t);
    const a = await makeDevice();
    const b = await makeDevice();

    const at = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
    const first = await t.api('POST', `/api/instruments/${pos.id}/installations`, {
      body: { device_id: a.id, installed_at: at(60), reason: 'commissioning' },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ device_id: a.id, instrument_id: pos.id, current: true });

    // The register shows the device in the position.
    const reg = await t.api('GET', `/api/instruments/${pos.id}`);
    expect(reg.body).toMatchObject({ device_id: a.id, device_serial_number: a.serial_number });

    const calA = await calibrate(t, {
      instrument_id: pos.id,
      reference_standard_id: std.id,
      performed_at: at(30),
      points: points(0.1, 0.1),
    });
    expect(calA).toMatchObject({ device_id: a.id, device_serial_number: a.serial_number, tag: pos.tag });

    // An occupied position is not silently taken over; a device is in one place at a time.
    const occupied = await t.api('POST', `/api/instruments/${pos.id}/installations`, {
      body: { device_id: b.id },
    });
    expect(occupied.status).toBe(409);
    expect(occupied.body.error.code).toBe('position_occupied');
    const twice = await t.api('POST', `/api/instruments/${other.id}/installations`, {
      body: { device_id: a.id },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('device_installed_elsewhere');

    const swap = await t.api('POST', `/api/instruments/${pos.id}/installations`, {
      body: { device_id: b.id, installed_at: at(10), reason: 'A sent to workshop for repair', swap: true },
    });
    expect(swap.status, JSON.stringify(swap.body)).toBe(201);
    const calB = await calibrate(t, {
      instrument_id: pos.id,
      reference_standard_id: std.id,
      points: points(0.1, 0.1),
    });
    expect(calB.device_id).toBe(b.id);

    // A, repaired, goes into the other position.
    const moved = await t.api('POST', `/api/instruments/${other.id}/installations`, {
      body: { device_id: a.id, installed_at: at(5) },
    });
    expect(moved.status).toBe(201);

    const posHistory = await t.api('GET', `/api/instruments/${pos.id}/installations`);
    expect(
      posHistory.body.items.map((i: { device_id: number; current: boolean }) => [i.device_id, i.current]),
    ).toEqual([
      [b.id, true],
      [a.id, false],
    ]);
    expect(posHistory.body.items[1]).toMatchObject({
      removed_at: at(10),
      removal_reason: 'A sent to workshop for repair',
    });
    const aHistory = await t.api('GET', `/api/devices/${a.id}/installations`);
    expect(aHistory.body.items.map((i: { instrument_id: number }) => i.instrument_id)).toEqual([
      other.id,
      pos.id,
    ]);
    const aCals = await t.api('GET', `/api/calibrations?device_id=${a.id}`);
    expect(aCals.body.items.map((c: { id: number; tag: string }) => [c.id, c.tag])).toEqual([
      [calA.id, pos.tag],
    ]);
    const bCals = await t.api('GET', `/api/calibrations?device_id=${b.id}`);
    expect(bCals.body.items.map((c: { id: number }) => c.id)).toEqual([calB.id]);

    // Removal needs a reason; an empty position cannot be emptied; an installed device is not retired.
    const noReason = await t.api('POST', `/api/instruments/${pos.id}/installations/remove`, { body: {} });
    expect(noReason.status).toBe(400);
    const retireInstalled = await t.api('DELETE', `/api/devices/${b.id}`);
    expect(retireInstalled.status).toBe(409);
    const removed = await t.api('POST', `/api/instruments/${pos.id}/installations/remove`, {
      body: { reason: 'decommissioned' },
    });
    expect(removed.status).toBe(200);
    expect(removed.body.current).toBe(false);
    const again = await t.api('POST', `/api/instruments/${pos.id}/installations/remove`, {
      body: { reason: 'x' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('position_empty');
    const retired = await t.api('DELETE', `/api/devices/${b.id}`);
    expect(retired.status).toBe(200);
    const gone = await t.api('GET', '/api/devices?status=retired');
    expect(gone.body.items.map((d: { id: number }) => d.id)).toContain(b.id);

    const audit = await t.api('GET', '/api/audit?entity_type=device_installation&limit=50');
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((r: { action: string }) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['install', 'swap', 'remove']));
  });

  it('one winner when two devices race for one position, or one device for two positions', async () => {
    const pos = await makeInstrument(t);
    const [d1, d2] = [await makeDevice(), await makeDevice()];
    const race = await Promise.all(
      [d1, d2].map((d) =>
        t.api('POST', `/api/instruments/${pos.id}/installations`, { body: { device_id: d.id } }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);

    const [p1, p2] = [await makeInstrument(t), await makeInstrument(t)];
    const d3 = await makeDevice();
    const race2 = await Promise.all(
      [p1, p2].map((p) =>
        t.api('POST', `/api/instruments/${p.id}/installations`, { body: { device_id: d3.id } }),
      ),
    );
    expect(race2.map((r) => r.status).sort()).toEqual([201, 409]);
    const dev = await t.api('GET', `/api/devices/${d3.id}`);
    expect(dev.body.status).toBe('installed');
    const history = await t.api('GET', `/api/devices/${d3.id}/installations`);
    expect(history.body.total).toBe(1);
  });
});
